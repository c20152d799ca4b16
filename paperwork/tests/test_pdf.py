from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from paperwork.documents import (
    NOTICE_TITLES,
    REMEDIES_SENTENCE,
    ApplicationFormContext,
    NoticeContext,
    NoticeKind,
    ReceiptContext,
    application_form_pdf,
    notice_pdf,
    receipt_pdf,
)
from paperwork.pdf import pdf_response_headers, render_pdf

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEPARTMENT = "辽宁省住房和城乡建设厅"
A4 = (595.28, 841.89)


def photo_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (295, 413), (220, 235, 255)).save(buffer, "PNG")
    return buffer.getvalue()


def application_form(**overrides) -> ApplicationFormContext:
    context = ApplicationFormContext(
        title="二级注册建造师初始注册申请表",
        department=DEPARTMENT,
        case_number="LN2026030200012",
        item_name="初始注册",
        submit_method="网上提交",
        sections=[
            {
                "title": "申请人基本信息",
                "rows": [
                    ["姓名", "王堃"],
                    ["性别", "男"],
                    ["出生日期", "1988-05-12"],
                    ["民族", "汉族"],
                    ["证件类型", "居民身份证"],
                    ["证件号码", "210102198805121234"],
                    ["手机号码", "13800000001"],
                    ["电子邮箱", "wangkun@example.com"],
                    ["通讯地址", "辽宁省沈阳市和平区南京北街 100 号 3 单元 502 室"],
                    ["学历", "本科"],
                    ["所学专业", "土木工程"],
                    ["毕业院校", "沈阳建筑大学"],
                ],
            },
            {
                "title": "资格信息",
                "rows": [
                    ["资格证书编号", "LN21202000123"],
                    ["资格取得时间", "2020-12-01"],
                    ["签发单位", "辽宁省人力资源和社会保障厅"],
                    ["职称", "工程师"],
                ],
            },
            {
                "title": "聘用企业信息",
                "rows": [
                    ["企业名称", "辽宁某某建设工程集团有限公司"],
                    ["统一社会信用代码", "91210100MA0XXXXX1A"],
                    ["联系人", "李四"],
                    ["联系电话", "024-12345678"],
                ],
            },
        ],
        specialties=[
            {"name": "建筑工程", "code": "10401001"},
            {"name": "市政公用工程", "code": "10401005"},
        ],
        photo_png=None,
        printed_at=datetime(2026, 3, 2, 10, 15, tzinfo=SHANGHAI),
    )
    context.update(overrides)  # type: ignore[typeddict-item]
    return context


def receipt(**overrides) -> ReceiptContext:
    context = ReceiptContext(
        department=DEPARTMENT,
        case_number="LN2026030200012",
        matter_name="二级注册建造师执业资格认定",
        item_name="初始注册",
        applicant_name="王堃",
        applicant_id_masked="2101**********1234",
        submitted_at=datetime(2026, 3, 2, 10, 15, tzinfo=SHANGHAI),
        materials=[
            {"name": "申请人本人白底1寸照片", "files": 1},
            {"name": "申请人本人手写签名", "files": 1},
            {"name": "二级注册建造师初始注册申请表（签字盖章）", "files": 2},
            {"name": "劳动合同", "files": 3},
        ],
        promised_days=15,
        legal_days=20,
        accept_days=5,
        follow_up="登录辽宁政务服务网，进入个人中心“我的办件”查看办理进度",
        phone="024-83988821",
        document_number="辽建许收〔2026〕6号",
        paragraphs=[
            "王堃：您于 2026年3月2日 10:15 通过辽宁政务服务网提交的申请材料已收到。",
            "本机关将在收到申请材料之日起 5 个工作日内作出是否受理的决定。",
            "办理进度查询：登录辽宁政务服务网，进入个人中心“我的办件”查看办理进度。",
            "咨询电话：024-83988821",
        ],
        closing_paragraphs=["本告知单仅表示已收到上述材料，不表示申请已被受理。"],
    )
    context.update(overrides)  # type: ignore[typeddict-item]
    return context


def notice(kind: NoticeKind = "acceptance", **overrides) -> NoticeContext:
    context = NoticeContext(
        kind=kind,
        title=NOTICE_TITLES[kind],
        document_number="辽建许受〔2026〕123号",
        department=DEPARTMENT,
        recipient_name="王堃",
        case_number="LN2026030200012",
        matter_name="二级注册建造师执业资格认定",
        item_name="初始注册",
        issued_on=date(2026, 3, 4),
        paragraphs=[
            "你于2026年3月2日提交的二级注册建造师初始注册申请，经审查，符合法定条件，本机关决定予以受理。"
        ],
        items=[],
        remedies=False,
    )
    context.update(overrides)  # type: ignore[typeddict-item]
    return context


def text_of(pdf: bytes) -> str:
    """All text of the PDF with whitespace removed: table cells and wrapped lines put line
    breaks and spaces anywhere."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def fonts_of(resources: Any) -> list[Any]:
    """Fonts used by a page or form XObject, looking into nested form XObjects too."""
    fonts = [font.get_object() for font in resources.get("/Font", DictionaryObject()).values()]
    for xobject in resources.get("/XObject", DictionaryObject()).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            fonts += fonts_of(xobject["/Resources"].get_object())
    return fonts


def images_of(pdf: bytes) -> int:
    reader = PdfReader(io.BytesIO(pdf))
    return sum(len(page.images) for page in reader.pages)


class PdfTestCase(SimpleTestCase):
    def assertIsA4Pdf(self, pdf: bytes, max_pages: int = 2) -> PdfReader:
        self.assertTrue(pdf.startswith(b"%PDF-"))
        reader = PdfReader(io.BytesIO(pdf))
        self.assertGreaterEqual(len(reader.pages), 1)
        self.assertLessEqual(len(reader.pages), max_pages)
        for page in reader.pages:
            self.assertAlmostEqual(float(page.mediabox.width), A4[0], delta=1)
            self.assertAlmostEqual(float(page.mediabox.height), A4[1], delta=1)
        return reader

    def assertFontsEmbedded(self, pdf: bytes) -> None:
        reader = PdfReader(io.BytesIO(pdf))
        seen = 0
        for page in reader.pages:
            for font in fonts_of(page["/Resources"].get_object()):
                if font["/Subtype"] == "/Type0":
                    descendants = [d.get_object() for d in font["/DescendantFonts"]]
                else:
                    descendants = [font]
                for descendant in descendants:
                    descriptor = descendant["/FontDescriptor"].get_object()
                    self.assertTrue(
                        {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()),
                        f"{descendant.get('/BaseFont')} is not embedded",
                    )
                    seen += 1
        self.assertGreater(seen, 0)

    def assertInText(self, needles: list[str], text: str) -> None:
        for needle in needles:
            self.assertIn(re.sub(r"\s+", "", needle), text)


class ApplicationFormTestCase(PdfTestCase):
    typical: bytes

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        # The typical form, rendered once for the tests that only read it.
        cls.typical = application_form_pdf(application_form())

    def test_it_renders_every_field_on_a4(self):
        pdf = self.typical

        self.assertIsA4Pdf(pdf, max_pages=2)
        text = text_of(pdf)
        self.assertInText(
            [
                "二级注册建造师初始注册申请表",
                "办件编号：LN2026030200012",
                "办理项：初始注册",
                "提交方式：网上提交",
                "申请人基本信息",
                "王堃",
                "210102198805121234",
                "wangkun@example.com",
                "辽宁省沈阳市和平区南京北街100号3单元502室",
                "辽宁某某建设工程集团有限公司",
                "91210100MA0XXXXX1A",
                "建筑工程",
                "10401001",
                "市政公用工程",
                "10401005",
                "打印时间：2026年3月2日10:15",
            ],
            text,
        )

    def test_it_has_the_signature_and_seal_areas(self):
        text = text_of(self.typical)

        self.assertInText(
            [
                "申请人（签字）",
                "负责人（签字）",
                "企业公章",
                "本表打印后由申请人、企业负责人签字并加盖企业公章，扫描后上传",
            ],
            text,
        )

    def test_it_fits_a_typical_form_on_one_page(self):
        # The signature areas on the same page as the data they vouch for.
        pdf = self.typical

        self.assertEqual(len(self.assertIsA4Pdf(pdf).pages), 1)
        self.assertIn("第1页共1页", text_of(pdf))

    def test_it_says_the_case_number_comes_after_submission(self):
        text = text_of(application_form_pdf(application_form(case_number="")))

        self.assertIn("办件编号：（提交后生成）", text)

    def test_it_embeds_the_photo(self):
        pdf = application_form_pdf(application_form(photo_png=photo_png()))

        self.assertIsA4Pdf(pdf)
        self.assertEqual(images_of(pdf), 1)
        self.assertNotIn("照片", text_of(pdf))

    def test_it_leaves_an_empty_photo_box_without_photo(self):
        pdf = application_form_pdf(application_form(photo_png=None))

        self.assertEqual(images_of(pdf), 0)
        self.assertIn("照片", text_of(pdf))

    def test_it_ignores_photo_bytes_that_are_no_image(self):
        pdf = application_form_pdf(application_form(photo_png=b"<svg onload=alert(1)>"))

        self.assertEqual(images_of(pdf), 0)
        self.assertIn("照片", text_of(pdf))

    def test_it_breaks_a_long_form_onto_a_second_page_with_numbers(self):
        rows = [[f"字段{n}", f"内容{n}"] for n in range(60)]
        pdf = application_form_pdf(application_form(sections=[{"title": "申请人基本信息", "rows": rows}]))

        reader = self.assertIsA4Pdf(pdf, max_pages=3)
        self.assertEqual(len(reader.pages), 2)
        text = text_of(pdf)
        self.assertIn("第1页共2页", text)
        self.assertIn("第2页共2页", text)
        self.assertIn("内容59", text)
        self.assertIn("负责人（签字）", text)

    def test_it_embeds_its_fonts(self):
        self.assertFontsEmbedded(application_form_pdf(application_form(photo_png=photo_png())))


class ReceiptTestCase(PdfTestCase):
    def test_it_renders_the_receipt(self):
        pdf = receipt_pdf(receipt())

        self.assertIsA4Pdf(pdf, max_pages=1)
        self.assertInText(
            [
                "材料接收告知单",
                DEPARTMENT,
                "LN2026030200012",
                "二级注册建造师执业资格认定",
                "初始注册",
                "王堃",
                "2101**********1234",
                "2026年3月2日10:15",
                "申请人本人白底1寸照片",
                "申请人本人手写签名",
                "二级注册建造师初始注册申请表（签字盖章）",
                "劳动合同",
                "15个工作日（法定时限20个工作日）",
                "5个工作日内作出是否受理的决定",
                "登录辽宁政务服务网，进入个人中心“我的办件”查看办理进度",
                "024-83988821",
                "本告知单仅表示已收到上述材料，不表示申请已被受理。",
            ],
            text_of(pdf),
        )

    def test_it_prints_its_document_number(self):
        # Issue 15: the number was on the web page only. Under the title and in the header.
        text = text_of(receipt_pdf(receipt()))

        self.assertEqual(text.count("辽建许收〔2026〕6号"), 2)

    def test_it_embeds_its_fonts(self):
        self.assertFontsEmbedded(receipt_pdf(receipt()))


class NoticeTestCase(PdfTestCase):
    def test_it_renders_every_kind(self):
        for kind, title in NOTICE_TITLES.items():
            with self.subTest(kind=kind):
                pdf = notice_pdf(notice(kind, title=title))

                self.assertIsA4Pdf(pdf, max_pages=1)
                self.assertInText(
                    [
                        title,
                        "辽建许受〔2026〕123号",
                        "王堃：",
                        "LN2026030200012",
                        "二级注册建造师执业资格认定",
                        "本机关决定予以受理",
                        DEPARTMENT,
                        "2026年3月4日",
                    ],
                    text_of(pdf),
                )

    def test_it_lists_every_material_to_correct_with_its_reason(self):
        items = [
            {"name": "申请人本人手写签名", "reason": "字迹不清晰，请用黑色签字笔在白纸上书写后拍照上传"},
            {"name": "劳动合同", "reason": "未上传"},
            {"name": "二级注册建造师初始注册申请表（签字盖章）", "reason": "缺少企业公章"},
            {"name": "学历证书", "reason": "证书所载姓名与身份证件不一致"},
        ]
        pdf = notice_pdf(
            notice(
                "correction",
                document_number="辽建许补〔2026〕7号",
                paragraphs=["经审查，申请材料不齐全、不符合法定形式，现一次性告知需要补正的全部内容如下："],
                items=items,
                closing_paragraphs=["请登录辽宁政务服务网，在“我的办件”中补正上述材料后重新提交。"],
            )
        )

        text = text_of(pdf)
        self.assertInText(["一次性补正告知书", "辽建许补〔2026〕7号", "需要补正的内容及理由"], text)
        for item in items:
            self.assertIn(item["name"] + item["reason"], text)
        # The closing paragraph comes after the table it refers to.
        self.assertLess(text.index("学历证书"), text.index("补正上述材料后重新提交"))
        self.assertNotIn(re.sub(r"\s+", "", REMEDIES_SENTENCE), text)

    def test_it_states_the_remedies_when_asked(self):
        pdf = notice_pdf(notice("denial", paragraphs=["经审查，申请人不符合注册条件。"], remedies=True))

        text = text_of(pdf)
        self.assertIn("如不服本决定，可在收到本决定书之日起六十日内依法向辽宁省人民政府申请行政复议", text)
        self.assertIn("或者在六个月内依法向人民法院提起行政诉讼", text)

    def test_it_leaves_the_remedies_out_otherwise(self):
        text = text_of(notice_pdf(notice("approval", remedies=False)))

        self.assertNotIn("行政复议", text)
        self.assertNotIn("行政诉讼", text)

    def test_it_embeds_its_fonts(self):
        self.assertFontsEmbedded(notice_pdf(notice("rejection", remedies=True)))


class RenderingTestCase(PdfTestCase):
    def test_it_renders_rare_characters_in_names(self):
        pdf = receipt_pdf(receipt(applicant_name="王堃"))

        self.assertIn("王堃", text_of(pdf))

    def test_it_renders_characters_beyond_the_basic_plane(self):
        # U+20BB7, outside the BMP: Noto CJK covers it; the PDF must carry it through.
        pdf = notice_pdf(notice(recipient_name="𠮷田堃"))

        self.assertIn("𠮷田堃：", text_of(pdf))
        self.assertFontsEmbedded(pdf)

    def test_it_escapes_html_in_values(self):
        pdf = notice_pdf(
            notice(recipient_name="<b>x</b>", paragraphs=['<img src="file:///etc/passwd">&amp;'])
        )

        text = text_of(pdf)
        self.assertIn("<b>x</b>：", text)
        self.assertIn('<imgsrc="file:///etc/passwd">&amp;', text)
        self.assertEqual(images_of(pdf), 0)

    def test_it_escapes_html_in_form_rows(self):
        form = application_form(sections=[{"title": "<i>基本</i>", "rows": [["<u>姓名</u>", "<b>x</b>"]]}])

        text = text_of(application_form_pdf(form))

        self.assertIn("<i>基本</i>", text)
        self.assertIn("<u>姓名</u><b>x</b>", text)

    def test_it_refuses_an_unknown_template(self):
        with self.assertRaises(ValueError):
            render_pdf(template="../base", context={})

    def test_it_heads_every_page_with_the_department(self):
        text = text_of(receipt_pdf(receipt()))

        # Once in the page header, once in the 落款.
        self.assertGreaterEqual(text.count(DEPARTMENT), 2)
        self.assertIn("第1页共1页", text)


class ResponseHeadersTestCase(SimpleTestCase):
    def test_it_encodes_a_chinese_file_name_per_rfc_5987(self):
        headers = pdf_response_headers("材料接收告知单-LN2026030200012.pdf")

        self.assertEqual(headers["Content-Type"], "application/pdf")
        self.assertEqual(
            headers["Content-Disposition"],
            "attachment; filename*=utf-8''"
            "%E6%9D%90%E6%96%99%E6%8E%A5%E6%94%B6%E5%91%8A%E7%9F%A5%E5%8D%95-LN2026030200012.pdf",
        )

    def test_it_quotes_an_ascii_file_name(self):
        headers = pdf_response_headers('receipt "1".pdf', inline=True)

        self.assertEqual(headers["Content-Disposition"], 'inline; filename="receipt \\"1\\".pdf"')

    def test_it_adds_the_extension(self):
        headers = pdf_response_headers("申请表")

        self.assertTrue(headers["Content-Disposition"].endswith("%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf"))

    def test_it_keeps_paths_and_line_breaks_out(self):
        headers = pdf_response_headers("../../etc/申请表\r\nX-Evil: 1.pdf")

        value = headers["Content-Disposition"]
        self.assertNotIn("\n", value)
        self.assertNotIn("\r", value)
        self.assertNotIn("/", value.split("''", 1)[1])
        self.assertIn(".._.._etc_", value)

    def test_it_names_a_nameless_file(self):
        self.assertEqual(
            pdf_response_headers("")["Content-Disposition"], 'attachment; filename="document.pdf"'
        )
