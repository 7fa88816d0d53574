"""The geometry of the accessible SVG bar charts that reports draw on the server.

A chart is built from labelled counts; the template macro ``macros/charts.html`` draws it as an
``<svg role="img">`` with a title and description, followed by a table of the same numbers, so
nothing is shown by the picture alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
LEFT = 48
BOTTOM = 200
TOP = 20
RIGHT_MARGIN = 10


@dataclass(frozen=True)
class BarGeometry:
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class BarChart:
    """Bars for labelled counts, drawn on a ``width`` x ``height`` canvas whose axes meet at
    (``left``, ``bottom``)."""

    bars: list[Bar]
    highest: int
    bar_width: float
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: int = BOTTOM
    top: int = TOP


def bar_geometry(values: Sequence[int]) -> tuple[list[BarGeometry], float]:
    """Where each bar of ``values`` goes, scaled so the highest reaches the top, and the width of
    one bar. Every bar stands on the bottom axis."""
    slot = (WIDTH - LEFT - RIGHT_MARGIN) / max(len(values), 1)
    scale = (BOTTOM - TOP) / max(max(values, default=0), 1)
    bars = [
        BarGeometry(
            x=round(LEFT + index * slot + slot * 0.15, 1),
            y=round(BOTTOM - value * scale, 1),
            height=round(value * scale, 1),
        )
        for index, value in enumerate(values)
    ]
    return bars, round(slot * 0.7, 1)


def bar_chart(counts: Sequence[tuple[str, int]]) -> BarChart:
    """A chart of ``(label, count)`` pairs, in the order given."""
    geometry, bar_width = bar_geometry([count for _label, count in counts])
    bars = [
        Bar(label=label, value=count, x=place.x, y=place.y, height=place.height)
        for (label, count), place in zip(counts, geometry, strict=True)
    ]
    return BarChart(
        bars=bars, highest=max((bar.value for bar in bars), default=0), bar_width=bar_width
    )
