"""Password hashing (argon2id) and the password policy.

The policy follows OWASP ASVS: at least 8 characters, up to 128 allowed, no rules about character
classes, and passwords that are common or easy to guess are refused, judged by the zxcvbn estimator
with the person's own name and email address counted as guessable.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 128
#: zxcvbn's score from 0 to 4; 3 means "safely unguessable" against online and slow offline attacks.
MIN_STRENGTH_SCORE = 3
#: zxcvbn is slow on very long input; beyond this many characters a password is long enough anyway.
STRENGTH_CHECK_LENGTH = 64

_hasher = PasswordHasher()  # argon2id with the library's defaults (RFC 9106 second recommendation)
#: Checked when no account matches, so a missing account takes as long as a wrong password.
_UNMATCHABLE_HASH = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash, spend the same time and answer no."""
    try:
        return _hasher.verify(password_hash or _UNMATCHABLE_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, personal_words: list[str]) -> str | None:
    """Say why ``password`` may not be used, or ``None`` if it may.

    :param personal_words: the person's name and email address, which make a password guessable.
    """
    if len(password) < MIN_LENGTH:
        return str(_l("Your password must be at least 8 characters long."))
    if len(password) > MAX_LENGTH:
        return str(_l("Your password must be 128 characters or fewer."))
    words = [part for word in personal_words for part in word.lower().replace("@", " ").split()]
    # zxcvbn counts a space as random; attackers join words, so judge the joined form too.
    candidates = {
        password[:STRENGTH_CHECK_LENGTH],
        "".join(password.split())[:STRENGTH_CHECK_LENGTH],
    }
    result = min(
        (zxcvbn(candidate, user_inputs=words) for candidate in candidates),
        key=lambda estimate: estimate["score"],
    )
    if result["score"] >= MIN_STRENGTH_SCORE:
        return None
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        return str(_l("Do not use your name or email address in your password."))
    return str(
        _l(
            "This password is too common or too easy to guess. "
            "Try three or four random words together."
        )
    )
