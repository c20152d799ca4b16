"""Characters beyond the BMP (𠮷 U+20BB7, 𡈽 U+2123D) are drawn through an explicit glyph
mapping: a CGTransform naming the glyph of the embedded subset, with CodePosition and
CodeCount in the UTF-16 units readers walk, and fonts named as what is embedded. The glyph a
reader draws from the sealed file's own fonts is the source font's (docs/adr/0018)."""

from __future__ import annotations

import zipfile
from io import BytesIO

from django.test import SimpleTestCase
from django.utils import timezone
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # no stubs
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed
from PIL import Image, ImageChops, ImageFilter, ImageFont

from certificates.issuing import sealed_ofd
from certificates.ofd import build_ofd, fonts
from certificates.tests.helpers import ensure_keys
from certificates.tests.ofd_reading import (
    GLYPH_BASE,
    font_by_glyph_index,
    glyph_image,
    glyph_runs,
    q,
    transforms,
    utf16_units,
)
from certificates.tests.ofd_samples import certificate_data
from certificates.verify import verify_ofd

NAME = "王𠮷堃"
EMPLOYER = "沈阳𡈽达建设有限公司"  # 𡈽 U+2123D, the other rare character of the issue
RARE = ("𠮷", "𡈽")
PIXELS = 96


# Each rare character and the common one it would be mistaken for (吉 for 𠮷, 土 for 𡈽): a
# comparison that tells these apart tells any two glyphs apart.
TWIN = {"𠮷": "吉", "𡈽": "土"}


def differing_share(first: Image.Image, second: Image.Image) -> float:
    """Differing pixels as a share of inked ones, once both are slightly blurred: the blur
    absorbs one-pixel hinting differences (unhinted TrueType subset, hinted CFF source),
    not a different glyph."""
    first, second = (image.filter(ImageFilter.GaussianBlur(1.5)) for image in (first, second))
    diff = ImageChops.difference(first, second).point(lambda v: 255 if v > 64 else 0)
    ink = ImageChops.darker(first, second).point(lambda v: 255 if v < 128 else 0)
    return diff.histogram()[255] / max(1, ink.histogram()[255])


def source_glyph(key: str, char: str) -> Image.Image:
    face = fonts.FACES[key]
    font = ImageFont.truetype(str(face.path), PIXELS, index=face.index)
    return glyph_image(font, char, PIXELS)


class GlyphMappingTestCase(SimpleTestCase):
    """A sealed certificate with 𠮷 in the holder's name and 𡈽 in the employer's, read back
    from its zip the way a reader without any system font does."""

    sealed: bytes
    files: dict[str, bytes]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()
        cls.sealed = sealed_ofd(certificate_data(name=NAME, employer=EMPLOYER), when=timezone.now())
        with zipfile.ZipFile(BytesIO(cls.sealed)) as archive:
            cls.files = {name: archive.read(name) for name in archive.namelist()}

    def xml(self, path: str) -> etree._Element:
        return etree.fromstring(self.files[path])

    def embedded(self) -> dict[str, tuple[etree._Element, bytes]]:
        """Font ID -> (its Font element, the embedded file's bytes)."""
        public = self.xml("Doc_0/PublicRes.xml")
        base = f"Doc_0/{public.get('BaseLoc')}"
        return {
            font.get("ID"): (font, self.files[f"{base}/{font.findtext(q('FontFile'))}"])
            for font in public.iter(q("Font"))
        }

    def text_objects(self) -> list[etree._Element]:
        page = self.xml("Doc_0/Pages/Page_0/Content.xml")
        return list(page.iter(q("TextObject")))

    def rare_objects(self) -> dict[str, etree._Element]:
        found = {}
        for obj in self.text_objects():
            text = "".join(code.text for code in obj.iter(q("TextCode")))
            if any(ord(c) > 0xFFFF for c in text):
                found[text] = obj
        return found

    def test_the_sealed_file_verifies(self) -> None:
        result = verify_ofd(self.sealed)

        self.assertTrue(result.ok, result.problems)

    def test_each_rare_character_has_a_glyph_mapping_in_utf16_units(self) -> None:
        objects = self.rare_objects()

        self.assertEqual(set(objects), set(RARE))
        fonts_by_id = self.embedded()
        for char, obj in objects.items():
            (code,) = obj.findall(q("TextCode"))
            (transform,) = transforms(obj)
            self.assertEqual(transform.position, 0)
            self.assertEqual(transform.code_count, len(utf16_units(char)))
            self.assertEqual(transform.code_count, 2)
            self.assertEqual(transform.glyph_count, 1)
            self.assertEqual(len(transform.glyphs), transform.glyph_count)
            self.assertIsNone(code.get("DeltaX"))
            # the glyph named is the one the embedded font's own cmap gives for the character
            font = TTFont(BytesIO(fonts_by_id[obj.get("Font")][1]))
            self.assertEqual(font.getGlyphOrder()[transform.glyphs[0]], font.getBestCmap()[ord(char)])
            self.assertGreater(font["glyf"][font.getBestCmap()[ord(char)]].numberOfContours, 0)

    def test_the_structure_is_the_one_ofdrw_reads(self) -> None:
        # CT_Text: FillColor, then (CGTransform*, TextCode)+; CT_CGTransform: CodePosition
        # (required), CodeCount, GlyphCount (≥ 1) and a Glyphs array of GlyphCount integers.
        for obj in self.rare_objects().values():
            children = [etree.QName(child).localname for child in obj]
            self.assertEqual(children, ["FillColor", "CGTransform", "TextCode"])
            transform = obj.find(q("CGTransform"))
            self.assertEqual(set(transform.keys()), {"CodePosition", "CodeCount", "GlyphCount"})
            self.assertEqual([etree.QName(c).localname for c in transform], ["Glyphs"])
            for attribute in ("CodePosition", "CodeCount", "GlyphCount"):
                self.assertRegex(transform.get(attribute), r"^\d+$")
            self.assertGreaterEqual(int(transform.get("CodeCount")), 1)
            self.assertRegex(transform.findtext(q("Glyphs")), r"^\d+$")

    def test_every_reader_draws_every_character_from_the_embedded_glyphs(self) -> None:
        fonts_by_id = {font_id: TTFont(BytesIO(data)) for font_id, (_, data) in self.embedded().items()}
        checked = 0
        for obj in self.text_objects():
            font = fonts_by_id[obj.get("Font")]
            cmap, order = font.getBestCmap(), font.getGlyphOrder()
            by_object = glyph_runs(obj, font, scope="object")  # ofdrw
            by_code = glyph_runs(obj, font, scope="code")  # CodePosition within the TextCode
            self.assertEqual(by_object, by_code)
            for code, run in zip(obj.iter(q("TextCode")), by_object, strict=True):
                # one glyph per character, the character's own: never a box for half of 𠮷
                self.assertEqual(run, [order.index(cmap[ord(c)]) for c in code.text])
                # and DeltaX counts glyphs, as ofdrw applies it
                delta_x = code.get("DeltaX")
                self.assertEqual(len(delta_x.split()) if delta_x else 0, len(run) - 1)
                checked += len(run)
        self.assertGreater(checked, 100)

    def test_without_the_mapping_a_utf16_reader_finds_no_glyph(self) -> None:
        # The fault the mapping mends (issue 15): the same object without its CGTransform.
        obj = self.rare_objects()["𠮷"]
        font = TTFont(BytesIO(self.embedded()[obj.get("Font")][1]))
        bare = etree.fromstring(etree.tostring(obj))
        bare.remove(bare.find(q("CGTransform")))

        self.assertEqual(glyph_runs(bare, font), [[None, None]])

    def test_the_fonts_are_named_as_what_is_embedded(self) -> None:
        for font_element, data in self.embedded().values():
            names = TTFont(BytesIO(data))["name"]
            self.assertEqual(font_element.get("FontName"), names.getDebugName(6))
            self.assertEqual(font_element.get("FamilyName"), names.getDebugName(1))
            self.assertNotIn(font_element.get("FontName"), ("宋体", "黑体"))
            self.assertRegex(font_element.get("FamilyName"), r"^[A-Z]{6}\+Noto (Serif|Sans) CJK SC")

    def test_the_glyph_drawn_from_the_file_alone_is_the_source_fonts(self) -> None:
        embedded = self.embedded()
        for char, obj in self.rare_objects().items():
            _, data = embedded[obj.get("Font")]
            (transform,) = transforms(obj)
            font = ImageFont.truetype(BytesIO(font_by_glyph_index(data)), PIXELS)

            drawn = glyph_image(font, chr(GLYPH_BASE + transform.glyphs[0]), PIXELS)

            self.assertEqual(drawn.getextrema()[0], 0, char)  # ink, not a blank
            self.assertLess(differing_share(drawn, source_glyph("song", char)), 0.02, char)
            self.assertGreater(differing_share(drawn, source_glyph("song", TWIN[char])), 0.1, char)


class SubsetGlyphTestCase(SimpleTestCase):
    def test_both_faces_hold_both_rare_characters_and_index_them(self) -> None:
        for key in fonts.FACES:
            subset = fonts.subset_font(key, "王𠮷𡈽堃")
            font = TTFont(BytesIO(subset.data))
            pil = ImageFont.truetype(BytesIO(font_by_glyph_index(subset.data)), PIXELS)
            for char in RARE:
                index = subset.glyph_index(char)
                self.assertEqual(font.getGlyphOrder()[index], font.getBestCmap()[ord(char)])
                drawn = glyph_image(pil, chr(GLYPH_BASE + index), PIXELS)
                self.assertLess(differing_share(drawn, source_glyph(key, char)), 0.02, (key, char))
                self.assertGreater(differing_share(drawn, source_glyph(key, TWIN[char])), 0.1, (key, char))

    def test_a_page_without_rare_characters_has_no_mapping(self) -> None:
        package = build_ofd(certificate_data(name="张伟"))
        page = etree.fromstring(package.files["Doc_0/Pages/Page_0/Content.xml"])

        self.assertEqual(list(page.iter(q("CGTransform"))), [])
