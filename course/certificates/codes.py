"""Certificate codes: 140 random bits, written in groups that are easy to read aloud and type.

The alphabet is Crockford's base 32: digits and capital letters without I, L, O and U, so nothing
looks like anything else. Typed codes are read forgivingly: any case, with or without hyphens or
spaces, and O, I and L taken as 0, 1 and 1.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 28  # 28 characters x 5 bits = 140 bits
GROUP = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A new code in its stored form: 28 characters, no separators."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def formatted(code: str) -> str:
    """The code as shown and printed: ``XXXX-XXXX-...``."""
    return "-".join(code[index : index + GROUP] for index in range(0, len(code), GROUP))


def normalised(typed: str) -> str | None:
    """The stored form of a typed code, or ``None`` if it cannot be a code."""
    compact = "".join(typed.split()).replace("-", "").upper().translate(_READ_AS)
    if len(compact) != LENGTH or any(character not in ALPHABET for character in compact):
        return None
    return compact
