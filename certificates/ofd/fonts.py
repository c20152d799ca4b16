"""Fonts for the certificate: measuring text and embedding subset TrueType files.

The certificate is drawn with the Noto CJK faces Debian ships (fonts-noto-cjk): Noto Serif
CJK SC where a 宋体 would be used and Noto Sans CJK SC Bold for 黑体. Every OFD embeds a subset
of each, and names it in FontName/FamilyName as what it is, not as 宋体/黑体: a reader that
took that name for a system font would draw 宋体, which lacks characters such as 𠮷 (U+20BB7)
and 𡈽 (U+2123D) that both Noto faces have (docs/adr/0018).

Debian's Noto CJK files are CFF-based OpenType collections, while OFD readers expect
TrueType (``glyf``) outlines in embedded fonts. Converting a whole CJK font takes minutes,
so each glyph is converted (cubic → quadratic) the first time a certificate on this host
needs it and kept, compiled, in the host's font store (fontstore.py, ADR 0035), with the
face's character map and advances in a compact form; a process keeps only those arrays and
the glyphs it used last, and building a document's subset copies their bytes into a new font.
"""

from __future__ import annotations

import bisect
import copy
import functools
import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

# fontTools ships no type information.
from fontTools.ttLib import TTFont, newTable  # type: ignore[import-untyped]
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable  # type: ignore[import-untyped]
from fontTools.ttLib.tables._g_l_y_f import Glyph  # type: ignore[import-untyped]

from certificates.ofd.fontstore import FontStore, TTGlyph, decompile_table, helper_run

NOTO_DIR: Final = Path("/usr/share/fonts/opentype/noto")


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


# Converted glyphs a process keeps at hand, most recently used first: a few hundred make a
# certificate, and the store has the rest (fontstore.py). About 300 bytes each.
GLYPH_CACHE_SIZE: Final = 4096


class SourceFont:
    """One face of a Noto CJK collection as a process uses it: its character map and
    advances as packed arrays and its converted glyphs, from the host's font store
    (fontstore.py, ADR 0035), never the whole parsed font."""

    def __init__(self, face: FontFace, store: FontStore) -> None:
        if not face.path.exists():
            raise FileNotFoundError(
                f"证书字体 {face.path} 不存在：请安装 fonts-noto-cjk（scripts/system-packages.sh）"
            )
        self.face = face
        self._store = store
        data = store.face(face.key, face.path, face.index)
        self._code_points = data.code_points
        self._glyph_ids = data.glyph_ids
        self._advances = data.advances
        self._table_data = data.tables
        self._tables: dict[str, Any] = {}
        self.units_per_em: int = data.units_per_em
        self.ascent: int = data.ascent
        self.descent: int = data.descent
        self._glyphs: OrderedDict[str, TTGlyph] = OrderedDict()
        # The cache is shared by a process's threads (gunicorn threads, the worker).
        self._lock = threading.Lock()

    def _gid(self, char: str) -> int | None:
        cp = ord(char)
        i = bisect.bisect_left(self._code_points, cp)
        if i < len(self._code_points) and self._code_points[i] == cp:
            return self._glyph_ids[i]
        return None

    def covers(self, char: str) -> bool:
        return self._gid(char) is not None

    def glyph_id(self, char: str) -> int:
        """The index of ``char``'s glyph in the source font (KeyError when not covered)."""
        gid = self._gid(char)
        if gid is None:
            raise KeyError(char)
        return gid

    def glyph_name(self, char: str) -> str:
        """The name a subset gives ``char``'s glyph (KeyError when not covered)."""
        return _name(self.glyph_id(char))

    def glyph_advance(self, glyph_name: str) -> int:
        """Advance width of a glyph, in font units."""
        return self._advances[_gid_of(glyph_name)]

    def advance(self, char: str) -> int:
        """Advance width of ``char`` in font units (KeyError when not covered)."""
        gid = self._gid(char)
        if gid is None:
            raise KeyError(char)
        return self._advances[gid]

    def advances_mm(self, text: str, size: float) -> tuple[float, ...]:
        """Advance of each character of ``text`` at ``size`` mm per em."""
        scale = size / self.units_per_em
        return tuple(self.advance(char) * scale for char in text)

    def width_mm(self, text: str, size: float) -> float:
        return sum(self.advance(char) for char in text) * size / self.units_per_em

    def tt_glyphs(self, names: Iterable[str]) -> dict[str, TTGlyph]:
        """Converted glyphs: from this process's cache, else from the store, else converted
        from the source font now and kept in the store for every process of the host."""
        names = list(dict.fromkeys(names))
        with self._lock:
            found = {}
            for name in names:
                glyph = self._glyphs.get(name)
                if glyph is not None:
                    self._glyphs.move_to_end(name)
                    found[name] = glyph
            missing = [_gid_of(name) for name in names if name not in found]
            if missing:
                stored = self._store.glyphs(self.face.key, missing)
                absent = [gid for gid in missing if gid not in stored]
                if absent:
                    # Converted by a helper process, which keeps them for every process here.
                    helper_run(self._store.path, self.face.key, self.face.path, self.face.index, absent)
                    stored |= self._store.glyphs(self.face.key, absent)
                for gid, glyph in stored.items():
                    found[_name(gid)] = self._glyphs[_name(gid)] = glyph
            # Trimmed on every call, so a smaller limit (a test's) holds at once too.
            while len(self._glyphs) > GLYPH_CACHE_SIZE:
                self._glyphs.popitem(last=False)
        return {name: found[name] for name in names}

    def tt_glyph(self, name: str) -> TTGlyph:
        return self.tt_glyphs([name])[name]

    def table(self, tag: str) -> Any:
        """One of the small tables a subset copies (fontstore.TABLES), decompiled once."""
        with self._lock:
            table = self._tables.get(tag)
            if table is None:
                table = self._tables[tag] = decompile_table(tag, self._table_data[tag])
            return table


def _name(gid: int) -> str:
    return ".notdef" if gid == 0 else f"g{gid}"


def _gid_of(name: str) -> int:
    return 0 if name == ".notdef" else int(name[1:])


@functools.cache
def font_store() -> FontStore:
    from django.conf import settings

    return FontStore(Path(settings.CERTIFICATE_FONT_STORE))


@functools.cache
def source_font(key: str) -> SourceFont:
    """The loaded face for ``key`` ("song" or "hei"), shared by the whole process."""
    return SourceFont(FACES[key], font_store())


def preload() -> None:
    """Read every face from the store now and build one subset of each from a typical
    certificate's text: that brings the glyphs of every fixed label, digit and specialty into
    this process (converting any the store lacks) and decompiles the tables a subset copies,
    so the first certificate a worker issues is not the slow one."""
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
    glyphs = source.tt_glyphs(order)
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

    advances = {name: source.glyph_advance(name) for name in order}
    hmtx = newTable("hmtx")
    # TrueType rasterisers place the outline from the lsb, which must equal xMin.
    hmtx.metrics = {name: (advances[name], glyphs[name].bounds[0]) for name in order}
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
    hhea.advanceWidthMax = max(advances.values())
    hhea.minLeftSideBearing = min((g.bounds[0] for g in drawn), default=0)
    hhea.minRightSideBearing = min(
        (advances[n] - g.bounds[2] for n, g in glyphs.items() if g.contours), default=0
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
