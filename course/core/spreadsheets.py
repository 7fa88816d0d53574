"""Text made safe to open in a spreadsheet (OWASP "CSV injection").

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a tab or carriage return before one does not stop them. Nor do characters nobody
sees: spaces of any width, a zero width space (U+200B), a byte order mark (U+FEFF) or a word joiner
(U+2060) in front of the ``=``. Some also read the full-width forms (U+FF1D ＝, U+FF0B ＋,
U+FF0D －, U+FF20 ＠) as the ASCII ones. So the first visible character decides, compared in its
NFKC form, which turns each full-width form into its ASCII twin.
"""

from __future__ import annotations

import unicodedata

#: A cell whose first visible character is one of these (in NFKC form) runs as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet: one that would start a formula gets a leading
    single quote, which spreadsheets show as text. The rest of the text is left as it is."""
    return "'" + cell if starts_formula(cell) else cell


def starts_formula(cell: str) -> bool:
    """Whether a spreadsheet would run ``cell`` as a formula: whether a formula start, compared in
    NFKC form, comes before any visible character. White space and invisible formatting
    characters (Unicode category Cf) are not visible."""
    for character in cell:
        if unicodedata.normalize("NFKC", character).startswith(FORMULA_STARTS):
            return True
        if not (character.isspace() or unicodedata.category(character) == "Cf"):
            return False
    return False
