"""What a name may contain: the name of a person, an organisation or a team, as typed into a form
or a CSV file.

A name is shown to other people (on a certificate, its public verification page, a manager's
reports), so it may not hold an invisible formatting character (Unicode general category Cf).
Those characters let a name look like another one: a right-to-left override (U+202E) reverses the
text after it, and a zero width space (U+200B) makes two different names look the same.

Real names need two of them. ZERO WIDTH NON-JOINER (U+200C) and ZERO WIDTH JOINER (U+200D) choose
how letters join in cursive scripts such as Arabic (the Persian "می‌خواهم"), and which conjunct or
half form a consonant takes in the scripts of South Asia (Devanagari, Bengali, Malayalam, Sinhala
and others). So a joiner is allowed where such a script uses it, and nowhere else:

- the characters on both sides of it are letters or combining marks of one script that joins,
  listed in :data:`JOINING_SCRIPTS`; or
- it is a zero width joiner after a virama (the sign that kills a consonant's vowel) at the end of
  a word, which spells a Malayalam chillu ("അവന്‍") or a half form there.

A joiner in a Latin, Cyrillic or Greek name, at the start of a name, between two scripts or next
to another formatting character is refused.
"""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import Field
from wtforms.form import BaseForm
from wtforms.validators import ValidationError

ZERO_WIDTH_NON_JOINER = "\u200c"
ZERO_WIDTH_JOINER = "\u200d"
JOINERS = frozenset({ZERO_WIDTH_NON_JOINER, ZERO_WIDTH_JOINER})

#: Scripts whose spelling uses the joiners: cursive scripts, where they choose how letters join,
#: and the scripts of South and South-East Asia, where they choose conjuncts and half forms. Each
#: is named as the Unicode names of its letters and marks begin ("ARABIC LETTER FARSI YEH",
#: "DEVANAGARI SIGN VIRAMA"); add a script here when someone's name needs it.
JOINING_SCRIPTS = frozenset(
    {
        "ARABIC",
        "SYRIAC",
        "NKO",
        "MONGOLIAN",
        "ADLAM",
        "DEVANAGARI",
        "BENGALI",
        "GURMUKHI",
        "GUJARATI",
        "ORIYA",
        "TAMIL",
        "TELUGU",
        "KANNADA",
        "MALAYALAM",
        "SINHALA",
        "MYANMAR",
        "KHMER",
    }
)
#: The canonical combining class of a virama (or the like: Sinhala al-lakuna, Khmer coeng).
VIRAMA_COMBINING_CLASS = 9

INVISIBLE_CHARACTER = _l(
    "The name contains an invisible formatting character (%(character)s). "
    "Remove it and type the name again."
)


def _is_letter_or_mark(character: str) -> bool:
    return bool(character) and unicodedata.category(character)[0] in "LM"


def _joining_script(character: str) -> str | None:
    """The script of a letter or mark, when it is one of :data:`JOINING_SCRIPTS`.

    :mod:`unicodedata` has no Script property, but the Unicode name of every letter and mark of
    these scripts begins with the script's name.
    """
    if not _is_letter_or_mark(character):
        return None
    script = unicodedata.name(character, "").split(" ", 1)[0]
    return script if script in JOINING_SCRIPTS else None


def _joiner_is_spelling(text: str, index: int) -> bool:
    """Whether the joiner at ``text[index]`` is there because the name's script needs it."""
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1 : index + 2]
    script = _joining_script(before)
    if script is None:
        return False
    if _joining_script(after) == script:
        return True
    return (
        text[index] == ZERO_WIDTH_JOINER
        and unicodedata.combining(before) == VIRAMA_COMBINING_CLASS
        and not _is_letter_or_mark(after)
    )


def invisible_character_in(text: str) -> str | None:
    """The first invisible formatting character in ``text`` that its script does not need,
    written as its code point (``"U+202E"``), or ``None`` when there is none."""
    for index, character in enumerate(text):
        if unicodedata.category(character) != "Cf":
            continue
        if character in JOINERS and _joiner_is_spelling(text, index):
            continue
        return f"U+{ord(character):04X}"
    return None


def name_problem(name: str | None, message: str | object = INVISIBLE_CHARACTER) -> str | None:
    """Say why ``name`` may not be used as a name, or ``None`` if it may.

    Refuses an invisible formatting character (Unicode category Cf) other than a joiner its
    script needs (see the module's docstring for the rule).

    :param message: the refusal, with ``%(character)s`` where the character's code point goes;
        by default it speaks of "the name".
    """
    character = invisible_character_in(name or "")
    if character is None:
        return None
    return str(message) % {"character": character}


class NoInvisibleCharacters:
    """A WTForms validator: the field's text holds no invisible formatting character (see
    :func:`name_problem`)."""

    def __init__(self, message: str | object = INVISIBLE_CHARACTER) -> None:
        self.message = message

    def __call__(self, form: BaseForm, field: Field) -> None:
        problem = name_problem(field.data, self.message)
        if problem:
            raise ValidationError(problem)
