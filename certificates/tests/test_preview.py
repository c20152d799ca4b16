"""The browser preview: the same layout as a PNG (and SVG), no OFD reader needed."""

from __future__ import annotations

from io import BytesIO

import pytest
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from PIL import Image, ImageChops

from certificates.layout import PHOTO_BOX, SEAL_BOUNDARY_MM
from certificates.ofd import FontCoverageError
from certificates.preview import render_preview_png, render_preview_svg
from certificates.tests.ofd_samples import certificate_data, seal_bytes


def crop_mm(image: Image.Image, box: tuple[float, float, float, float], scale: float) -> Image.Image:
    x, y, w, h = box
    return image.crop((round(x * scale), round(y * scale), round((x + w) * scale), round((y + h) * scale)))


def red_pixels(image: Image.Image) -> int:
    red, green, blue = (channel.convert("L") for channel in image.convert("RGB").split())
    masks = [
        red.point(lambda v: 255 if v > 180 else 0),
        green.point(lambda v: 255 if v < 80 else 0),
        blue.point(lambda v: 255 if v < 80 else 0),
    ]
    both = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
    return both.histogram()[255]


def test_it_draws_an_a4_page():
    image = Image.open(BytesIO(render_preview_png(certificate_data())))

    assert image.format == "PNG"
    assert image.size == (840, 1188)
    assert image.height / image.width == pytest.approx(297 / 210, abs=0.002)


def test_the_photo_box_holds_the_photo():
    scale = 3.0
    image = Image.open(BytesIO(render_preview_png(certificate_data(), scale=scale)))

    photo = crop_mm(image, PHOTO_BOX, scale).convert("L")

    non_white = photo.point(lambda v: 255 if v < 200 else 0).histogram()[255]
    assert non_white > photo.width * photo.height // 4


def test_the_seal_is_drawn_only_when_given():
    scale = 2.0
    plain = Image.open(BytesIO(render_preview_png(certificate_data(), scale=scale)))
    sealed = Image.open(BytesIO(render_preview_png(certificate_data(), scale=scale, seal_png=seal_bytes())))

    assert red_pixels(crop_mm(plain, SEAL_BOUNDARY_MM, scale)) == 0
    assert red_pixels(crop_mm(sealed, SEAL_BOUNDARY_MM, scale)) > 100
    assert red_pixels(sealed) == red_pixels(crop_mm(sealed, SEAL_BOUNDARY_MM, scale))


def test_a_name_the_fonts_cannot_draw_is_refused_here_too():
    with pytest.raises(FontCoverageError):
        render_preview_png(certificate_data(name="王\ue000"))


def test_the_svg_embeds_its_fonts_and_places_every_character():
    svg = render_preview_svg(certificate_data(), seal_png=seal_bytes())
    root = etree.fromstring(svg.encode())
    ns = "{http://www.w3.org/2000/svg}"

    assert root.get("viewBox") == "0 0 210.0 297.0"
    assert root.findtext(f"{ns}style").count("@font-face") == 2
    elements = list(root.iter(f"{ns}text"))
    texts = [element.text for element in elements]
    # 王𠮷堃: 𠮷 in a <text> of its own, whose single x browsers and other renderers agree on
    at = texts.index("𠮷")
    assert texts[at - 1 : at + 2] == ["王", "𠮷", "堃"]
    xs = [float(elements[i].get("x")) for i in range(at - 1, at + 2)]
    assert xs == sorted(xs)
    assert [t for t in texts if any(ord(c) > 0xFFFF for c in t)] == ["𠮷"]
    employer = elements[texts.index("辽宁省赟达建筑工程集团有限公司")]
    assert len(employer.get("x").split()) == len("辽宁省赟达建筑工程集团有限公司")
    assert len(list(root.iter(f"{ns}image"))) == 3  # photo, signature, seal
