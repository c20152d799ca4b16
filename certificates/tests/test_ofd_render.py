"""The OFD drawn from its own XML and embedded fonts looks like the browser preview.

No OFD reader is installed, so ``render`` below is a small one: it reads Content.xml the way
a reader does (Boundary origin + TextCode X/Y, DeltaX, AbbreviatedData, CTM), draws the
text with the *embedded subset fonts*, and the result is compared with the preview, which is
drawn from the layout with the full system fonts. A wrong offset, a missing glyph in a subset
or a DeltaX that disagrees with the layout all show up as differing pixels.
"""

from __future__ import annotations

from io import BytesIO

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from certificates.ofd import OfdPackage, build_ofd
from certificates.preview import render_preview_png
from certificates.tests.ofd_samples import certificate_data

NS = "http://www.ofdspec.org/2016"
SCALE = 4.0


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def floats(text: str) -> list[float]:
    return [float(v) for v in text.split()]


def rgb(element: etree._Element | None) -> tuple[int, ...]:
    return tuple(int(v) for v in element.get("Value").split()) if element is not None else (0, 0, 0)


def render(package: OfdPackage, scale: float = SCALE) -> Image.Image:
    files = package.files
    public = etree.fromstring(files["Doc_0/PublicRes.xml"])
    media = etree.fromstring(files["Doc_0/DocumentRes.xml"])
    font_files = {
        f.get("ID"): files[f"Doc_0/Res/{f.findtext(q('FontFile'))}"] for f in public.iter(q("Font"))
    }
    media_files = {
        m.get("ID"): files[f"Doc_0/Res/{m.findtext(q('MediaFile'))}"] for m in media.iter(q("MultiMedia"))
    }
    page = etree.fromstring(files["Doc_0/Pages/Page_0/Content.xml"])
    _, _, width, height = floats(page.findtext(f"{q('Area')}/{q('PhysicalBox')}"))
    canvas = Image.new("RGB", (round(width * scale), round(height * scale)), "white")
    draw = ImageDraw.Draw(canvas)

    for obj in page.find(f"{q('Content')}/{q('Layer')}"):
        bx, by, _, _ = floats(obj.get("Boundary"))
        kind = etree.QName(obj).localname
        if kind == "TextObject":
            font = ImageFont.truetype(BytesIO(font_files[obj.get("Font")]), float(obj.get("Size")) * scale)
            color = rgb(obj.find(q("FillColor")))
            for code in obj.iter(q("TextCode")):
                x, y = bx + float(code.get("X")), by + float(code.get("Y"))
                deltas = [*floats(code.get("DeltaX", "")), 0.0]
                for char, delta in zip(code.text, deltas, strict=True):
                    draw.text((x * scale, y * scale), char, font=font, fill=color, anchor="ls")
                    x += delta
        elif kind == "PathObject":
            tokens = obj.findtext(q("AbbreviatedData")).split()
            subpaths: list[list[tuple[float, float]]] = []
            closed: list[bool] = []
            i = 0
            while i < len(tokens):
                op = tokens[i]
                if op == "C":
                    closed[-1] = True
                    i += 1
                    continue
                point = ((bx + float(tokens[i + 1])) * scale, (by + float(tokens[i + 2])) * scale)
                if op == "M":
                    subpaths.append([point])
                    closed.append(False)
                else:
                    subpaths[-1].append(point)
                i += 3
            for points, is_closed in zip(subpaths, closed, strict=True):
                if obj.get("Fill") == "true":
                    xs = sorted({round(x) for x, _ in points})
                    ys = sorted({round(y) for _, y in points})
                    draw.rectangle((xs[0], ys[0], xs[-1] - 1, ys[-1] - 1), fill=rgb(obj.find(q("FillColor"))))
                if obj.get("Stroke") != "false":
                    line = points + points[:1] if is_closed else points
                    width_px = max(1, round(float(obj.get("LineWidth", "0.353")) * scale))
                    draw.line(line, fill=rgb(obj.find(q("StrokeColor"))), width=width_px)
        elif kind == "ImageObject":
            a, _, _, d, e, f = floats(obj.get("CTM"))
            size = (round(a * scale), round(d * scale))
            with Image.open(BytesIO(media_files[obj.get("ResourceID")])) as source:
                picture = source.convert("RGBA").resize(size, Image.Resampling.LANCZOS)
            canvas.paste(picture, (round((bx + e) * scale), round((by + f) * scale)), picture)
    return canvas


def differing_share(first: Image.Image, second: Image.Image) -> float:
    """Share of pixels that differ clearly once both are slightly blurred: the blur absorbs
    one-pixel hinting differences (the subsets are unhinted TrueType, the originals hinted
    CFF), not a glyph drawn in the wrong place or not at all."""
    blurred = [image.convert("L").filter(ImageFilter.GaussianBlur(1.0)) for image in (first, second)]
    diff = ImageChops.difference(*blurred).point(lambda v: 255 if v > 64 else 0)
    return diff.histogram()[255] / (diff.width * diff.height)


def test_the_ofd_renders_like_the_preview():
    data = certificate_data()
    package = build_ofd(data)

    drawn = render(package)
    preview = Image.open(BytesIO(render_preview_png(data, scale=SCALE)))

    assert drawn.size == preview.size
    assert differing_share(drawn, preview) < 0.001


def test_the_comparison_notices_a_misplaced_field():
    data = certificate_data()
    package = build_ofd(data)
    content = package.files["Doc_0/Pages/Page_0/Content.xml"].decode()
    moved = content.replace('Y="4.029"', 'Y="9.029"', 1)
    assert moved != content
    shifted = OfdPackage(
        files={**package.files, "Doc_0/Pages/Page_0/Content.xml": moved.encode()},
        page_id=package.page_id,
        stamp_annot_id=package.stamp_annot_id,
        max_unit_id=package.max_unit_id,
    )

    preview = Image.open(BytesIO(render_preview_png(data, scale=SCALE)))

    assert differing_share(render(shifted), preview) > 0.001
