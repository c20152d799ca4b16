"""Reading an OFD's text the way readers do, for the tests: no system font, only the embedded
files and the glyph indices the page gives.

``glyph_runs`` walks a TextObject as ofdrw's renderer does (``AWTMaker.writeText`` with
``CGTransformMap``, ofdrw-converter): a Java string, so UTF-16 code units; a CGTransform
applies where its CodePosition equals the current offset, draws its Glyphs and skips
CodeCount units; any other unit is looked up in the font's cmap, where a lone surrogate
finds nothing. ofdrw counts CodePosition across all TextCodes of the object; other readers
count it within the TextCode the transform precedes, which ``scope="code"`` reproduces.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Literal

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # no stubs
from fontTools.ttLib.tables._c_m_a_p import CmapSubtable  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from PIL import Image, ImageDraw, ImageFont

NS = "http://www.ofdspec.org/2016"
# Glyph i of a font is drawn by Pillow as this code point plus i (plane 15, private use).
GLYPH_BASE = 0xF0000


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def utf16_units(text: str) -> list[int]:
    data = text.encode("utf-16-le")
    return [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]


@dataclass(frozen=True)
class Transform:
    position: int
    code_count: int
    glyph_count: int
    glyphs: tuple[int, ...]


def transforms(text_object: etree._Element) -> list[Transform]:
    """The object's CGTransforms, with the standard's defaults (counts of 1)."""
    return [
        Transform(
            position=int(t.get("CodePosition")),
            code_count=int(t.get("CodeCount", "1")),
            glyph_count=int(t.get("GlyphCount", "1")),
            glyphs=tuple(int(v) for v in (t.findtext(q("Glyphs")) or "").split()),
        )
        for t in text_object.iter(q("CGTransform"))
    ]


def glyph_runs(
    text_object: etree._Element, font: TTFont, *, scope: Literal["object", "code"] = "object"
) -> list[list[int | None]]:
    """For each TextCode of ``text_object``, the glyph indices a reader draws (None: no glyph,
    a box or a blank)."""
    cmap: dict[int, str] = font.getBestCmap()
    index = {name: number for number, name in enumerate(font.getGlyphOrder())}
    by_position = {t.position: t for t in transforms(text_object)}  # the last one wins, as in ofdrw
    runs: list[list[int | None]] = []
    offset = 0
    for code in text_object.iter(q("TextCode")):
        units = utf16_units(code.text or "")
        start = offset if scope == "object" else 0
        run: list[int | None] = []
        at = 0
        while at < len(units):
            transform = by_position.get(start + at)
            if transform is None:
                name = cmap.get(units[at])
                run.append(index[name] if name is not None else None)
                at += 1
            else:
                run.extend(transform.glyphs[: transform.glyph_count])
                at += transform.code_count
        runs.append(run)
        offset += len(units)
    return runs


def font_by_glyph_index(data: bytes) -> bytes:
    """The font ``data`` with one more cmap, mapping GLYPH_BASE + i to glyph i: Pillow (FreeType)
    draws by character only, and this lets it draw a glyph by the index a CGTransform names.
    The outlines are the embedded ones, untouched."""
    font = TTFont(BytesIO(data))
    order = font.getGlyphOrder()
    mapping = dict(font.getBestCmap())
    mapping.update({GLYPH_BASE + number: name for number, name in enumerate(order)})
    table = CmapSubtable.newSubtable(12)
    table.platformID, table.platEncID, table.language = 3, 10, 0
    table.cmap = mapping
    font["cmap"].tables = [t for t in font["cmap"].tables if (t.platformID, t.platEncID) != (3, 10)]
    font["cmap"].tables.append(table)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def glyph_image(font: ImageFont.FreeTypeFont, char: str, pixels: int) -> Image.Image:
    """``char`` drawn alone, black on white, its origin at a fixed point of a square canvas."""
    image = Image.new("L", (pixels * 2, pixels * 2), 255)
    ImageDraw.Draw(image).text((pixels // 2, pixels * 3 // 2), char, font=font, fill=0, anchor="ls")
    return image
