"""Text, paths and images on the page: DeltaX from real advances, everything inside its
Boundary, every Boundary inside the page."""

from __future__ import annotations

from io import BytesIO

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # no stubs
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from certificates.ofd import OfdPackage, build_ofd
from certificates.tests.ofd_samples import certificate_data

NS = "http://www.ofdspec.org/2016"
PAGE_W, PAGE_H = 210.0, 297.0
EPS = 0.002  # numbers are written with 3 decimals


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def box(element: etree._Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in element.get("Boundary").split())
    return x, y, w, h


def embedded_fonts(package: OfdPackage) -> dict[str, TTFont]:
    public = etree.fromstring(package.files["Doc_0/PublicRes.xml"])
    return {
        font.get("ID"): TTFont(BytesIO(package.files[f"Doc_0/Res/{font.findtext(q('FontFile'))}"]))
        for font in public.iter(q("Font"))
    }


def layer(package: OfdPackage) -> etree._Element:
    page = etree.fromstring(package.files["Doc_0/Pages/Page_0/Content.xml"])
    return page.find(f"{q('Content')}/{q('Layer')}")


LONG = certificate_data(
    name="阿依古丽·买买提艾力",
    employer="中国建筑第八工程局有限公司辽宁分公司沈阳市浑南区第三项目管理部（沈阳市某某某某某某工程项目）",
    authority="辽宁省住房和城乡建设厅（辽宁省建设工程执业资格注册中心）",
)


@pytest.fixture(scope="module", params=["sample", "long values"])
def package(request) -> OfdPackage:
    return build_ofd(certificate_data() if request.param == "sample" else LONG)


def test_every_boundary_lies_inside_the_page(package):
    for obj in layer(package):
        x, y, w, h = box(obj)
        assert x >= 0 and y >= 0 and w > 0 and h > 0, obj.get("ID")
        assert x + w <= PAGE_W and y + h <= PAGE_H, obj.get("ID")


def test_delta_x_is_the_fonts_advance_of_each_character(package):
    fonts = embedded_fonts(package)
    checked = 0
    for text in layer(package).iter(q("TextObject")):
        font = fonts[text.get("Font")]
        cmap, hmtx = font.getBestCmap(), font["hmtx"]
        scale = float(text.get("Size")) / font["head"].unitsPerEm
        for code in text.iter(q("TextCode")):
            chars = list(code.text)
            expected = [hmtx[cmap[ord(c)]][0] * scale for c in chars[:-1]]
            if len(chars) == 1:
                assert code.get("DeltaX") is None
                continue
            delta_x = [float(v) for v in code.get("DeltaX").split()]
            assert len(delta_x) == len(chars) - 1
            assert delta_x == pytest.approx(expected, abs=EPS)
            checked += 1
    assert checked > 20


def test_every_text_lies_inside_its_boundary(package):
    fonts = embedded_fonts(package)
    for text in layer(package).iter(q("TextObject")):
        _, _, w, h = box(text)
        font = fonts[text.get("Font")]
        cmap, hmtx, hhea = font.getBestCmap(), font["hmtx"], font["hhea"]
        scale = float(text.get("Size")) / font["head"].unitsPerEm
        for code in text.iter(q("TextCode")):
            x, y = float(code.get("X")), float(code.get("Y"))
            width = sum(hmtx[cmap[ord(c)]][0] for c in code.text) * scale
            glyph_left = min(hmtx[cmap[ord(c)]][1] for c in code.text) * scale
            assert x + min(glyph_left, 0) >= -EPS
            assert x + width <= w + EPS
            assert y - hhea.ascent * scale >= -EPS
            assert y - hhea.descent * scale <= h + EPS  # descent is negative


def test_characters_beyond_the_bmp_stand_in_a_text_object_of_their_own(package):
    objects = list(layer(package).iter(q("TextObject")))
    texts = ["".join(code.text for code in obj.iter(q("TextCode"))) for obj in objects]
    wide = [text for text in texts if any(ord(c) > 0xFFFF for c in text)]
    if package.files["Doc_0/Attachments/certificate.json"].decode().count("𠮷"):
        assert wide == ["𠮷"]
        # the name still reads in order: 王 / 𠮷 / 堃, one object after the other, left to right
        at = texts.index("𠮷")
        assert texts[at - 1 : at + 2] == ["王", "𠮷", "堃"]
        lefts = [box(obj)[0] for obj in objects[at - 1 : at + 2]]
        assert lefts == sorted(lefts)
        assert len(objects[at].findall(q("TextCode"))) == 1
    else:
        assert wide == []


def test_paths_stay_inside_their_boundary(package):
    for path in layer(package).iter(q("PathObject")):
        _, _, w, h = box(path)
        tokens = path.findtext(q("AbbreviatedData")).split()
        numbers = [float(t) for t in tokens if t not in {"M", "L", "C"}]
        assert set(tokens) - {"M", "L", "C"} == {t for t in tokens if t not in {"M", "L", "C"}}
        xs, ys = numbers[0::2], numbers[1::2]
        half = float(path.get("LineWidth", "0")) / 2 if path.get("Stroke") == "true" else 0.0
        assert min(xs) - half >= -EPS and max(xs) + half <= w + EPS
        assert min(ys) - half >= -EPS and max(ys) + half <= h + EPS


def test_long_values_are_wrapped_not_cut(package):
    texts = {"".join(c.text for c in t.iter(q("TextCode"))) for t in layer(package).iter(q("TextObject"))}
    data = LONG if LONG.employer in texts else certificate_data()
    assert data.employer in texts
    assert data.authority in texts
