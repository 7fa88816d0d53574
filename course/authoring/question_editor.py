"""The web editor's side of the question types: one editor per kind of field.

A question type (:mod:`course.catalogue.question_types`) lists its fields as
:class:`FieldSpec`\\ s, each of a kind such as ``"choices"`` or ``"boolean"``. Every kind has one
editor here that knows three things: how to read its value from a submitted form into the shape
``quiz.yaml`` has (so the type's own ``check`` and ``canonical`` work unchanged), what the form
shows for a stored question, and which template partial draws it. A new question type made of
known kinds therefore needs no new page; a new kind needs one editor class and one partial.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types import FieldSpec, QuestionType, question_type
from course.catalogue.yaml_source import SourceList, SourceMap
from course.core.regions import Region

#: Rows shown for list fields: the most any question type accepts (two to eight choices or pairs,
#: three to eight items).
LIST_ROWS = 8

#: Text fields short enough for a one-line input; every other text field gets a text area.
ONE_LINE_TEXT_FIELDS = frozenset({"id"})

FIELD_ID_PREFIX = "question-"

#: An identifier made from a question takes up to this many of its first words ...
DERIVED_ID_WORDS = 5
#: ... and up to this many characters of them, whole words only.
DERIVED_ID_MAX_LENGTH = 50
#: The identifier made from a question with no letters or digits of the Latin alphabet.
DERIVED_ID_FALLBACK = "question"


def _source_map(values: dict[str, Any]) -> SourceMap:
    mapping = SourceMap(values)
    mapping.line = 1
    mapping.key_lines = {}
    return mapping


def _source_list(values: Iterable[Any]) -> SourceList:
    items = SourceList(values)
    items.line = 1
    items.item_lines = []
    return items


def _text(form: MultiDict[str, str], name: str) -> str:
    return form.get(name, "").replace("\r\n", "\n").strip()


class FieldEditor:
    """How the editor shows and reads one kind of field."""

    kind: ClassVar[str]
    template: ClassVar[str]

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        """The field's value in ``quiz.yaml`` form, or ``None`` when the field is left out."""
        raise NotImplementedError

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        """What the form shows for the field of ``question`` (stored or just submitted)."""
        raise NotImplementedError

    def anchor(self, spec: FieldSpec) -> str:
        """The id of the field's first control, which the error summary links to."""
        return f"{FIELD_ID_PREFIX}{spec.name}"

    def template_for(self, spec: FieldSpec) -> str:
        return self.template

    def hint(self, spec: FieldSpec) -> str:
        return ""


FIELD_EDITORS: dict[str, FieldEditor] = {}


def field_editor(editor_class: type[FieldEditor]) -> type[FieldEditor]:
    """Register an editor for the field kind it names."""
    FIELD_EDITORS[editor_class.kind] = editor_class()
    return editor_class


@field_editor
class TextEditor(FieldEditor):
    kind = "text"
    template = "authoring/questions/fields/_textarea.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        return _text(form, spec.name)

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        value = question.get(spec.name)
        return "" if value is None else str(value)

    def template_for(self, spec: FieldSpec) -> str:
        if spec.name in ONE_LINE_TEXT_FIELDS:
            return "authoring/questions/fields/_text_input.html"
        return self.template

    def hint(self, spec: FieldSpec) -> str:
        if spec.name == "id":
            return _(
                "Leave it empty to make one from the first words of the question. Lower-case "
                "letters, digits and single hyphens, like run-first. It stays the same when you "
                "change the wording, so learners' past answers still match."
            )
        return ""


@field_editor
class BooleanEditor(FieldEditor):
    kind = "boolean"
    template = "authoring/questions/fields/_boolean.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        return {"true": True, "false": False}.get(form.get(spec.name, ""))

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        value = question.get(spec.name)
        return value if isinstance(value, bool) else None

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-true"


@field_editor
class ChoicesEditor(FieldEditor):
    """Rows of text, each with a box to tick when it is a correct answer."""

    kind = "choices"
    template = "authoring/questions/fields/_choices.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        choices = []
        for row in range(1, LIST_ROWS + 1):
            text = _text(form, f"{spec.name}-{row}-text")
            correct = self.marked_right(spec, form, row)
            if text or correct:
                choices.append(
                    _source_map({"text": text, **({"correct": True} if correct else {})})
                )
        return _source_list(choices)

    def marked_right(self, spec: FieldSpec, form: MultiDict[str, str], row: int) -> bool:
        """Whether the form marks choice ``row`` (from 1) as a right answer."""
        return f"{spec.name}-{row}-correct" in form

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        rows = [
            {"text": str(choice.get("text", "")), "correct": choice.get("correct") is True}
            for choice in _list_of(question.get(spec.name))
            if isinstance(choice, dict)
        ]
        return _padded(rows, lambda: {"text": "", "correct": False})

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-1-text"

    def hint(self, spec: FieldSpec) -> str:
        return _("Tick each right choice. Leave the rows you do not need empty.")


@field_editor
class OneRightChoiceEditor(ChoicesEditor):
    """Rows of text, and one button to choose the right one: a question with one right answer
    cannot be given two."""

    kind = "one_right_choice"
    template = "authoring/questions/fields/_one_right_choice.html"

    def marked_right(self, spec: FieldSpec, form: MultiDict[str, str], row: int) -> bool:
        return form.get(f"{spec.name}-right", "") == str(row)

    def hint(self, spec: FieldSpec) -> str:
        return _(
            "Write the choices and choose the one right answer. Leave the rows you do not need "
            "empty."
        )


@field_editor
class ItemsEditor(FieldEditor):
    """Rows of text, in the correct order (learners see them shuffled)."""

    kind = "items"
    template = "authoring/questions/fields/_items.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        items = (_text(form, f"{spec.name}-{row}") for row in range(1, LIST_ROWS + 1))
        return _source_list(item for item in items if item)

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        rows = [str(item) for item in _list_of(question.get(spec.name))]
        return _padded(rows, str)

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-1"

    def hint(self, spec: FieldSpec) -> str:
        return _(
            "Enter the items in the correct order, first at the top. Learners see them shuffled. "
            "Leave the rows you do not need empty."
        )


@field_editor
class PairsEditor(FieldEditor):
    """Rows of a left text and the right text it matches."""

    kind = "pairs"
    template = "authoring/questions/fields/_pairs.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        pairs = []
        for row in range(1, LIST_ROWS + 1):
            left = _text(form, f"{spec.name}-{row}-left")
            right = _text(form, f"{spec.name}-{row}-right")
            if left or right:
                pairs.append(_source_map({"left": left, "right": right}))
        return _source_list(pairs)

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        rows = [
            {"left": str(pair.get("left", "")), "right": str(pair.get("right", ""))}
            for pair in _list_of(question.get(spec.name))
            if isinstance(pair, dict)
        ]
        return _padded(rows, lambda: {"left": "", "right": ""})

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-1-left"

    def hint(self, spec: FieldSpec) -> str:
        return _(
            "Learners match each text on the left with its text on the right. Leave the rows you "
            "do not need empty."
        )


@field_editor
class RegionsEditor(FieldEditor):
    """Boxes for the regions a question is limited to; none ticked means every region."""

    kind = "regions"
    template = "authoring/questions/fields/_regions.html"

    def read(self, spec: FieldSpec, form: MultiDict[str, str]) -> Any:
        picked = [value for value in form.getlist(spec.name) if value]
        return _source_list(picked) if picked else None

    def shown(self, spec: FieldSpec, question: dict[str, Any]) -> Any:
        return {str(region) for region in _list_of(question.get(spec.name))}

    def anchor(self, spec: FieldSpec) -> str:
        return f"{FIELD_ID_PREFIX}{spec.name}-{next(iter(Region)).value}"

    def hint(self, spec: FieldSpec) -> str:
        return _("Tick none to ask this question in every region.")


def _list_of(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _padded(rows: list[Any], blank: Callable[[], Any]) -> list[Any]:
    return rows + [blank() for _row in range(LIST_ROWS - len(rows))]


def fields_of(schema: type[QuestionType]) -> tuple[FieldSpec, ...]:
    """A type's fields in the order the editor shows them."""
    return schema.common_fields[:2] + schema.fields + schema.common_fields[2:]


def question_from_form(
    type_name: str, form: MultiDict[str, str], taken_ids: Collection[str] = ()
) -> SourceMap:
    """The question a submitted editor form describes, shaped as in ``quiz.yaml``. When the
    identifier is left empty, one is made from the question (see :func:`derived_question_id`),
    unlike any of ``taken_ids``.

    :raises KeyError: when ``type_name`` is not a registered question type.
    """
    schema = question_type(type_name)
    question = _source_map({"type": type_name})
    for spec in schema.common_fields + schema.fields:
        value = FIELD_EDITORS[spec.kind].read(spec, form)
        if value is not None:
            question[spec.name] = value
    if not str(question.get("id") or "").strip():
        derived = derived_question_id(str(question.get("prompt") or ""), taken_ids)
        if derived:
            question["id"] = derived
    return question


def derived_question_id(prompt: str, taken_ids: Collection[str]) -> str:
    """An identifier made from the first words of ``prompt``: "What do you do first?" gives
    ``what-do-you-do-first``, or ``what-do-you-do-first-2`` when ``taken_ids`` holds that.

    Accents are dropped; a prompt with no Latin letters or digits gives ``question``. An empty
    prompt gives an empty identifier: there is nothing to make one from yet.
    """
    if not prompt.strip():
        return ""
    folded = unicodedata.normalize("NFKD", prompt).encode("ascii", "ignore").decode().lower()
    words: list[str] = []
    for word in re.findall(r"[a-z0-9]+", folded)[:DERIVED_ID_WORDS]:
        if words and len("-".join([*words, word])) > DERIVED_ID_MAX_LENGTH:
            break
        words.append(word[:DERIVED_ID_MAX_LENGTH])
    base = "-".join(words) or DERIVED_ID_FALLBACK
    candidate, number = base, 1
    while candidate in taken_ids:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def other_question_ids(questions: list[dict[str, Any]], number: int | None) -> set[str]:
    """The identifiers of the bank's questions other than question ``number`` (all of them for
    a new question): what a new identifier must not be."""
    return {
        str(question.get("id"))
        for index, question in enumerate(questions, start=1)
        if index != number
    }


@dataclass(frozen=True)
class EditorField:
    """One field as the editor page draws it."""

    spec: FieldSpec
    label: str
    hint: str
    value: Any
    errors: list[str]
    anchor: str
    template: str

    @property
    def name(self) -> str:
        return self.spec.name


def editor_fields(
    schema: type[QuestionType],
    question: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
) -> list[EditorField]:
    """The fields of the editor page for ``question`` (stored, blank or just submitted), with the
    complaints of a refused save beside the field they concern."""
    errors = errors or {}
    fields = []
    for spec in fields_of(schema):
        editor = FIELD_EDITORS[spec.kind]
        fields.append(
            EditorField(
                spec=spec,
                label=str(spec.label),
                hint=editor.hint(spec),
                value=editor.shown(spec, question),
                errors=list(errors.get(spec.name, [])),
                anchor=editor.anchor(spec),
                template=editor.template_for(spec),
            )
        )
    return fields


@dataclass(frozen=True)
class RegionBank:
    """How many questions of a module's bank apply to one region, against how many are drawn."""

    region: Region
    available: int
    drawn: int

    @property
    def too_few(self) -> bool:
        return self.available < self.drawn


def region_banks(
    questions: list[dict[str, Any]], regions: Iterable[str], drawn: int
) -> list[RegionBank]:
    """For each of the course's ``regions``, how many questions of the bank apply there; a quiz
    draws ``drawn`` of them, so fewer cannot be published."""
    banks = []
    for value in regions:
        region = Region(value)
        available = sum(
            1
            for question in questions
            if not question.get("regions") or region.value in question["regions"]
        )
        banks.append(RegionBank(region, available, drawn))
    return banks
