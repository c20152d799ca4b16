"""Template helpers for the paperwork PDFs: the application form's grid and the photo."""

from __future__ import annotations

import base64
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django import template

from paperwork.documents import ITEMS_HEADING_DEFAULT, ITEMS_HEADINGS, REMEDIES_SENTENCE, NoticeKind

register = template.Library()

# The form is a 5-column table: label, value, label, value, and a last column that holds the
# photo beside the first rows of the first section and widens the second value elsewhere.
COLUMNS = 5
# Rows beside the photo; they grow as needed to the 35 mm of a 1-inch photo.
PHOTO_ROWS = 4
# A value wider than this many em gets a line of its own rather than half a line: the narrower
# value column (25 % of the 180 mm text width, less padding) holds about 11.8 em at 10 pt.
WIDE_VALUE_EM = 11.5


@dataclass
class Cell:
    text: object
    is_label: bool
    colspan: int = 1


@dataclass
class GridRow:
    cells: list[Cell] = field(default_factory=list)


@dataclass
class Grid:
    rows: list[GridRow]
    photo_rowspan: int  # 0: no photo column in this section


def _pairs(rows: Sequence[Sequence[object]]) -> list[tuple[object, object]]:
    pairs = []
    for row in rows:
        label = row[0] if len(row) > 0 else ""
        value = row[1] if len(row) > 1 else ""
        pairs.append((label, "" if value is None else value))
    return pairs


def _em_width(char: str) -> float:
    # Rough advance widths of Noto Serif CJK SC, measured with fontTools.
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    if char.isdigit():
        return 0.55
    if char.isupper():
        return 0.75
    return 0.65


def _is_wide(value: object) -> bool:
    return sum(_em_width(char) for char in str(value)) > WIDE_VALUE_EM


@register.simple_tag
def form_grid(rows: Sequence[Sequence[object]], with_photo: bool = False) -> Grid:
    """Lay [label, value] pairs out two to a line; long values get a whole line. With
    `with_photo`, the first PHOTO_ROWS lines leave the last column to the photo."""
    lines: list[list[tuple[object, object]]] = []
    pending: list[tuple[object, object]] = []
    for label, value in _pairs(rows):
        if _is_wide(value):
            if pending:
                lines.append(pending)
                pending = []
            lines.append([(label, value)])
        else:
            pending.append((label, value))
            if len(pending) == 2:
                lines.append(pending)
                pending = []
    if pending:
        lines.append(pending)

    photo_rowspan = min(PHOTO_ROWS, len(lines)) if with_photo else 0
    if with_photo and not lines:
        # A section with no rows still shows the photo box, beside one empty line.
        lines.append([("", "")])
        photo_rowspan = 1

    grid_rows = []
    for index, line in enumerate(lines):
        width = COLUMNS - 1 if index < photo_rowspan else COLUMNS
        cells: list[Cell] = []
        for label, value in line:
            cells.append(Cell(text=label, is_label=True))
            cells.append(Cell(text=value, is_label=False))
        # The last value takes whatever columns are left on its line.
        cells[-1].colspan += width - sum(cell.colspan for cell in cells)
        grid_rows.append(GridRow(cells=cells))
    return Grid(rows=grid_rows, photo_rowspan=photo_rowspan)


@register.filter
def image_data_uri(data: bytes | None) -> str:
    """A data: URI for PNG or JPEG bytes; "" for anything else, which shows the empty box."""
    if not data:
        return ""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    else:
        return ""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@register.simple_tag
def remedies_sentence() -> str:
    return REMEDIES_SENTENCE


@register.filter
def items_heading(kind: NoticeKind) -> str:
    return ITEMS_HEADINGS.get(kind, ITEMS_HEADING_DEFAULT)
