"""A readable line-by-line difference of two texts, for pages that show what changed (a module's
version history, the audit log): changed lines with a few unchanged ones around them, each
numbered as it was and as it is."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CONTEXT_LINES = 3


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "gap" (unchanged lines left out)
    old_number: int | None
    new_number: int | None
    text: str


def line_diff(before: str, after: str, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """The lines removed from ``before`` and added in ``after``, each group with up to
    ``context`` unchanged lines either side; a ``"gap"`` line stands for the unchanged lines
    left out between groups. Equal texts give no lines."""
    old_lines, new_lines = before.splitlines(), after.splitlines()
    if old_lines == new_lines:
        return []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    lines: list[DiffLine] = []
    for group in matcher.get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", None, None, ""))
        for tag, old_start, old_end, new_start, new_end in group:
            if tag == "equal":
                for offset in range(old_end - old_start):
                    lines.append(
                        DiffLine(
                            "same",
                            old_start + offset + 1,
                            new_start + offset + 1,
                            old_lines[old_start + offset],
                        )
                    )
                continue
            for number in range(old_start, old_end):
                lines.append(DiffLine("removed", number + 1, None, old_lines[number]))
            for number in range(new_start, new_end):
                lines.append(DiffLine("added", None, number + 1, new_lines[number]))
    return lines
