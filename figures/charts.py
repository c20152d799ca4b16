"""Bar charts drawn on the server (ADR 0028): the geometry of an inline `<svg>` that
`templates/figures/_chart.html` draws, with no JavaScript and no style attributes (the
Content-Security-Policy refuses inline styles; the colours are classes in portal.css).

Bars lie horizontally, one under the other: labels stay readable on a 390 px phone, where the
drawing scales down with its viewBox. Each chart has a title and a text description (its
accessible name) and always sits beside the table that holds the same numbers."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 480
LABEL_WIDTH = 150
VALUE_WIDTH = 90
BAR_HEIGHT = 22
GAP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as printed at the end of the bar
    y: int
    width: str  # in viewBox units, formatted for the template

    @property
    def text_y(self) -> int:
        # The middle of the bar, for the label and the value (dominant-baseline is a CSS property).
        return self.y + BAR_HEIGHT // 2 + 5

    @property
    def value_x(self) -> str:
        return f"{LABEL_WIDTH + float(self.width) + 6:.1f}"


@dataclass(frozen=True)
class BarChart:
    key: str  # unique on the page: the ids of its title and description
    title: str
    description: str
    bars: list[Bar]

    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (BAR_HEIGHT + GAP) + GAP

    @property
    def label_x(self) -> int:
        return LABEL_WIDTH - 8


def bar_chart(*, key: str, title: str, values: list[tuple[str, float, str]], unit: str) -> BarChart:
    """A chart of `values` — (label, value, value as printed) — scaled to the largest one."""
    largest = max((value for _, value, _ in values), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = [
        Bar(label=label, text=text, y=GAP + i * (BAR_HEIGHT + GAP), width=f"{room * value / largest:.1f}")
        for i, (label, value, text) in enumerate(values)
    ]
    described = "；".join(f"{label} {text}" for label, _, text in values) or "无数据"
    return BarChart(key=key, title=title, description=f"条形图（{unit}）：{described}。", bars=bars)
