"""Text made safe to open in a spreadsheet (OWASP "CSV injection").

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and a tab or carriage return before one does not stop them. Nor do characters nobody
sees: spaces of any width, a zero width space (U+200B), a byte order mark (U+FEFF) or a word joiner
(U+2060) in front of the ``=``. Some also read the full-width forms (U+FF1D ＝, U+FF0B ＋,
U+FF0D －, U+FF20 ＠) as the ASCII ones. So the first visible character decides, compared in its
NFKC form, which turns each full-width form into its ASCII twin.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Iterator

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


#: First in a CSV file for spreadsheets: without it, Excel reads the file as the computer's own
#: code page and garbles every name that is not plain ASCII (Siân, Zoë, محمد).
BYTE_ORDER_MARK = "\ufeff"


def spreadsheet_csv(
    header: Iterable[object], rows: Iterable[Iterable[str]], batch: int = 1000
) -> Iterator[str]:
    """CSV text for a spreadsheet, ``batch`` rows at a time (for a streamed download of any
    size): a byte-order mark, then ``header`` and ``rows`` with every cell :func:`neutralised`.
    ``rows`` is read lazily, one batch per chunk."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer)
    writer.writerow([neutralised(str(cell)) for cell in header])
    for number, row in enumerate(rows, start=1):
        writer.writerow([neutralised(cell) for cell in row])
        if number % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
