"""The OFD drawn from its own XML and embedded fonts looks like the browser preview.

No OFD reader is installed, so ``render`` below is a small one: it reads Content.xml the way
a reader does (Boundary origin + TextCode X/Y, DeltaX, AbbreviatedData, CTM), walks the
text as ofdrw does (UTF-16 units, CGTransform glyph indices, see ``ofd_reading``), draws the
glyphs of the *embedded subset fonts* by index, and the result is compared with the preview,
which is drawn from the layout by character, with subsets of the same glyphs (the preview
takes its fonts from the host's font store rather than the system's CJK collections, issue
14; test_ofd_glyphs checks those glyphs against the system fonts). A wrong offset, a missing
glyph in a subset, a wrong glyph index (𠮷 in the sample's name) or a DeltaX that disagrees
with the layout all show up as differing pixels.
"""

from __future__ import annotations

from io import BytesIO

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # no stubs
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from certificates.ofd import OfdPackage, build_ofd
from certificates.preview import render_preview_png
from certificates.tests.ofd_reading import GLYPH_BASE, font_by_glyph_index, glyph_runs
from certificates.tests.ofd_samples import certificate_data

NS = "http://www.ofdspec.org/2016"
SCALE = 4.0
# Drawn from the same glyphs, the OFD and the preview are the same picture; a 3.5 mm label
# moved by 5 mm makes 0.09% of the page differ.
NOTICEABLE = 0.0002


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
    by_index = {font_id: font_by_glyph_index(data) for font_id, data in font_files.items()}
    parsed = {font_id: TTFont(BytesIO(data)) for font_id, data in font_files.items()}
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
            font = ImageFont.truetype(BytesIO(by_index[obj.get("Font")]), float(obj.get("Size")) * scale)
            color = rgb(obj.find(q("FillColor")))
            runs = glyph_runs(obj, parsed[obj.get("Font")])
            for code, run in zip(obj.iter(q("TextCode")), runs, strict=True):
                x, y = bx + float(code.get("X")), by + float(code.get("Y"))
                deltas = [*floats(code.get("DeltaX", "")), 0.0]  # one per glyph
                for glyph, delta in zip(run, deltas, strict=True):
                    assert glyph is not None, code.text  # a box: the reader found no glyph
                    char = chr(GLYPH_BASE + glyph)
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
    one-pixel differences of rasterising (a glyph placed at a fraction of a pixel), not a
    glyph drawn in the wrong place or not at all."""
    blurred = [image.convert("L").filter(ImageFilter.GaussianBlur(1.0)) for image in (first, second)]
    diff = ImageChops.difference(*blurred).point(lambda v: 255 if v > 64 else 0)
    return diff.histogram()[255] / (diff.width * diff.height)


def test_the_ofd_renders_like_the_preview():
    data = certificate_data()
    package = build_ofd(data)

    drawn = render(package)
    preview = Image.open(BytesIO(render_preview_png(data, scale=SCALE)))

    assert drawn.size == preview.size
    assert differing_share(drawn, preview) < NOTICEABLE


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

    assert differing_share(render(shifted), preview) > NOTICEABLE


def test_the_rare_name_renders_like_the_preview_glyph_for_glyph():
    # One 4 mm character is too small a share of the page for the test above: compare the
    # name's own box (王𠮷堃: 𠮷 drawn through its CGTransform) at a finer scale.
    data = certificate_data()
    package = build_ofd(data)
    page = etree.fromstring(package.files["Doc_0/Pages/Page_0/Content.xml"])
    boxes = [
        floats(obj.get("Boundary"))
        for obj in page.iter(q("TextObject"))
        if "".join(code.text for code in obj.iter(q("TextCode"))) in set(data.name)
    ]
    assert len(boxes) == len(data.name)
    scale = 12.0
    left = min(x for x, _, _, _ in boxes) * scale
    top = min(y for _, y, _, _ in boxes) * scale
    right = max(x + w for x, _, w, _ in boxes) * scale
    bottom = max(y + h for _, y, _, h in boxes) * scale
    crop = (round(left), round(top), round(right), round(bottom))

    drawn = render(package, scale).crop(crop)
    preview = Image.open(BytesIO(render_preview_png(data, scale=scale))).crop(crop)

    assert differing_share(drawn, preview) < 0.002
