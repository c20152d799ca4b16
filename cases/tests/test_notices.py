"""The wording of each notice and of each register history summary, rendered from its
template (`templates/cases/notices/`) with a fixed context: what the issued documents say."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.template import TemplateSyntaxError
from django.test import SimpleTestCase, override_settings

from cases.models import NoticeKind
from cases.notices import change_summary, change_template, notice_template, notice_text
from catalog.registration_types import ChangeKind

NAMES = {"matter": "二级注册建造师执业资格认定", "item": "初始注册"}
TEMPLATES = Path(settings.BASE_DIR) / "templates"


class NoticeTextTestCase(SimpleTestCase):
    def test_it_words_the_acceptance(self):
        body = notice_text(
            NoticeKind.ACCEPTANCE,
            **NAMES,
            submitted_at=date(2026, 3, 5),
            promised_days=10,
            legal_days=20,
            decision_due=date(2026, 3, 19),
        )
        self.assertEqual(
            body,
            {
                "paragraphs": [
                    "你（单位）于2026年03月05日提出的二级注册建造师执业资格认定（初始注册）申请，"
                    "申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条的规定，决定予以受理。",
                    "本机关将在受理之日起10个工作日内作出决定（法定时限20个工作日），预计于2026年03月19日前办结。",
                ]
            },
        )

    def test_the_acceptance_dates_a_morning_submission_by_the_shanghai_calendar(self):
        # 07:30 on 5 March in Shenyang is 23:30 on 4 March in UTC.
        body = notice_text(
            NoticeKind.ACCEPTANCE,
            **NAMES,
            submitted_at=datetime(2026, 3, 4, 23, 30, tzinfo=UTC),
            promised_days=10,
            legal_days=20,
            decision_due=date(2026, 3, 19),
        )
        self.assertTrue(body["paragraphs"][0].startswith("你（单位）于2026年03月05日提出的"), body)

    def test_it_words_the_correction_with_a_closing_paragraph_after_the_items(self):
        self.assertEqual(
            notice_text(NoticeKind.CORRECTION, **NAMES),
            {
                "paragraphs": [
                    "你（单位）提出的二级注册建造师执业资格认定（初始注册）申请，经审查，申请材料不齐全或者不符合法定形式。"
                    "根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知需要补正的全部内容如下：",
                ],
                "closing_paragraphs": [
                    "请登录辽宁政务服务网，在“我的办件”中补正上述材料后重新提交。补正材料期间不计入办理时限。",
                ],
            },
        )

    def test_it_words_the_false_pledge_notice_with_the_right_to_be_heard(self):
        body = notice_text(
            NoticeKind.FALSE_PLEDGE,
            **NAMES,
            granted_on=date(2026, 3, 20),
            registration_number="辽221202020260000001",
            statement_due=date(2026, 6, 8),
            phone="024-23447766",
        )
        self.assertEqual(
            body,
            {
                "paragraphs": [
                    "你（单位）在二级注册建造师执业资格认定（初始注册）申请中，就下列材料作出告知承诺，"
                    "我厅已于2026年03月20日准予许可（注册编号：辽221202020260000001）。"
                    "根据《国务院办公厅关于全面推行证明事项告知承诺制的指导意见》（国办发〔2020〕42号）的规定，"
                    "我厅对承诺内容进行了核查，发现承诺内容与实际情况不符，情况如下：",
                ],
                "closing_paragraphs": [
                    "根据《中华人民共和国行政许可法》第六十九条第二款的规定，被许可人以欺骗等不正当手段取得行政许可的，"
                    "应当予以撤销。我厅拟依法撤销你的上述注册。",
                    "你有权进行陈述和申辩。请于2026年06月08日前，登录辽宁政务服务网在“我的办件”中查看本告知书，"
                    "并向我厅书面提出陈述、申辩意见及相关证明材料（咨询电话：024-23447766）。"
                    "逾期未提出的，视为放弃陈述和申辩的权利。",
                ],
            },
        )

    def test_it_words_the_rejection(self):
        self.assertEqual(
            notice_text(NoticeKind.REJECTION, **NAMES, reason="申请人不具备二级建造师资格"),
            {
                "paragraphs": [
                    "你（单位）提出的二级注册建造师执业资格认定（初始注册）申请，经审查，决定不予受理。",
                    "理由：申请人不具备二级建造师资格",
                ]
            },
        )

    def test_it_words_the_approval_with_a_new_certificate(self):
        self.assertEqual(
            notice_text(
                NoticeKind.APPROVAL,
                **NAMES,
                summary="初始注册，注册编号辽2212025202600001，注册专业建筑工程，有效期至2029年03月04日",
                registration_number="辽2212025202600001",
                employer_name="辽宁宏建建设集团有限公司",
                certificate_issued=True,
            ),
            {
                "paragraphs": [
                    "你（单位）提出的二级注册建造师执业资格认定（初始注册）申请，经审查，符合法定条件和标准，"
                    "根据《中华人民共和国行政许可法》第三十八条和《注册建造师管理规定》的规定，决定准予行政许可。",
                    "初始注册，注册编号辽2212025202600001，注册专业建筑工程，有效期至2029年03月04日。",
                    "注册编号：辽2212025202600001；聘用企业：辽宁宏建建设集团有限公司。",
                    "电子注册证书可登录辽宁政务服务网，在“我的办件”中查看详情，通过“公示附件”“加注”下载。",
                ]
            },
        )

    def test_an_approved_cancellation_voids_the_certificate(self):
        body = notice_text(
            NoticeKind.APPROVAL,
            matter="二级注册建造师执业资格认定",
            item="注销注册",
            summary="注销注册，注册编号辽2212025202600001",
            registration_number="辽2212025202600001",
            employer_name="辽宁宏建建设集团有限公司",
            certificate_issued=False,
        )
        self.assertEqual(
            body["paragraphs"][1:],
            [
                "注销注册，注册编号辽2212025202600001。",
                "注册编号：辽2212025202600001；聘用企业：辽宁宏建建设集团有限公司。",
                "原注册证书自即日起作废。",
            ],
        )

    def test_it_words_the_denial(self):
        self.assertEqual(
            notice_text(NoticeKind.DENIAL, **NAMES, reason="劳动合同与聘用企业不一致"),
            {
                "paragraphs": [
                    "你（单位）提出的二级注册建造师执业资格认定（初始注册）申请，经审查，不符合法定条件和标准，"
                    "根据《中华人民共和国行政许可法》第三十八条的规定，决定不予行政许可。",
                    "理由：劳动合同与聘用企业不一致",
                ]
            },
        )

    def test_a_reason_of_several_lines_stays_one_paragraph_with_its_line_breaks(self):
        reason = "一、劳动合同已过期；\n\n二、社保证明单位与聘用企业不一致。\r\n  （请核实）"
        for kind in (NoticeKind.REJECTION, NoticeKind.DENIAL):
            with self.subTest(kind=kind):
                paragraphs = notice_text(kind, **NAMES, reason=reason)["paragraphs"]
                self.assertEqual(len(paragraphs), 2)
                self.assertEqual(paragraphs[1], "理由：" + reason)

    def test_values_are_plain_text_not_escaped(self):
        # The PDF escapes the paragraphs when it prints them; escaping here would print "&amp;".
        body = notice_text(NoticeKind.REJECTION, **NAMES, reason="A&B <公司>")
        self.assertEqual(body["paragraphs"][1], "理由：A&B <公司>")

    def test_every_notice_has_its_template(self):
        # The 材料接收告知单's wording is rendered when it is printed (nothing stored), so the
        # PDF and the sealed OFD print the same words (cases.documents.receipt_context).
        worded = {kind for kind in NoticeKind if (TEMPLATES / notice_template(kind)).is_file()}
        self.assertEqual(worded, set(NoticeKind))


class ChangeSummaryTestCase(SimpleTestCase):
    def test_it_summarises_each_granted_type(self):
        number = "辽2212025202600001"
        cases: list[tuple[ChangeKind, dict[str, object], str]] = [
            (
                ChangeKind.INITIAL,
                {
                    "registration_number": number,
                    "specialties": "建筑工程、公路工程",
                    "valid_to": date(2029, 3, 4),
                },
                "初始注册，注册编号辽2212025202600001，注册专业建筑工程、公路工程，有效期至2029年03月04日",
            ),
            (
                ChangeKind.REREGISTER,
                {"registration_number": number, "specialties": "水利水电工程", "valid_to": date(2029, 3, 4)},
                "重新注册，注册编号辽2212025202600001，注册专业水利水电工程，有效期至2029年03月04日",
            ),
            (
                ChangeKind.ADDITION,
                {"specialties": "公路工程、市政公用工程", "valid_to": date(2029, 3, 4)},
                "增项注册，增加专业公路工程、市政公用工程，有效期至2029年03月04日",
            ),
            (
                ChangeKind.CHANGE,
                {
                    "label": "执业企业变更",
                    "employer_before": "辽宁宏建建设集团有限公司",
                    "employer_after": "辽宁恒泰市政工程有限公司",
                },
                "变更注册（执业企业变更），聘用企业由辽宁宏建建设集团有限公司变更为辽宁恒泰市政工程有限公司，各专业有效期不变",
            ),
            (
                ChangeKind.CHANGE,
                {"label": "个人信息变更", "name_before": "张伟", "name_after": "张维"},
                "变更注册（个人信息变更），姓名由张伟变更为张维，各专业有效期不变",
            ),
            (
                ChangeKind.CANCEL,
                {"registration_number": number},
                "注销注册，注册编号辽2212025202600001",
            ),
            (
                ChangeKind.RENEWAL,
                {
                    "specialties": [
                        {"name": "建筑工程", "valid_to": date(2030, 1, 31)},
                        {"name": "公路工程", "valid_to": date(2030, 2, 28)},
                    ]
                },
                "延续注册，建筑工程有效期延续至2030年01月31日；公路工程有效期延续至2030年02月28日",
            ),
            (
                ChangeKind.REISSUE,
                {"reason": "污损", "registration_number": number},
                "注册证书污损补办，注册编号辽2212025202600001",
            ),
        ]
        for kind, context, expected in cases:
            with self.subTest(kind=kind, context=context):
                self.assertEqual(change_summary(kind, **context), expected)

    def test_every_granted_type_has_its_summary_template(self):
        # The daily job's 失效 has a fixed sentence (registry.jobs.LAPSE_SUMMARY) and no case.
        worded = {kind for kind in ChangeKind if (TEMPLATES / change_template(kind)).is_file()}
        self.assertEqual(worded, set(ChangeKind) - {ChangeKind.LAPSE})


def _templates(**sources: str) -> override_settings:
    return override_settings(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", sources)]},
            }
        ]
    )


class ParagraphTagTestCase(SimpleTestCase):
    def test_line_breaks_of_the_template_are_layout_and_a_blank_paragraph_is_left_out(self):
        source = (
            "{% load notice_tags %}\n{% paragraph %}\n  第一段{{ a }}，\n  接着写。 \n{% endparagraph %}\n"
            "{% paragraph %}{% if b %}第二段{% endif %}{% endparagraph %}\n"
            "{% paragraph closing %}\n最后一段\n{% endparagraph %}\n"
        )
        with _templates(**{notice_template(NoticeKind.ACCEPTANCE): source}):
            self.assertEqual(
                notice_text(NoticeKind.ACCEPTANCE, a="甲\n乙", b=False),
                {"paragraphs": ["第一段甲\n乙，接着写。"], "closing_paragraphs": ["最后一段"]},
            )

    def test_text_outside_a_paragraph_is_refused(self):
        source = "{% load notice_tags %}{% paragraph %}第一段{% endparagraph %}忘了标段落的文字"
        with (
            _templates(**{notice_template(NoticeKind.ACCEPTANCE): source}),
            self.assertRaisesMessage(ValueError, "text outside"),
        ):
            notice_text(NoticeKind.ACCEPTANCE)

    def test_an_unknown_section_is_refused(self):
        source = "{% load notice_tags %}{% paragraph footer %}x{% endparagraph %}"
        with (
            _templates(**{notice_template(NoticeKind.ACCEPTANCE): source}),
            self.assertRaises(TemplateSyntaxError),
        ):
            notice_text(NoticeKind.ACCEPTANCE)

    def test_a_summary_is_one_paragraph(self):
        source = (
            "{% load notice_tags %}{% paragraph %}一{% endparagraph %}{% paragraph %}二{% endparagraph %}"
        )
        with (
            _templates(**{change_template(ChangeKind.CANCEL): source}),
            self.assertRaisesMessage(ValueError, "one paragraph, not 2"),
        ):
            change_summary(ChangeKind.CANCEL)
