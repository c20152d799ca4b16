"""Embedded fonts: TrueType subsets that map every character used; characters no font can
draw are refused, with the field named, before anything is built."""

from __future__ import annotations

from io import BytesIO

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # no stubs
from PIL import Image, ImageDraw, ImageFont

from certificates import layout
from certificates.ofd import FontCoverageError, OfdPackage, build_ofd, fonts
from certificates.tests.ofd_samples import certificate_data


@pytest.fixture(scope="module")
def package():
    return build_ofd(certificate_data(name="王𠮷堃", employer="沈阳赟达建设有限公司"))


def embedded(package) -> list[TTFont]:
    return [TTFont(BytesIO(data)) for path, data in sorted(package.files.items()) if path.endswith(".ttf")]


def used_chars(package: OfdPackage) -> str:
    return package.files["Doc_0/Pages/Page_0/Content.xml"].decode("utf-8")


def test_embedded_fonts_are_truetype(package):
    for font in embedded(package):
        assert "glyf" in font and "loca" in font
        assert "CFF " not in font
        assert font.sfntVersion == "\x00\x01\x00\x00"
        for name in font.getGlyphOrder():
            glyph = font["glyf"][name]
            if glyph.numberOfContours > 0:
                assert font["hmtx"][name][1] == glyph.xMin  # lsb = xMin, as TrueType needs


def test_the_fonts_map_every_character_used_including_rare_ones(package):
    serif, sans = embedded(package)[1], embedded(package)[0]
    content = used_chars(package)
    serif_cmap = serif.getBestCmap()

    for char in "王𠮷堃赟":
        assert ord(char) in serif_cmap
        glyph = serif["glyf"][serif_cmap[ord(char)]]
        assert glyph.numberOfContours > 0
    for char in "中华人民共和国二级建造师注册证书":
        assert ord(char) in sans.getBestCmap()
    assert (3, 10) in {(t.platformID, t.platEncID) for t in serif["cmap"].tables if t.format == 12}
    chars_in_text = {c for c in content if ord(c) > 0x2E80}
    covered = set(map(chr, serif_cmap)) | set(map(chr, sans.getBestCmap()))
    assert chars_in_text <= covered


def test_the_embedded_font_draws_the_rare_character():
    subset = fonts.subset_font("song", "𠮷")
    font = ImageFont.truetype(BytesIO(subset.data), 64)
    image = Image.new("L", (80, 80), 255)

    ImageDraw.Draw(image).text((8, 8), "𠮷", font=font, fill=0)

    assert image.getextrema()[0] == 0  # ink, not a blank


def test_subsets_are_named_by_their_characters():
    first = fonts.subset_font("song", "王𠮷堃")
    again = fonts.subset_font("song", "堃王𠮷")
    other = fonts.subset_font("song", "张伟")

    assert first.data == again.data
    assert first.family_name == again.family_name != other.family_name
    assert first.family_name.endswith("+Noto Serif CJK SC")
    assert TTFont(BytesIO(first.data))["name"].getDebugName(1) == first.family_name


def test_a_subset_is_built_once_for_its_characters_and_reused():
    """A holder's next copy draws the same characters: its subsets come from the cache, not
    built again (issue 14: building them cost more than the signature)."""
    data = certificate_data(name="王𠮷堃", employer="沈阳赟达建设有限公司")
    fonts._subset_cached.cache_clear()

    first = build_ofd(data)
    second = build_ofd(data)

    cache = fonts._subset_cached.cache_info()
    assert (cache.misses, cache.hits) == (2, 2)  # one subset a face, built for the first only
    assert [first.files[p] for p in first.files if p.endswith(".ttf")] == [
        second.files[p] for p in second.files if p.endswith(".ttf")
    ]
    assert fonts.subset_font("song", "王𠮷堃") is fonts.subset_font("song", "堃王𠮷")


def test_the_subset_cache_is_bounded():
    assert fonts._subset_cached.cache_info().maxsize == fonts.SUBSET_CACHE_SIZE


@pytest.mark.parametrize(
    ("changes", "field", "char"),
    [
        ({"name": "王\ue000"}, "姓名", "\ue000"),  # private use: no font has it
        ({"employer": "沈阳\u0378建设"}, "聘用企业", "\u0378"),  # unassigned
        ({"name": "李\U0002ebf0"}, "姓名", "\U0002ebf0"),  # CJK Ext. I: beyond Noto CJK
    ],
)
def test_a_character_no_font_can_draw_is_refused_before_anything_is_built(monkeypatch, changes, field, char):
    def no_subsetting(*args, **kwargs):
        raise AssertionError("subsetting started before the check")

    monkeypatch.setattr(fonts, "subset_font", no_subsetting)
    data = certificate_data(**changes)

    with pytest.raises(FontCoverageError) as raised:
        build_ofd(data)
    with pytest.raises(FontCoverageError):
        layout.check_renderable(data)

    assert raised.value.field == field
    assert raised.value.char == char
    assert str(raised.value).startswith(f"{field}中的字“")
    assert str(raised.value).endswith("”无法在证书字体中显示，请联系发证机关处理")


def test_the_message_shows_an_invisible_character_as_its_code_point():
    error = FontCoverageError(field="姓名", char="\ue000")
    assert str(error) == "姓名中的字“U+E000”无法在证书字体中显示，请联系发证机关处理"


def test_rare_but_drawable_names_pass_the_check():
    layout.check_renderable(certificate_data(name="王𠮷堃", employer="沈阳赟达建设有限公司"))


def test_preload_converts_the_glyphs_of_a_typical_certificate():
    from certificates.layout import typical_chars

    fonts.preload()
    chars = typical_chars()
    assert {"证", "书", "7", "日"} <= chars["song"] | chars["hei"]
    for key, used in chars.items():
        font = fonts.source_font(key)
        assert {font.glyph_name(c) for c in used} <= font._glyphs.keys()
