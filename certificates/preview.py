"""The certificate as a picture for the browser, drawn from the same layout as the OFD.

Nobody needs an OFD reader to see their certificate: ``render_preview_png`` draws the
``Sheet`` from ``certificates.layout.compose`` with Pillow, using the very subset fonts the
OFD embeds and placing every character at the same position as the OFD's ``DeltaX``;
``render_preview_svg`` does the same as SVG. The subsets come from the host's font store
(``ofd/fontstore.py``): Pillow opening the system's CJK collections instead would map tens of
megabytes of them into every web worker that drew a PDF copy (issue 14). The seal is not part of the
layout (the signer places it); pass its picture to have it drawn at ``SEAL_BOUNDARY_MM``.
"""

from __future__ import annotations

import base64
from io import BytesIO
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw, ImageFont

from certificates.document import CertificateData
from certificates.layout import RGB, SEAL_BOUNDARY_MM, ImageItem, PathItem, TextItem, compose
from certificates.ofd import fonts


class _PilFonts:
    """Pillow fonts of one sheet's subsets, one per face and size."""

    def __init__(self, chars_by_font: dict[str, set[str]]) -> None:
        self._data = {key: fonts.subset_font(key, chars).data for key, chars in chars_by_font.items()}
        self._fonts: dict[tuple[str, float], ImageFont.FreeTypeFont] = {}

    def get(self, key: str, pixels: float) -> ImageFont.FreeTypeFont:
        font = self._fonts.get((key, pixels))
        if font is None:
            font = self._fonts[key, pixels] = ImageFont.truetype(BytesIO(self._data[key]), size=pixels)
        return font


def _paste(canvas: Image.Image, data: bytes, box: tuple[float, float, float, float], scale: float) -> None:
    x, y, w, h = box
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    with Image.open(BytesIO(data)) as source:
        picture = source.convert("RGBA").resize(size, Image.Resampling.LANCZOS)
    canvas.paste(picture, (round(x * scale), round(y * scale)), picture)


def _fill(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], color: RGB) -> None:
    xs = sorted({round(x) for x, _ in points})
    ys = sorted({round(y) for _, y in points})
    if len(points) == 4 and len(xs) == 2 and len(ys) == 2:
        # Pillow fills a rectangle up to and including its far edge; stopping one pixel
        # short keeps dark QR modules exactly as wide as light ones.
        draw.rectangle((xs[0], ys[0], xs[1] - 1, ys[1] - 1), fill=color)
    else:
        draw.polygon(points, fill=color)


def render_preview_png(data: CertificateData, *, scale: float = 4.0, seal_png: bytes | None = None) -> bytes:
    """The certificate as a PNG, ``scale`` pixels per millimetre (4.0: 840×1188)."""
    sheet = compose(data)
    pil_fonts = _PilFonts(sheet.chars_by_font())
    canvas = Image.new("RGB", (round(sheet.width * scale), round(sheet.height * scale)), "white")
    draw = ImageDraw.Draw(canvas)
    for item in sheet.items:
        if isinstance(item, TextItem):
            font = pil_fonts.get(item.font, item.size * scale)
            for line in item.lines:
                x = line.x
                # One character at a time at the layout's positions: Pillow's own
                # advances are rounded to pixels and would drift from the OFD.
                for char, advance in zip(line.text, line.advances, strict=True):
                    draw.text((x * scale, line.y * scale), char, font=font, fill=item.color, anchor="ls")
                    x += advance
        elif isinstance(item, PathItem):
            width = max(1, round(item.line_width * scale))
            for sub in item.subpaths:
                points = [(px * scale, py * scale) for px, py in sub]
                if item.fill is not None:
                    _fill(draw, points, item.fill)
                if item.stroke is not None:
                    draw.line(points + points[:1] if item.closed else points, fill=item.stroke, width=width)
        elif isinstance(item, ImageItem):
            _paste(canvas, item.data, item.bounds, scale)
    if seal_png is not None:
        _paste(canvas, seal_png, SEAL_BOUNDARY_MM, scale)
    out = BytesIO()
    canvas.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _svg_color(color: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _svg_path(item: PathItem) -> str:
    parts = []
    for sub in item.subpaths:
        head, *rest = sub
        parts.append(f"M{head[0]:.3f} {head[1]:.3f}" + "".join(f"L{x:.3f} {y:.3f}" for x, y in rest))
        if item.closed:
            parts.append("Z")
    fill = _svg_color(item.fill) if item.fill is not None else "none"
    stroke = (
        f' stroke="{_svg_color(item.stroke)}" stroke-width="{item.line_width:.3f}"'
        if item.stroke is not None
        else ""
    )
    return f'<path d="{"".join(parts)}" fill="{fill}"{stroke}/>'


def render_preview_svg(
    data: CertificateData, *, seal_png: bytes | None = None, style_nonce: str | None = None
) -> str:
    """The certificate as a standalone SVG in millimetres, fonts embedded as subsets.

    Put inside a page, its <style> (the fonts) is inline style, which the page's
    Content-Security-Policy allows only with that request's nonce: pass it as `style_nonce`."""
    sheet = compose(data)
    used = sheet.chars_by_font()
    styles = []
    for key, chars in sorted(used.items()):
        source = _data_uri("font/ttf", fonts.subset_font(key, chars).data)
        styles.append(f"@font-face{{font-family:'cert-{key}';src:url({source}) format('truetype')}}")
    body: list[str] = []
    for item in sheet.items:
        if isinstance(item, TextItem):
            # A character beyond the BMP in a <text> of its own: browsers count an x list in
            # UTF-16 units, other SVG renderers in characters.
            for line in (run for whole in item.lines for run in whole.runs()):
                xs, x = [], line.x
                for advance in line.advances:
                    xs.append(f"{x:.3f}")
                    x += advance
                body.append(
                    f'<text x="{" ".join(xs)}" y="{line.y:.3f}" font-family="cert-{item.font}" '
                    f'font-size="{item.size:.3f}" fill="{_svg_color(item.color)}">{escape(line.text)}</text>'
                )
        elif isinstance(item, PathItem):
            body.append(_svg_path(item))
        elif isinstance(item, ImageItem):
            mime = "image/png" if item.format == "PNG" else "image/jpeg"
            place = f'x="{item.x:.3f}" y="{item.y:.3f}" width="{item.width:.3f}" height="{item.height:.3f}"'
            href = quoteattr(_data_uri(mime, item.data))
            body.append(f'<image {place} preserveAspectRatio="none" href={href}/>')
    if seal_png is not None:
        x, y, w, h = SEAL_BOUNDARY_MM
        body.append(
            f'<image x="{x:.3f}" y="{y:.3f}" width="{w:.3f}" height="{h:.3f}" '
            f"href={quoteattr(_data_uri('image/png', seal_png))}/>"
        )
    nonce = f" nonce={quoteattr(style_nonce)}" if style_nonce else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{sheet.width}mm" height="{sheet.height}mm" '
        f'viewBox="0 0 {sheet.width} {sheet.height}"><style{nonce}>{"".join(styles)}</style>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>{"".join(body)}</svg>'
    )
