"""The one layout of the 二级建造师注册证书: every position (mm, from the page's top left) and
every font size lives here.

``compose(data)`` turns a certificate's data into a ``Sheet``: a flat list of text runs,
paths and images with their final positions. The OFD writer (``certificates.ofd``) and
the browser preview (``certificates.preview``) only draw a sheet, so the two cannot drift
apart. Text positions come from the fonts' real advance widths, which is also what the
writer puts into ``DeltaX``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from io import BytesIO
from typing import Final

from PIL import Image

from certificates.document import CertificateData, SpecialtyLine
from certificates.ofd import fonts

RGB = tuple[int, int, int]

PAGE_WIDTH: Final = 210.0
PAGE_HEIGHT: Final = 297.0

BLACK: Final[RGB] = (0, 0, 0)
INK: Final[RGB] = (34, 34, 34)
GREY: Final[RGB] = (90, 90, 90)
# Dark gold for the frame and rules: reads as "official" and stays clear of the red seal.
GOLD: Final[RGB] = (150, 110, 40)
TABLE_HEAD_FILL: Final[RGB] = (246, 240, 226)

# Font roles: keys of certificates.ofd.fonts.FACES.
TITLE_FONT: Final = "hei"
LABEL_FONT: Final = "hei"
VALUE_FONT: Final = "song"
SMALL_FONT: Final = "song"

# Frame: a heavy outer line and a fine inner one.
FRAME_OUTER: Final = (12.0, 12.0, 186.0, 273.0)  # x, y, w, h
FRAME_OUTER_WIDTH: Final = 1.2
FRAME_INNER: Final = (15.0, 15.0, 180.0, 267.0)
FRAME_INNER_WIDTH: Final = 0.3
CORNER_SIZE: Final = 8.0  # the L-shaped ornaments inside the inner frame's corners
CORNER_INSET: Final = 2.0

CONTENT_LEFT: Final = 26.0
CONTENT_RIGHT: Final = 184.0

# Top right of 加注 copies: 使用有效期, and the copy's number under it.
USAGE_RIGHT: Final = CONTENT_RIGHT
USAGE_BASELINE: Final = 25.0
USAGE_SIZE: Final = 3.5
COPY_SERIAL_BASELINE: Final = 30.0
COPY_SERIAL_SIZE: Final = 2.8

TITLE_CENTER_X: Final = PAGE_WIDTH / 2
TITLE_BASELINE: Final = 48.0
TITLE_SIZE: Final = 8.0
TITLE_MAX_WIDTH: Final = 150.0
TITLE_RULES_Y: Final = (55.0, 56.2)  # a thick and a thin rule under the title
TITLE_RULES_WIDTH: Final = (0.6, 0.2)
TITLE_RULES_X: Final = (CONTENT_LEFT, CONTENT_RIGHT)

PHOTO_BOX: Final = (155.0, 66.0, 25.0, 35.0)  # x, y, w, h: the 25×35 mm 一寸 photo
PHOTO_FRAME_WIDTH: Final = 0.2

LABEL_SIZE: Final = 4.0
VALUE_SIZE: Final = 4.2
VALUE_MIN_SIZE: Final = 3.2  # long values shrink down to this, then wrap
LABEL_RIGHT: Final = 60.0  # labels (with their colon) end here
VALUE_X: Final = 62.0
LINE_GAP: Final = 5.4  # baseline to baseline inside a wrapped value


@dataclass(frozen=True)
class Field:
    """A label/value row; ``tag`` is the label and the CustomTags name."""

    tag: str
    baseline: float
    value_right: float  # the value ends left of this
    max_lines: int = 1


FIELDS: Final[tuple[Field, ...]] = (
    Field("姓名", 74.0, PHOTO_BOX[0] - 4),
    Field("性别", 83.0, PHOTO_BOX[0] - 4),
    Field("出生日期", 92.0, PHOTO_BOX[0] - 4),
    Field("身份证件号码", 101.0, PHOTO_BOX[0] - 4),
    Field("聘用企业", 110.0, CONTENT_RIGHT, max_lines=2),
    Field("注册编号", 122.0, CONTENT_RIGHT),
)

# 注册专业 table: one header row, then one row per specialty.
TABLE_TOP: Final = 131.0
TABLE_LEFT: Final = CONTENT_LEFT
TABLE_SPLIT: Final = 86.0  # between the 注册专业 and 有效期 columns
TABLE_RIGHT: Final = CONTENT_RIGHT
TABLE_ROW_HEIGHT: Final = 9.0
TABLE_MAX_ROWS: Final = 6  # every 二级 specialty at once
TABLE_LINE_WIDTH: Final = 0.25
TABLE_HEAD_SIZE: Final = 4.0
TABLE_SIZE: Final = 4.0
TABLE_TEXT_DROP: Final = 6.0  # baseline below a row's top

SIGNATURE_LABEL_BASELINE: Final = 213.0
SIGNATURE_BOX: Final = (62.0, 202.0, 45.0, 16.0)

QR_BOX: Final = (28.0, 226.0, 30.0, 30.0)  # the code's modules fill this square
QR_ERROR: Final = "m"
# A fixed mask: choosing one (segno scores all eight) cost half the instructions of a whole
# copy. Every reader decodes any mask; pattern 2 is the one segno itself picks for most of
# our verification addresses, and scores best of the eight on average over them.
QR_MASK: Final = 2
QR_CAPTION_BASELINE: Final = 263.0  # 3 mm under the code: its quiet zone
QR_CAPTION_SIZE: Final = 3.2

# 发证机关 and 签发日期, centred under the seal.
AUTHORITY_CENTER_X: Final = 148.0
AUTHORITY_BASELINE: Final = 236.0
ISSUED_BASELINE: Final = 245.0
AUTHORITY_MAX_WIDTH: Final = 2 * (CONTENT_RIGHT - AUTHORITY_CENTER_X)
# The seal this portal makes (`certificate_keys --create`) is 40 mm across, as its
# SES_ESPictrueInfo declares; the StampAnnot is drawn at the size the seal declares
# (`seal_boundary`), so readers never stretch it.
SEAL_SIZE_MM: Final = 40
SEAL_DIAMETER: Final = float(SEAL_SIZE_MM)
SEAL_CENTER: Final = (AUTHORITY_CENTER_X, 238.0)


def seal_boundary(width_mm: float, height_mm: float) -> tuple[float, float, float, float]:
    """The seal's box on the page (x, y, width, height in mm): centred on SEAL_CENTER, at the
    size the seal itself declares."""
    return (SEAL_CENTER[0] - width_mm / 2, SEAL_CENTER[1] - height_mm / 2, width_mm, height_mm)


SEAL_BOUNDARY_MM: Final = seal_boundary(SEAL_DIAMETER, SEAL_DIAMETER)

LICENSE_ID_BASELINE: Final = 276.0
LICENSE_ID_SIZE: Final = 2.8


def format_date(value: date) -> str:
    return f"{value.year}年{value.month:02d}月{value.day:02d}日"


@dataclass(frozen=True)
class TextLine:
    """One line of text: ``x`` is where the first character starts, ``y`` its baseline."""

    x: float
    y: float
    text: str
    advances: tuple[float, ...]  # mm, one per character: the pen moves by these

    @property
    def width(self) -> float:
        return sum(self.advances)

    @property
    def beyond_bmp(self) -> bool:
        """Whether a character lies beyond the BMP (𠮷 U+20BB7): two UTF-16 units."""
        return bool(self.text) and max(self.text) > "\uffff"

    def runs(self) -> tuple[TextLine, ...]:
        """The line split into runs, each character beyond the BMP in a run of its own.

        Per-character positions (OFD DeltaX, SVG x lists) are counted in UTF-16 units by some
        readers and in characters by others; a lone character needs no list at all, and the
        OFD writer gives it a glyph mapping of its own (docs/adr/0018)."""
        if not self.beyond_bmp:
            return (self,)
        runs: list[TextLine] = []
        text = ""
        advances: list[float] = []
        start_x = x = self.x
        for char, advance in zip(self.text, self.advances, strict=True):
            if text and (char > "\uffff" or text[-1] > "\uffff"):
                runs.append(TextLine(x=start_x, y=self.y, text=text, advances=tuple(advances)))
                text, advances = "", []
            if not text:
                start_x = x
            text += char
            advances.append(advance)
            x += advance
        if text:
            runs.append(TextLine(x=start_x, y=self.y, text=text, advances=tuple(advances)))
        return tuple(runs)


@dataclass(frozen=True)
class TextItem:
    font: str
    size: float  # mm per em
    color: RGB
    lines: tuple[TextLine, ...]
    tag: str | None = None

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """x, y, w, h holding every line's advances, ascent and descent."""
        source = fonts.source_font(self.font)
        ascent = source.ascent * self.size / source.units_per_em
        descent = source.descent * self.size / source.units_per_em
        x0 = min(line.x for line in self.lines)
        x1 = max(line.x + line.width for line in self.lines)
        y0 = min(line.y for line in self.lines) - ascent
        y1 = max(line.y for line in self.lines) + descent
        return (x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True)
class PathItem:
    """Straight-edged subpaths; ``closed`` ones are polygons (filled when ``fill`` is set)."""

    subpaths: tuple[tuple[tuple[float, float], ...], ...]
    closed: bool
    line_width: float
    stroke: RGB | None
    fill: RGB | None = None
    tag: str | None = None

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        xs = [x for sub in self.subpaths for x, _ in sub]
        ys = [y for sub in self.subpaths for _, y in sub]
        half = self.line_width / 2 if self.stroke else 0.0
        return (min(xs) - half, min(ys) - half, max(xs) - min(xs) + 2 * half, max(ys) - min(ys) + 2 * half)


@dataclass(frozen=True)
class ImageItem:
    x: float
    y: float
    width: float
    height: float
    data: bytes
    format: str  # "PNG" or "JPEG"
    tag: str | None = None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.width, self.height)


Item = TextItem | PathItem | ImageItem


@dataclass(frozen=True)
class Sheet:
    items: tuple[Item, ...]
    width: float = PAGE_WIDTH
    height: float = PAGE_HEIGHT

    def chars_by_font(self) -> dict[str, set[str]]:
        used: dict[str, set[str]] = {}
        for item in self.items:
            if isinstance(item, TextItem):
                chars = used.setdefault(item.font, set())
                for line in item.lines:
                    chars.update(line.text)
        return used


def check_renderable(data: CertificateData) -> None:
    """Raise FontCoverageError naming the field when a character cannot be drawn.

    Called before issuing (and by ``compose``): a name with a character the fonts lack
    must stop the process with a clear message, never print as a blank.
    """
    fonts.ensure_covered(data.title, key=TITLE_FONT, field="证书名称")
    for label, value in (
        ("姓名", data.name),
        ("性别", data.sex),
        ("身份证件号码", data.id_number),
        ("聘用企业", data.employer),
        ("注册编号", data.registration_number),
        ("发证机关", data.authority),
        ("电子证照标识", data.license_id),
        ("副本编号", data.copy_serial),
    ):
        fonts.ensure_covered(value, key=VALUE_FONT, field=label)
    for specialty in data.specialties:
        fonts.ensure_covered(specialty.name, key=VALUE_FONT, field="注册专业")


# The labels and the fixed words are the same on every copy: measured once.
@functools.lru_cache(maxsize=512)
def _line(font: str, size: float, x: float, y: float, text: str, *, align: str = "left") -> TextLine:
    advances = fonts.source_font(font).advances_mm(text, size)
    width = sum(advances)
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    return TextLine(x=x, y=y, text=text, advances=advances)


def _text(
    font: str,
    size: float,
    x: float,
    y: float,
    text: str,
    *,
    align: str = "left",
    color: RGB = INK,
    tag: str | None = None,
) -> TextItem:
    return TextItem(
        font=font, size=size, color=color, lines=(_line(font, size, x, y, text, align=align),), tag=tag
    )


def _labelled(
    font: str,
    size: float,
    x: float,
    y: float,
    label: str,
    value: str,
    *,
    align: str,
    tag: str,
    color: RGB = INK,
) -> list[Item]:
    """``label`` and ``value`` set as one line, but as two objects: the tag must point at
    the value alone, so a machine reading the tags gets "2025年01月02日", not the label."""
    source = fonts.source_font(font)
    label_width = source.width_mm(label, size)
    total = label_width + source.width_mm(value, size)
    start = x - total / 2 if align == "center" else x - total if align == "right" else x
    return [
        _text(font, size, start, y, label, color=color),
        _text(font, size, start + label_width, y, value, color=color, tag=tag),
    ]


@functools.lru_cache(maxsize=512)
def _fit_size(font: str, text: str, size: float, max_width: float) -> float:
    """``size``, or the size at which ``text`` is exactly ``max_width`` wide if smaller."""
    width = fonts.source_font(font).width_mm(text, size)
    return size if width <= max_width else size * max_width / width


def _wrap(font: str, text: str, size: float, max_width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` (Chinese breaks anywhere)."""
    source = fonts.source_font(font)
    lines: list[str] = []
    current = ""
    width = 0.0
    for char in text:
        advance = source.width_mm(char, size)
        if current and width + advance > max_width:
            lines.append(current)
            current, width = "", 0.0
        current += char
        width += advance
    lines.append(current)
    return lines


def _value(spec: Field, value: str) -> TextItem:
    """The value of a row: full size if it fits, else smaller, else wrapped over
    ``max_lines`` lines, else smaller still (a legal name is never cut short)."""
    max_width = spec.value_right - VALUE_X
    size = _fit_size(VALUE_FONT, value, VALUE_SIZE, max_width)
    if size >= VALUE_MIN_SIZE or spec.max_lines == 1:
        return _text(VALUE_FONT, size, VALUE_X, spec.baseline, value, tag=spec.tag)
    size = VALUE_MIN_SIZE
    parts = _wrap(VALUE_FONT, value, size, max_width)
    while len(parts) > spec.max_lines:
        size *= 0.95
        parts = _wrap(VALUE_FONT, value, size, max_width)
    lines = tuple(
        _line(VALUE_FONT, size, VALUE_X, spec.baseline + i * LINE_GAP * size / VALUE_MIN_SIZE, part)
        for i, part in enumerate(parts)
    )
    return TextItem(font=VALUE_FONT, size=size, color=INK, lines=lines, tag=spec.tag)


def _authority(authority: str) -> list[Item]:
    """发证机关, centred under the seal: smaller when long, then over two lines."""
    label = "发证机关："
    source = fonts.source_font(VALUE_FONT)
    size = max(_fit_size(VALUE_FONT, label + authority, VALUE_SIZE, AUTHORITY_MAX_WIDTH), VALUE_MIN_SIZE)
    while True:
        label_width = source.width_mm(label, size)
        parts = _wrap(VALUE_FONT, authority, size, AUTHORITY_MAX_WIDTH - label_width)
        if len(parts) <= 2:
            break
        size *= 0.95
    gap = LINE_GAP * size / VALUE_MIN_SIZE
    first = AUTHORITY_BASELINE - (len(parts) - 1) * gap
    start = AUTHORITY_CENTER_X - (label_width + max(source.width_mm(p, size) for p in parts)) / 2
    lines = tuple(
        _line(VALUE_FONT, size, start + label_width, first + i * gap, part) for i, part in enumerate(parts)
    )
    return [
        _text(VALUE_FONT, size, start, first, label),
        TextItem(font=VALUE_FONT, size=size, color=INK, lines=lines, tag="发证机关"),
    ]


def _rect(box: tuple[float, float, float, float]) -> tuple[tuple[float, float], ...]:
    x, y, w, h = box
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


def _frame() -> list[Item]:
    items: list[Item] = [
        PathItem(subpaths=(_rect(FRAME_OUTER),), closed=True, line_width=FRAME_OUTER_WIDTH, stroke=GOLD),
        PathItem(subpaths=(_rect(FRAME_INNER),), closed=True, line_width=FRAME_INNER_WIDTH, stroke=GOLD),
    ]
    x, y, w, h = FRAME_INNER
    i, s = CORNER_INSET, CORNER_SIZE
    corners = (
        ((x + i, y + i + s), (x + i, y + i), (x + i + s, y + i)),
        ((x + w - i - s, y + i), (x + w - i, y + i), (x + w - i, y + i + s)),
        ((x + i, y + h - i - s), (x + i, y + h - i), (x + i + s, y + h - i)),
        ((x + w - i - s, y + h - i), (x + w - i, y + h - i), (x + w - i, y + h - i - s)),
    )
    items.append(PathItem(subpaths=corners, closed=False, line_width=0.6, stroke=GOLD))
    for rule_y, rule_width in zip(TITLE_RULES_Y, TITLE_RULES_WIDTH, strict=True):
        rule = ((TITLE_RULES_X[0], rule_y), (TITLE_RULES_X[1], rule_y))
        items.append(PathItem(subpaths=(rule,), closed=False, line_width=rule_width, stroke=GOLD))
    return items


def _image_format(data: bytes) -> tuple[str, int, int]:
    """(format, width px, height px) of a PNG or JPEG, read from its header only."""
    with Image.open(BytesIO(data)) as image:
        if image.format not in ("PNG", "JPEG"):
            raise ValueError(f"证书图片只支持PNG或JPEG，收到的是{image.format}")
        return image.format, image.width, image.height


def _fitted_image(data: bytes, box: tuple[float, float, float, float], tag: str) -> ImageItem:
    """The image scaled to fit ``box`` without distortion, centred in it."""
    fmt, px_w, px_h = _image_format(data)
    x, y, w, h = box
    scale = min(w / px_w, h / px_h)
    width, height = px_w * scale, px_h * scale
    return ImageItem(
        x=x + (w - width) / 2,
        y=y + (h - height) / 2,
        width=width,
        height=height,
        data=data,
        format=fmt,
        tag=tag,
    )


def _specialty_table(data: CertificateData) -> list[Item]:
    rows = data.specialties[:TABLE_MAX_ROWS]
    if len(data.specialties) > TABLE_MAX_ROWS:
        raise ValueError(f"证书最多列出{TABLE_MAX_ROWS}个注册专业")
    bottom = TABLE_TOP + TABLE_ROW_HEIGHT * (1 + max(len(rows), 1))
    head_box = (TABLE_LEFT, TABLE_TOP, TABLE_RIGHT - TABLE_LEFT, TABLE_ROW_HEIGHT)
    grid: list[tuple[tuple[float, float], ...]] = [
        ((TABLE_LEFT, TABLE_TOP + k * TABLE_ROW_HEIGHT), (TABLE_RIGHT, TABLE_TOP + k * TABLE_ROW_HEIGHT))
        for k in range(1, max(len(rows), 1) + 1)
    ]
    grid.append(((TABLE_SPLIT, TABLE_TOP), (TABLE_SPLIT, bottom)))
    items: list[Item] = [
        PathItem(subpaths=(_rect(head_box),), closed=True, line_width=0.0, stroke=None, fill=TABLE_HEAD_FILL),
        PathItem(
            subpaths=(_rect((TABLE_LEFT, TABLE_TOP, TABLE_RIGHT - TABLE_LEFT, bottom - TABLE_TOP)),),
            closed=True,
            line_width=TABLE_LINE_WIDTH * 2,
            stroke=GOLD,
        ),
        PathItem(subpaths=tuple(grid), closed=False, line_width=TABLE_LINE_WIDTH, stroke=GOLD),
    ]
    name_x = (TABLE_LEFT + TABLE_SPLIT) / 2
    period_x = (TABLE_SPLIT + TABLE_RIGHT) / 2
    head_y = TABLE_TOP + TABLE_TEXT_DROP
    items.append(_text(LABEL_FONT, TABLE_HEAD_SIZE, name_x, head_y, "注册专业", align="center"))
    items.append(_text(LABEL_FONT, TABLE_HEAD_SIZE, period_x, head_y, "有效期", align="center"))
    for k, specialty in enumerate(rows, start=1):
        y = TABLE_TOP + k * TABLE_ROW_HEIGHT + TABLE_TEXT_DROP
        name_size = _fit_size(VALUE_FONT, specialty.name, TABLE_SIZE, TABLE_SPLIT - TABLE_LEFT - 4)
        items.append(_text(VALUE_FONT, name_size, name_x, y, specialty.name, align="center", tag="注册专业"))
        period = f"{format_date(specialty.valid_from)} 至 {format_date(specialty.valid_to)}"
        items.append(_text(VALUE_FONT, TABLE_SIZE, period_x, y, period, align="center", tag="有效期"))
    return items


def _qr(url: str, box: tuple[float, float, float, float] = QR_BOX) -> PathItem:
    """The QR code as filled rectangles, one per run of dark modules in a row: vector, so
    it scans from a print at any size, and a few hundred rectangles instead of thousands."""
    import segno  # here, not when the URLconf loads: a web worker draws a QR code only for a preview

    code = segno.make_qr(url, error=QR_ERROR, mask=QR_MASK)
    # The symbol without its quiet zone, one byte a module: 1 dark, 0 light.
    rows = [bytes(row) for row in code.matrix]
    x0, y0, size, _ = box
    module = size / len(rows)
    rects: list[tuple[tuple[float, float], ...]] = []
    for r, row in enumerate(rows):
        start = row.find(1)
        while start != -1:
            end = row.find(0, start)
            if end == -1:
                end = len(row)
            rects.append(_rect((x0 + start * module, y0 + r * module, (end - start) * module, module)))
            start = row.find(1, end)
    return PathItem(subpaths=tuple(rects), closed=True, line_width=0.0, stroke=None, fill=BLACK, tag="二维码")


# The characters most names and employers of the province are written with (the common
# surnames, the common characters of given names, Liaoning's cities and a company's usual
# words): converted when a worker starts, so a new holder's copy seldom converts a glyph.
COMMON_NAME_CHARS: Final = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余"
    "潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬辉鹏飞俊峰建国志宏海波宇浩然晨欣怡"
    "婷雪梅琳晶颖佳慧丹凤云亮成斌新春东旭鑫博学永生利民福荣贵祥德昌宝庆瑞泽宁安子一佳思雨嘉琪悦涵"
)
COMMON_EMPLOYER_CHARS: Final = (
    "沈阳大连鞍山抚顺本溪丹东锦州营口阜新辽阳盘锦铁岭朝阳葫芦岛中国铁路冶金"
    "建设筑工程集团有限公司股份责任市政路桥装饰安装机电钢构水利电力交通房地产开发监理设计咨询科技实业第一二三局"
)


SAMPLE_DIGITS: Final = "0123456789X"


def sample_data() -> CertificateData:
    """A made-up certificate with every specialty, for what a worker prepares when it starts
    (`typical_chars`, `certificates.issuing.warm_up`); never sealed with the seal's key."""
    # Imported here: the catalogue is not the layout's business but for this warm-up.
    from catalog.specialties import Specialty

    picture = BytesIO()
    Image.new("L", (1, 1), 255).save(picture, "PNG")
    day = date(2026, 12, 31)
    common = SAMPLE_DIGITS
    return CertificateData(
        name="张伟",
        sex="男",
        birth_date=day,
        id_number=common,
        employer="辽宁省沈阳市建筑工程集团有限公司",
        registration_number=f"辽{common}",
        specialties=tuple(SpecialtyLine(str(s.label), day, day) for s in Specialty)[:TABLE_MAX_ROWS],
        issued_on=day,
        authority="辽宁省住房和城乡建设厅",
        photo=picture.getvalue(),
        signature=picture.getvalue(),
        verify_url="https://example.invalid/",
        license_id="1.2.156",
        usage_valid_until=day,
        copy_serial=common,
    )


def typical_chars() -> dict[str, set[str]]:
    """The characters of a typical 加注 copy, by font: every fixed label, the digits, both
    sexes, every specialty, and the common characters of names and employers. `fonts.preload`
    converts their glyphs when a worker starts, so its first copy is no slower than the next."""
    chars = compose(sample_data()).chars_by_font()
    chars.setdefault(VALUE_FONT, set()).update(
        SAMPLE_DIGITS + "女" + COMMON_NAME_CHARS + COMMON_EMPLOYER_CHARS
    )
    return chars


def compose(data: CertificateData) -> Sheet:
    """Lay the certificate out on one A4 page."""
    check_renderable(data)
    items: list[Item] = _frame()

    if data.usage_valid_until is not None:
        until = format_date(data.usage_valid_until)
        items += _labelled(
            SMALL_FONT,
            USAGE_SIZE,
            USAGE_RIGHT,
            USAGE_BASELINE,
            "使用有效期至：",
            until,
            align="right",
            tag="使用有效期",
        )
    if data.copy_serial:
        items += _labelled(
            SMALL_FONT,
            COPY_SERIAL_SIZE,
            USAGE_RIGHT,
            COPY_SERIAL_BASELINE,
            "副本编号：",
            data.copy_serial,
            align="right",
            tag="副本编号",
        )

    title_size = _fit_size(TITLE_FONT, data.title, TITLE_SIZE, TITLE_MAX_WIDTH)
    items.append(
        _text(
            TITLE_FONT,
            title_size,
            TITLE_CENTER_X,
            TITLE_BASELINE,
            data.title,
            align="center",
            color=BLACK,
            tag="证书名称",
        )
    )

    items.append(
        PathItem(subpaths=(_rect(PHOTO_BOX),), closed=True, line_width=PHOTO_FRAME_WIDTH, stroke=GREY)
    )
    items.append(_fitted_image(data.photo, PHOTO_BOX, "照片"))

    values = {
        "姓名": data.name,
        "性别": data.sex,
        "出生日期": format_date(data.birth_date),
        "身份证件号码": data.id_number,
        "聘用企业": data.employer,
        "注册编号": data.registration_number,
    }
    for spec in FIELDS:
        items.append(
            _text(LABEL_FONT, LABEL_SIZE, LABEL_RIGHT, spec.baseline, f"{spec.tag}：", align="right")
        )
        items.append(_value(spec, values[spec.tag]))

    items.extend(_specialty_table(data))

    items.append(
        _text(LABEL_FONT, LABEL_SIZE, LABEL_RIGHT, SIGNATURE_LABEL_BASELINE, "本人签名：", align="right")
    )
    items.append(_fitted_image(data.signature, SIGNATURE_BOX, "本人签名"))

    items.append(_qr(data.verify_url))
    qr_center = QR_BOX[0] + QR_BOX[2] / 2
    items.append(
        _text(SMALL_FONT, QR_CAPTION_SIZE, qr_center, QR_CAPTION_BASELINE, "扫码核验", align="center")
    )

    items += _authority(data.authority)
    items += _labelled(
        VALUE_FONT,
        VALUE_SIZE,
        AUTHORITY_CENTER_X,
        ISSUED_BASELINE,
        "签发日期：",
        format_date(data.issued_on),
        align="center",
        tag="签发日期",
    )

    license_label = "电子证照标识："
    license_size = _fit_size(
        SMALL_FONT, license_label + data.license_id, LICENSE_ID_SIZE, CONTENT_RIGHT - CONTENT_LEFT
    )
    items += _labelled(
        SMALL_FONT,
        license_size,
        PAGE_WIDTH / 2,
        LICENSE_ID_BASELINE,
        license_label,
        data.license_id,
        align="center",
        tag="电子证照标识",
        color=GREY,
    )
    # An empty value (no copy number, say) draws nothing, and an OFD TextObject must hold
    # at least one TextCode: leave such items out rather than write an invalid object.
    return Sheet(items=tuple(i for i in items if not isinstance(i, TextItem) or any(x.text for x in i.lines)))


# The same measuring and drawing, for the sealed notices' layout (certificates/notice_layout.py).
text_line = _line
text_item = _text
wrap_text = _wrap
fit_size = _fit_size
rectangle = _rect
qr_code = _qr


__all__ = [
    "FIELDS",
    "SEAL_BOUNDARY_MM",
    "Field",
    "ImageItem",
    "Item",
    "PathItem",
    "Sheet",
    "TextItem",
    "TextLine",
    "check_renderable",
    "compose",
    "format_date",
]
