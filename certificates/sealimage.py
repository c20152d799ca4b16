"""The seal's picture, drawn by code: a red round seal as a Chinese authority's 公章 looks —
an outer ring, a five-pointed star in the middle, the authority's name along the upper arc
(each character turned to face the centre) and the seal's purpose written straight below the
star. PNG with a transparent background, so the page shows through as on paper."""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from PIL import Image, ImageDraw, ImageFont

SEAL_RED = (225, 18, 30)
ALPHA_LEVELS = 16  # edge smoothness the eye cannot tell from 256, at half the bytes
SUPERSAMPLE = 3  # draw large and shrink: smooth edges without an anti-aliasing renderer

# Official seals cut their lettering in 宋体; Noto Serif CJK is the nearest free face, with
# Noto Sans CJK as the fallback. Debian package: fonts-noto-cjk.
_FONT_CANDIDATES = [
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
]


@lru_cache(maxsize=1)
def _font_face() -> tuple[str, int]:
    """The first installed CJK font file and, inside the collection, the Simplified Chinese face."""
    for path in _FONT_CANDIDATES:
        if not path.is_file():
            continue
        for index in range(16):
            try:
                family, _ = ImageFont.truetype(str(path), 12, index=index).getname()
            except OSError:
                break
            if family is not None and family.endswith(" SC"):
                return str(path), index
        return str(path), 0
    raise ImproperlyConfigured(
        "找不到中文字体，无法绘制电子印章：请安装 fonts-noto-cjk。 / "
        "No CJK font to draw the seal: install the Debian package fonts-noto-cjk."
    )


def _font(size_px: int) -> ImageFont.FreeTypeFont:
    path, index = _font_face()
    return ImageFont.truetype(path, size_px, index=index)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(54))  # a regular star
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else inner
        angle = math.radians(-90 + i * 36)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=SEAL_RED)


def _glyph(char: str, font: ImageFont.FreeTypeFont, box: int, *, squeeze: float = 1.0) -> Image.Image:
    tile = Image.new("RGBA", (box, box), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((box / 2, box / 2), char, font=font, fill=SEAL_RED, anchor="mm")
    if squeeze != 1.0:
        # Seal lettering is taller than wide; narrowing the glyph fits more of a long name.
        narrow = tile.resize((max(1, round(box * squeeze)), box), Image.Resampling.LANCZOS)
        tile = Image.new("RGBA", (box, box), (0, 0, 0, 0))
        tile.paste(narrow, ((box - narrow.width) // 2, 0))
    return tile


@lru_cache(maxsize=4)  # drawing takes a third of a second; the picture only depends on the arguments
def seal_picture_png(
    *, authority: str, purpose: str = "审批专用章", size_mm: float = 40.0, dpi: int = 300
) -> bytes:
    """The seal picture, `size_mm` across at `dpi`."""
    final_px = round(size_mm / 25.4 * dpi)
    size = final_px * SUPERSAMPLE
    mm = size / size_mm  # pixels per millimetre while drawing
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = size / 2

    ring_width = 1.2 * mm
    outer = centre - 0.5 * mm
    draw.ellipse(
        (centre - outer, centre - outer, centre + outer, centre + outer),
        outline=SEAL_RED,
        width=round(ring_width),
    )

    _star(draw, centre, centre, 0.19 * size)

    # The name along the upper arc, from lower left over the top to lower right.
    char_px = round(6.2 * mm)
    arc_font = _font(char_px)
    text_radius = outer - ring_width - 0.9 * mm - char_px / 2
    count = len(authority)
    span = min(250.0, 24.0 * count)  # degrees covered by the name
    box = char_px * 2
    for i, char in enumerate(authority):
        angle = -span / 2 + span * (i + 0.5) / count  # 0 = top, clockwise
        glyph = _glyph(char, arc_font, box, squeeze=0.82).rotate(-angle, resample=Image.Resampling.BICUBIC)
        x = centre + text_radius * math.sin(math.radians(angle))
        y = centre - text_radius * math.cos(math.radians(angle))
        image.alpha_composite(glyph, (round(x - box / 2), round(y - box / 2)))

    # The purpose written straight across below the star.
    purpose_font = _font(round(4.2 * mm))
    draw.text((centre, centre + 0.30 * size), purpose, font=purpose_font, fill=SEAL_RED, anchor="mm")

    alpha = image.resize((final_px, final_px), Image.Resampling.LANCZOS).getchannel("A")
    return _one_colour_png(alpha, dpi=dpi)


def _one_colour_png(alpha: Image.Image, *, dpi: int) -> bytes:
    """A palette PNG whose index is the opacity of the one seal red: a third of the size of
    RGBA, and the picture travels inside every certificate's SignedValue.dat."""
    step = 256 // ALPHA_LEVELS
    levels = alpha.point(lambda v: 255 if v >= 256 - step else (v // step) * step)
    picture = Image.frombytes("P", alpha.size, levels.tobytes())
    picture.putpalette(bytes(SEAL_RED) * 256)
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True, transparency=bytes(range(256)), dpi=(dpi, dpi))
    return out.getvalue()
