"""The layout of a sealed notice (受理通知书, 准予行政许可决定书, 材料接收告知单 …) as OFD pages:
every position (mm, from the page's top left) and font size of a notice lives here, as the
certificate's live in `certificates/layout.py`, whose measuring it shares (the fonts' real
advance widths, so the writer's DeltaX and the layout agree).

`compose_notice(text)` gives the pages (`Sheet`s) and where the seal goes: centred on the
department's name in the 落款 of the last page, as on paper. The text comes in display-ready
(`NoticeText`, built by `certificates.notices` from what the notice recorded at issue); this
module decides nothing about the wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

from certificates.layout import (
    BLACK,
    GREY,
    PAGE_WIDTH,
    RGB,
    Item,
    PathItem,
    Sheet,
    TextItem,
    fit_size,
    format_date,
    qr_code,
    text_item,
    wrap_text,
)
from certificates.ofd import fonts

RED: Final[RGB] = (200, 16, 16)  # the 版头 of an official document is red
HEADER_FONT: Final = "hei"
TITLE_FONT: Final = "hei"
BODY_FONT: Final = "song"

LEFT: Final = 28.0
RIGHT: Final = 182.0
WIDTH: Final = RIGHT - LEFT
CENTER_X: Final = PAGE_WIDTH / 2

HEADER_BASELINE: Final = 34.0
HEADER_SIZE: Final = 8.0
HEADER_RULE_Y: Final = 40.0
HEADER_RULE_WIDTH: Final = 0.8
TITLE_BASELINE: Final = 56.0
TITLE_SIZE: Final = 7.0
NUMBER_BASELINE: Final = 65.0
BODY_TOP: Final = 79.0  # the first line's baseline
CONTINUED_TOP: Final = 30.0  # on the pages after the first
BODY_SIZE: Final = 4.2  # about 12 pt
LINE_GAP: Final = 7.4  # baseline to baseline
PARAGRAPH_GAP: Final = 1.2
INDENT: Final = 2 * BODY_SIZE  # two characters, as Chinese paragraphs begin
BOTTOM: Final = 268.0  # no body line below this baseline
FOOTER_BASELINE: Final = 283.0
FOOTER_SIZE: Final = 3.0

# The 落款 (department, date) right of centre; the seal over the department's name; the QR
# code to the notice's public check at the left of the same block.
SIGN_CENTER_X: Final = 140.0
SIGN_DROP: Final = 24.0  # from the last body line to the department's baseline
DATE_GAP: Final = 8.0
# The seal's centre sits this far below the department's baseline: over the name and the date
# together, as a 公章 is pressed on paper (下压日期).
SEAL_DROP: Final = 2.5
SIGN_BLOCK: Final = SIGN_DROP + 26.0  # room the block needs below the last body line
QR_SIZE: Final = 24.0
QR_CAPTION_SIZE: Final = 3.0


@dataclass(frozen=True, kw_only=True)
class NoticeText:
    """What a sealed notice prints, display-ready."""

    title: str  # 准予行政许可决定书
    number: str  # 文书编号 辽建许准〔2026〕3号
    department: str  # 版头 and 落款
    recipient: str  # "张三：" is printed from it
    facts: tuple[tuple[str, str], ...]  # (办件编号, LN…), (事项名称, …), …
    paragraphs: tuple[str, ...]
    items_heading: str = ""  # printed before the items
    items: tuple[str, ...] = ()  # one line each (numbered here)
    closing_paragraphs: tuple[str, ...] = ()
    remedies: str = ""  # the sentence on 行政复议 / 行政诉讼, or ""
    issued_on: date
    verify_url: str  # in the QR code


@dataclass(frozen=True)
class NoticePages:
    sheets: tuple[Sheet, ...]
    seal_center: tuple[float, float]  # on the last page


@dataclass
class _Cursor:
    pages: list[list[Item]] = field(default_factory=lambda: [[]])
    y: float = BODY_TOP

    def room(self, height: float) -> None:
        """Start a new page unless `height` more mm fit above the bottom."""
        if self.y + height > BOTTOM:
            self.pages.append([])
            self.y = CONTINUED_TOP

    def add(self, item: Item) -> None:
        self.pages[-1].append(item)


def _covered(text: NoticeText) -> None:
    """FontCoverageError, naming the part, for a character the embedded fonts lack: a notice
    is never sealed with a blank where a character of a name or a reason should be."""
    fonts.ensure_covered(text.department, key=HEADER_FONT, field="发文机关")
    fonts.ensure_covered(text.title, key=TITLE_FONT, field="文书名称")
    parts = [
        ("文书编号", text.number),
        ("发文机关", text.department),
        ("收件人", text.recipient),
        *text.facts,
        *(("正文", p) for p in (*text.paragraphs, *text.closing_paragraphs, text.remedies)),
        ("正文", text.items_heading),
        *(("清单", i) for i in text.items),
    ]
    for label, value in parts:
        fonts.ensure_covered(value.replace("\n", ""), key=BODY_FONT, field=label)


def _paragraph(
    cursor: _Cursor, text: str, *, indent: float = INDENT, hang: float = 0.0, tag: str | None = None
) -> None:
    """One paragraph, wrapped to the text width, its first line indented by `indent`, the others
    by `hang`; a line break inside it (a reason typed over several lines) starts a new line, not
    a new paragraph."""
    for number, part in enumerate(text.replace("\t", " ").split("\n")):
        first = indent if number == 0 else hang
        lines = wrap_text(BODY_FONT, part, BODY_SIZE, WIDTH - first) if part else [""]
        # The lines after the first are indented by `hang`: wrap the rest again at that width.
        if len(lines) > 1 and first != hang:
            rest = part[len(lines[0]) :]
            lines = [lines[0], *wrap_text(BODY_FONT, rest, BODY_SIZE, WIDTH - hang)]
        for index, line in enumerate(lines):
            cursor.room(0)
            if line:
                x = LEFT + (first if index == 0 else hang)
                cursor.add(text_item(BODY_FONT, BODY_SIZE, x, cursor.y, line, tag=tag))
            cursor.y += LINE_GAP
    cursor.y += PARAGRAPH_GAP


def _head(text: NoticeText) -> list[Item]:
    header_size = fit_size(HEADER_FONT, text.department, HEADER_SIZE, WIDTH)
    title_size = fit_size(TITLE_FONT, text.title, TITLE_SIZE, WIDTH)
    return [
        text_item(
            HEADER_FONT, header_size, CENTER_X, HEADER_BASELINE, text.department, align="center", color=RED
        ),
        PathItem(
            subpaths=(((LEFT, HEADER_RULE_Y), (RIGHT, HEADER_RULE_Y)),),
            closed=False,
            line_width=HEADER_RULE_WIDTH,
            stroke=RED,
        ),
        text_item(
            TITLE_FONT,
            title_size,
            CENTER_X,
            TITLE_BASELINE,
            text.title,
            align="center",
            color=BLACK,
            tag="文书名称",
        ),
        text_item(
            BODY_FONT, BODY_SIZE, CENTER_X, NUMBER_BASELINE, text.number, align="center", tag="文书编号"
        ),
    ]


def _signoff(cursor: _Cursor, text: NoticeText) -> tuple[float, float]:
    """The 落款 and the QR code below the body; returns the seal's centre."""
    cursor.room(SIGN_BLOCK)
    baseline = cursor.y - LINE_GAP + SIGN_DROP
    department_size = fit_size(BODY_FONT, text.department, BODY_SIZE, 2 * (RIGHT - SIGN_CENTER_X))
    cursor.add(
        text_item(
            BODY_FONT,
            department_size,
            SIGN_CENTER_X,
            baseline,
            text.department,
            align="center",
            tag="落款机关",
        )
    )
    cursor.add(
        text_item(
            BODY_FONT,
            BODY_SIZE,
            SIGN_CENTER_X,
            baseline + DATE_GAP,
            format_date(text.issued_on),
            align="center",
            tag="成文日期",
        )
    )
    qr_top = baseline - QR_SIZE + DATE_GAP
    cursor.add(qr_code(text.verify_url, (LEFT, qr_top, QR_SIZE, QR_SIZE)))
    cursor.add(
        text_item(
            BODY_FONT,
            QR_CAPTION_SIZE,
            LEFT + QR_SIZE / 2,
            qr_top + QR_SIZE + 4.0,
            "扫码核验本文书",
            align="center",
            color=GREY,
        )
    )
    return (SIGN_CENTER_X, baseline + SEAL_DROP)


def _footer(page: int, pages: int) -> TextItem:
    label = f"第 {page} 页 共 {pages} 页"
    return text_item(BODY_FONT, FOOTER_SIZE, CENTER_X, FOOTER_BASELINE, label, align="center", color=GREY)


def compose_notice(text: NoticeText) -> NoticePages:
    """Lay the notice out on as many A4 pages as it needs."""
    _covered(text)
    cursor = _Cursor()
    cursor.pages[0].extend(_head(text))
    _paragraph(cursor, f"{text.recipient}：", indent=0.0, tag="收件人")
    for label, value in text.facts:
        _paragraph(cursor, f"{label}：{value}", indent=0.0, tag=label)
    cursor.y += LINE_GAP / 2
    for paragraph in text.paragraphs:
        _paragraph(cursor, paragraph)
    if text.items:
        if text.items_heading:
            _paragraph(cursor, f"{text.items_heading}：", indent=0.0)
        for number, entry in enumerate(text.items, start=1):
            _paragraph(cursor, f"{number}. {entry}", indent=INDENT / 2, hang=INDENT)
    for paragraph in text.closing_paragraphs:
        _paragraph(cursor, paragraph)
    if text.remedies:
        _paragraph(cursor, text.remedies)
    seal_center = _signoff(cursor, text)
    total = len(cursor.pages)
    sheets = tuple(
        # An empty line draws nothing, and a TextObject must hold at least one TextCode.
        Sheet(items=tuple(i for i in (*items, _footer(n, total)) if not _empty(i)))
        for n, items in enumerate(cursor.pages, start=1)
    )
    return NoticePages(sheets=sheets, seal_center=seal_center)


def _empty(item: Item) -> bool:
    return isinstance(item, TextItem) and not any(line.text for line in item.lines)


__all__ = ["NoticePages", "NoticeText", "compose_notice"]
