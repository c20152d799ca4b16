"""Fonts for the certificate: measuring text and embedding subset TrueType files.

The certificate is drawn with the Noto CJK faces Debian ships (fonts-noto-cjk): Noto Serif
CJK SC where a 宋体 would be used and Noto Sans CJK SC Bold for 黑体. Every OFD embeds a subset
of each, and names it in FontName/FamilyName as what it is, not as 宋体/黑体: a reader that
took that name for a system font would draw 宋体, which lacks characters such as 𠮷 (U+20BB7)
and 𡈽 (U+2123D) that both Noto faces have (docs/adr/0018).

Debian's Noto CJK files are CFF-based OpenType collections, while OFD readers expect
TrueType (``glyf``) outlines in embedded fonts. Converting a whole CJK font takes minutes,
so each glyph is converted (cubic → quadratic) the first time a certificate needs it and
kept, compiled, in a per-process cache; building a document's subset then only copies
cached bytes into a new font. The source fonts are opened lazily once per process: opening
one costs about 0.2 s, far more than the rest of a certificate.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

# fontTools ships no type information.
from fontTools.pens.cu2quPen import Cu2QuPen  # type: ignore[import-untyped]
from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont, newTable  # type: ignore[import-untyped]
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable  # type: ignore[import-untyped]
from fontTools.ttLib.tables._g_l_y_f import Glyph  # type: ignore[import-untyped]

NOTO_DIR: Final = Path("/usr/share/fonts/opentype/noto")

# Largest distance (font units, 1000 per em) between a CFF curve and its quadratic
# approximation: invisible at certificate sizes, and keeps the subsets small.
_CU2QU_MAX_ERR: Final = 1.0


class FontCoverageError(ValueError):
    """A character of a certificate field has no glyph in the certificate's fonts.

    Raised before anything is built, so a certificate is never issued with a blank where a
    character of a name should be. ``str(error)`` is a user-facing Chinese message.
    """

    def __init__(self, *, field: str, char: str) -> None:
        self.field = field
        self.char = char
        shown = char if char.isprintable() else f"U+{ord(char):04X}"
        super().__init__(f"{field}中的字“{shown}”无法在证书字体中显示，请联系发证机关处理")


@dataclass(frozen=True)
class FontFace:
    """A source font: its file, and the names its embedded subsets are given."""

    key: str
    path: Path
    index: int  # face number inside the .ttc collection (the SC face)
    family: str  # the face's own family name, used for the embedded subset's names
    bold: bool
    serif: bool


SONG: Final = FontFace(
    key="song",
    path=NOTO_DIR / "NotoSerifCJK-Regular.ttc",
    index=2,
    family="Noto Serif CJK SC",
    bold=False,
    serif=True,
)
HEI: Final = FontFace(
    key="hei",
    path=NOTO_DIR / "NotoSansCJK-Bold.ttc",
    index=2,
    family="Noto Sans CJK SC Bold",
    bold=True,
    serif=False,
)
FACES: Final[dict[str, FontFace]] = {face.key: face for face in (SONG, HEI)}


@dataclass(frozen=True)
class _TTGlyph:
    """One glyph converted to TrueType and compiled, with what the font tables need."""

    data: bytes
    bounds: tuple[int, int, int, int]  # xMin, yMin, xMax, yMax; zeros for an empty glyph
    points: int
    contours: int


class SourceFont:
    """One face of a Noto CJK collection, opened once per process."""

    def __init__(self, face: FontFace) -> None:
        if not face.path.exists():
            raise FileNotFoundError(
                f"证书字体 {face.path} 不存在：请安装 fonts-noto-cjk（scripts/system-packages.sh）"
            )
        self.face = face
        # lazy: tables (and each CFF charstring) are read only when first used.
        self._font = TTFont(str(face.path), fontNumber=face.index, lazy=True)
        self._cmap: dict[int, str] = self._font.getBestCmap()
        self._metrics: dict[str, tuple[int, int]] = dict(self._font["hmtx"].metrics)
        self.units_per_em: int = self._font["head"].unitsPerEm
        hhea = self._font["hhea"]
        self.ascent: int = hhea.ascent
        self.descent: int = -hhea.descent  # positive: distance below the baseline
        self._glyph_set = self._font.getGlyphSet()
        self._glyphs: dict[str, _TTGlyph] = {}
        # fontTools' lazily loaded tables are not safe to read from two threads at once.
        self._lock = threading.Lock()

    def covers(self, char: str) -> bool:
        return ord(char) in self._cmap

    def glyph_name(self, char: str) -> str:
        return self._cmap[ord(char)]

    def metrics(self, glyph_name: str) -> tuple[int, int]:
        """(advance width, left side bearing) of a glyph, in font units."""
        return self._metrics[glyph_name]

    def advance(self, char: str) -> int:
        """Advance width of ``char`` in font units (KeyError when not covered)."""
        return self._metrics[self._cmap[ord(char)]][0]

    def advances_mm(self, text: str, size: float) -> tuple[float, ...]:
        """Advance of each character of ``text`` at ``size`` mm per em."""
        scale = size / self.units_per_em
        return tuple(self.advance(char) * scale for char in text)

    def width_mm(self, text: str, size: float) -> float:
        return sum(self.advance(char) for char in text) * size / self.units_per_em

    def tt_glyph(self, name: str) -> _TTGlyph:
        cached = self._glyphs.get(name)
        if cached is not None:
            return cached
        with self._lock:
            pen = TTGlyphPen(None)
            # CFF contours run counter-clockwise, TrueType ones clockwise.
            self._glyph_set[name].draw(Cu2QuPen(pen, _CU2QU_MAX_ERR, reverse_direction=True))
            glyph = pen.glyph()
            data = glyph.compile(None)
            if glyph.numberOfContours > 0:
                bounds = (glyph.xMin, glyph.yMin, glyph.xMax, glyph.yMax)
                points = len(glyph.coordinates)
            else:
                bounds, points = (0, 0, 0, 0), 0
            cached = _TTGlyph(
                data=data, bounds=bounds, points=points, contours=max(0, glyph.numberOfContours)
            )
            self._glyphs[name] = cached
        return cached

    def table(self, tag: str) -> Any:
        with self._lock:
            return self._font[tag]


@functools.cache
def source_font(key: str) -> SourceFont:
    """The loaded face for ``key`` ("song" or "hei"), shared by the whole process."""
    return SourceFont(FACES[key])


def preload() -> None:
    """Open every face now and build one subset of each from a typical certificate's text:
    that converts the glyphs of every fixed label, digit and specialty and reads the tables
    a subset copies, so the first certificate a worker issues is not the slow one."""
    # Imported here: the layout measures its text with this module.
    from certificates.layout import typical_chars

    for key in FACES:
        source_font(key).tt_glyph(".notdef")
    for key, chars in typical_chars().items():
        subset_font(key, chars)


def first_missing(text: str, key: str) -> str | None:
    """The first character of ``text`` the face cannot draw, or None."""
    font = source_font(key)
    for char in text:
        if not font.covers(char):
            return char
    return None


def ensure_covered(text: str, *, key: str, field: str) -> None:
    missing = first_missing(text, key)
    if missing is not None:
        raise FontCoverageError(field=field, char=missing)


@dataclass(frozen=True)
class SubsetFont:
    """An embeddable TrueType font holding only the glyphs one document uses.

    ``family_name`` and ``font_name`` are the subset's own names (name IDs 1 and 6), unique
    per character set (see subset_font); ``glyph_ids`` maps each code point it holds to its
    glyph index in ``data``, for the OFD's CGTransform.
    """

    face: FontFace
    data: bytes
    family_name: str
    font_name: str
    glyph_ids: dict[int, int]

    def glyph_index(self, char: str) -> int:
        """The index of ``char``'s glyph in this subset (KeyError when it has none)."""
        return self.glyph_ids[ord(char)]


# Subsets kept per process, the most recently used: a holder's copies, and copies of one
# employer's people, draw the same characters, and building a subset costs more than the
# signature. Each holds about 40–100 KB of font data.
SUBSET_CACHE_SIZE: Final = 64


def subset_font(key: str, chars: Iterable[str]) -> SubsetFont:
    """A TrueType font with the glyphs of ``chars`` from face ``key``: built once for a set of
    characters and then reused from a bounded per-process cache (treat it as read-only).

    The glyph order follows the code points, so cmap format 4 stays compact; format 12
    subtables are always written as well, for characters beyond the BMP (𠮷 U+20BB7).
    """
    return _subset_cached(key, tuple(sorted({ord(char) for char in chars})))


@functools.lru_cache(maxsize=SUBSET_CACHE_SIZE)
def _subset_cached(key: str, code_points: tuple[int, ...]) -> SubsetFont:
    source = source_font(key)
    face = source.face
    for cp in code_points:
        if not source.covers(chr(cp)):
            raise FontCoverageError(field="证书", char=chr(cp))

    order = [".notdef"]
    cmap: dict[int, str] = {}
    for cp in code_points:
        name = source.glyph_name(chr(cp))
        if name not in order:
            order.append(name)
        cmap[cp] = name
    glyphs = {name: source.tt_glyph(name) for name in order}
    # A subset tag, as PDF does (ABCDEF+Name): a reader that installs embedded fonts by
    # name must not reuse another certificate's subset, which lacks this one's glyphs.
    digest = hashlib.sha256(",".join(map(str, code_points)).encode()).digest()
    tag = "".join(chr(ord("A") + byte % 26) for byte in digest[:6])
    family_name = f"{tag}+{face.family}"
    ps_name = f"{tag}+{face.family.replace(' ', '')}"

    font = TTFont(recalcBBoxes=False, recalcTimestamp=False)
    font.setGlyphOrder(order)

    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {name: Glyph(glyphs[name].data) for name in order}
    glyf.padding = 4
    font["glyf"] = glyf
    font["loca"] = newTable("loca")

    metrics = {name: source.metrics(name) for name in order}
    hmtx = newTable("hmtx")
    # TrueType rasterisers place the outline from the lsb, which must equal xMin.
    hmtx.metrics = {name: (metrics[name][0], glyphs[name].bounds[0]) for name in order}
    font["hmtx"] = hmtx

    drawn = [g for g in glyphs.values() if g.contours]
    x_min = min((g.bounds[0] for g in drawn), default=0)
    y_min = min((g.bounds[1] for g in drawn), default=0)
    x_max = max((g.bounds[2] for g in drawn), default=0)
    y_max = max((g.bounds[3] for g in drawn), default=0)

    head = copy.copy(source.table("head"))
    head.xMin, head.yMin, head.xMax, head.yMax = x_min, y_min, x_max, y_max
    head.indexToLocFormat = 1
    head.glyphDataFormat = 0
    font["head"] = head

    hhea = copy.copy(source.table("hhea"))
    hhea.advanceWidthMax = max(adv for adv, _ in metrics.values())
    hhea.minLeftSideBearing = min((g.bounds[0] for g in drawn), default=0)
    hhea.minRightSideBearing = min(
        (metrics[n][0] - g.bounds[2] for n, g in glyphs.items() if g.contours), default=0
    )
    hhea.xMaxExtent = max((g.bounds[2] for g in drawn), default=0)
    hhea.numberOfHMetrics = len(order)
    font["hhea"] = hhea

    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    maxp.maxPoints = max((g.points for g in glyphs.values()), default=0)
    maxp.maxContours = max((g.contours for g in glyphs.values()), default=0)
    maxp.maxCompositePoints = 0
    maxp.maxCompositeContours = 0
    maxp.maxZones = 2
    maxp.maxTwilightPoints = 0
    maxp.maxStorage = 0
    maxp.maxFunctionDefs = 0
    maxp.maxInstructionDefs = 0
    maxp.maxStackElements = 0
    maxp.maxSizeOfInstructions = 0
    maxp.maxComponentElements = 0
    maxp.maxComponentDepth = 0
    font["maxp"] = maxp

    os2 = copy.copy(source.table("OS/2"))
    os2.usFirstCharIndex = min(code_points[0], 0xFFFF) if code_points else 0
    os2.usLastCharIndex = min(code_points[-1], 0xFFFF) if code_points else 0
    font["OS/2"] = os2

    cmap_table = newTable("cmap")
    cmap_table.tableVersion = 0
    bmp = {cp: name for cp, name in cmap.items() if cp <= 0xFFFF}
    subtables = []
    for platform, encoding, fmt, mapping in (
        (0, 3, 4, bmp),
        (0, 4, 12, cmap),
        (3, 1, 4, bmp),
        (3, 10, 12, cmap),
    ):
        sub = CmapSubtable.newSubtable(fmt)
        sub.platformID, sub.platEncID, sub.language = platform, encoding, 0
        sub.cmap = mapping
        subtables.append(sub)
    cmap_table.tables = subtables
    font["cmap"] = cmap_table

    source_name = source.table("name")
    name = newTable("name")
    name.names = []
    for name_id in (0, 5, 13, 14):  # copyright, version, licence (SIL OFL) and its URL
        value = source_name.getDebugName(name_id)
        if value:
            name.setName(value, name_id, 3, 1, 0x409)
    style = "Bold" if face.bold else "Regular"
    name.setName(family_name, 1, 3, 1, 0x409)
    name.setName(style, 2, 3, 1, 0x409)
    name.setName(f"{ps_name}-{style}", 3, 3, 1, 0x409)
    name.setName(f"{family_name} {style}", 4, 3, 1, 0x409)
    font_name = f"{ps_name}-{style}"
    name.setName(font_name, 6, 3, 1, 0x409)
    font["name"] = name

    post = newTable("post")
    post.formatType = 3.0
    source_post = source.table("post")
    post.italicAngle = source_post.italicAngle
    post.underlinePosition = source_post.underlinePosition
    post.underlineThickness = source_post.underlineThickness
    post.isFixedPitch = 0
    post.minMemType42 = post.maxMemType42 = post.minMemType1 = post.maxMemType1 = 0
    font["post"] = post

    out = io.BytesIO()
    font.save(out, reorderTables=False)
    index = {glyph: number for number, glyph in enumerate(order)}
    return SubsetFont(
        face=face,
        data=out.getvalue(),
        family_name=family_name,
        font_name=font_name,
        glyph_ids={cp: index[glyph] for cp, glyph in cmap.items()},
    )
