"""The answers each registration type's form checks against the register's record of the
applicant (`record=`, from `cases.register.register_record`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cases.forms import AdditionForm, CancelForm, ChangeForm, ReissueForm, RenewalForm
from cases.models import CaseStatus
from cases.register import register_record_for
from cases.tests.helpers import OTHER_EMPLOYER_USCC, form_data_of, submitted_case_of
from catalog.registration_types import RegistrationType
from lib.errors import ApplicationError
from portal.test import BaseTestCase
from registry.models import RegisterSettings
from registry.tests.builders import registration_granted


class RegisteredFormTestCase(BaseTestCase):
    """张伟 registered in 建筑工程 with 辽宁宏建建设集团有限公司."""

    specialties: tuple[str, ...] = ("10401001",)

    def setUp(self) -> None:
        self.today = timezone.localdate()
        self.registration = registration_granted(self, specialties=self.specialties)
        self.record = register_record_for(self.applicant)

    def form(self, form_class, code: RegistrationType, **changes):
        return form_class(data=form_data_of(self, code, **changes), record=self.record)


class AdditionFormTestCase(RegisteredFormTestCase):
    def test_it_takes_a_specialty_not_registered(self):
        form = self.form(
            AdditionForm, RegistrationType.ADDITION, addition_specialties=["10401002", "10401005"]
        )
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["addition_specialties"], ["10401002", "10401005"])

    def test_it_refuses_a_registered_specialty(self):
        form = self.form(
            AdditionForm, RegistrationType.ADDITION, addition_specialties=["10401001", "10401002"]
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["addition_specialties"], ["建筑工程已是您的注册专业，不能申请增项"])

    def test_submission_names_the_field_and_the_case_stays_a_draft(self):
        with self.assertRaises(ApplicationError) as raised:
            submitted_case_of(
                self,
                RegistrationType.ADDITION,
                form_data_of(self, RegistrationType.ADDITION, addition_specialties=["10401001"]),
            )
        self.assertIn("申请表中以下内容需要填写或更正：增项专业", raised.exception.message)
        self.assertEqual(
            self.applicant.cases.get(item__code=RegistrationType.ADDITION).status, CaseStatus.DRAFT
        )


class RenewalFormTestCase(RegisteredFormTestCase):
    specialties = ("10401001", "10401002")

    def setUp(self) -> None:
        super().setUp()
        self.in_window = self.today + timedelta(days=60)
        self.too_early = self.today + timedelta(days=120)
        self.registration.specialties.filter(specialty="10401001").update(valid_to=self.in_window)
        self.registration.specialties.filter(specialty="10401002").update(valid_to=self.too_early)
        self.record = register_record_for(self.applicant)

    def test_it_takes_a_specialty_in_its_window(self):
        form = self.form(RenewalForm, RegistrationType.RENEWAL, renewal_specialties=["10401001"])
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["renewal_specialties"], ["10401001"])

    def test_it_offers_the_registered_specialties_with_their_expiry(self):
        form = self.form(RenewalForm, RegistrationType.RENEWAL)
        self.assertEqual(
            list(form.fields["renewal_specialties"].choices),
            [
                ("10401001", f"建筑工程（有效期至{self.in_window:%Y-%m-%d}）"),
                ("10401002", f"公路工程（有效期至{self.too_early:%Y-%m-%d}）"),
            ],
        )

    def test_it_refuses_a_specialty_outside_its_window(self):
        form = self.form(RenewalForm, RegistrationType.RENEWAL, renewal_specialties=["10401001", "10401002"])
        self.assertFalse(form.is_valid())
        opens, closes = self.too_early - timedelta(days=90), self.too_early - timedelta(days=30)
        self.assertEqual(
            form.errors["renewal_specialties"],
            [
                f"公路工程有效期至{self.too_early:%Y年%m月%d日}，"
                f"须在{opens:%Y年%m月%d日}至{closes:%Y年%m月%d日}之间申请延续注册"
            ],
        )

    def test_the_window_follows_the_register_settings(self):
        RegisterSettings.objects.update_or_create(
            pk=1, defaults={"renewal_opens_days": 150, "renewal_closes_days": 100}
        )
        self.record = register_record_for(self.applicant)
        self.assertTrue(
            self.form(RenewalForm, RegistrationType.RENEWAL, renewal_specialties=["10401002"]).is_valid()
        )
        form = self.form(RenewalForm, RegistrationType.RENEWAL, renewal_specialties=["10401001"])
        self.assertFalse(form.is_valid())
        self.assertIn("之间申请延续注册", form.errors["renewal_specialties"][0])

    def test_it_refuses_a_specialty_not_registered(self):
        form = self.form(RenewalForm, RegistrationType.RENEWAL, renewal_specialties=["10401005"])
        self.assertFalse(form.is_valid())
        self.assertIn("10401005", form.errors["renewal_specialties"][0])
        # Without a record every specialty is offered, and each is refused by name.
        form = RenewalForm(
            data=form_data_of(self, RegistrationType.RENEWAL, renewal_specialties=["10401005"]), record=None
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["renewal_specialties"], ["水利水电工程不是您的注册专业"])

    def test_it_needs_the_continuing_education_hours(self):
        form = self.form(RenewalForm, RegistrationType.RENEWAL, continuing_education_hours="")
        self.assertFalse(form.is_valid())
        self.assertIn("continuing_education_hours", form.errors)


class ChangeFormTestCase(RegisteredFormTestCase):
    def test_a_new_employer_is_taken(self):
        form = self.form(ChangeForm, RegistrationType.CHANGE)
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["employer_uscc"], OTHER_EMPLOYER_USCC)
        self.assertIs(form.cleaned_data["left_previous"], True)

    def test_a_new_employer_must_be_another_enterprise(self):
        form = self.form(ChangeForm, RegistrationType.CHANGE, employer_uscc=self.enterprise.enterprise.uscc)
        self.assertFalse(form.is_valid())
        self.assertEqual(
            form.errors["employer_uscc"], ["新聘用企业与当前聘用企业相同；企业更名请选择“企业名称变更”"]
        )

    def test_a_new_employer_needs_the_old_labour_relation_ended(self):
        form = self.form(ChangeForm, RegistrationType.CHANGE, left_previous="")
        self.assertFalse(form.is_valid())
        self.assertEqual(
            form.errors["left_previous"],
            ["变更执业企业须已与原聘用企业解除劳动关系（一人只能受聘于一个企业）"],
        )

    def test_a_new_employer_needs_its_name_code_and_contact(self):
        form = self.form(
            ChangeForm, RegistrationType.CHANGE, employer_name="", employer_uscc="", employer_phone=""
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["employer_name"], ["请填写变更后的聘用企业信息"])
        self.assertEqual(form.errors["employer_uscc"], ["请填写变更后的聘用企业信息"])
        self.assertEqual(form.errors["employer_phone"], ["执业企业变更须填写新聘用企业的联系人和联系电话"])

    def test_an_employer_name_change_keeps_the_code_and_changes_the_name(self):
        same = self.enterprise.enterprise.uscc
        form = self.form(
            ChangeForm,
            RegistrationType.CHANGE,
            change_kind="employer_name",
            employer_uscc=same,
            employer_name="辽宁宏建集团有限公司",
        )
        self.assertTrue(form.is_valid(), form.errors)

        form = self.form(
            ChangeForm,
            RegistrationType.CHANGE,
            change_kind="employer_name",
            employer_uscc=OTHER_EMPLOYER_USCC,
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(
            form.errors["employer_uscc"],
            ["企业名称变更时统一社会信用代码应与当前聘用企业一致；更换企业请选择“执业企业变更”"],
        )

        form = self.form(
            ChangeForm,
            RegistrationType.CHANGE,
            change_kind="employer_name",
            employer_uscc=same,
            employer_name="辽宁宏建建设集团有限公司",
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["employer_name"], ["变更后的企业名称与当前名称相同"])

    def test_a_personal_change_needs_a_new_name_and_a_reason(self):
        personal = {"change_kind": "personal", "employer_name": "", "employer_uscc": "", "left_previous": ""}
        form = self.form(
            ChangeForm, RegistrationType.CHANGE, **personal, new_name="张维", change_reason="户籍姓名变更"
        )
        self.assertTrue(form.is_valid(), form.errors)

        form = self.form(ChangeForm, RegistrationType.CHANGE, **personal)
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["new_name"], ["请填写变更后的姓名"])
        self.assertEqual(form.errors["change_reason"], ["请说明个人信息变更的原因"])

        form = self.form(
            ChangeForm, RegistrationType.CHANGE, **personal, new_name="张伟", change_reason="户籍姓名变更"
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["new_name"], ["变更后的姓名与注册信息中的姓名相同"])


class CancelFormTestCase(RegisteredFormTestCase):
    def test_a_ground_from_the_list_needs_no_detail(self):
        self.assertTrue(
            self.form(CancelForm, RegistrationType.CANCEL, cancel_ground="contract_ended").is_valid()
        )

    def test_other_needs_the_detail(self):
        form = self.form(CancelForm, RegistrationType.CANCEL, cancel_ground="other", cancel_detail="  ")
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["cancel_detail"], ["注销事由为“其他”时，请说明具体事由"])
        self.assertTrue(
            self.form(
                CancelForm, RegistrationType.CANCEL, cancel_ground="other", cancel_detail="出国定居"
            ).is_valid()
        )

    def test_it_needs_a_ground(self):
        form = self.form(CancelForm, RegistrationType.CANCEL, cancel_ground="")
        self.assertFalse(form.is_valid())
        self.assertIn("cancel_ground", form.errors)


class ReissueFormTestCase(RegisteredFormTestCase):
    def test_it_takes_the_applicants_own_number_and_extracts_the_record(self):
        form = self.form(ReissueForm, RegistrationType.REISSUE)
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.extracted(), self.record)
        self.assertEqual(form.derived_data()["extracted"]["number"], self.registration.number)

    def test_it_refuses_someone_elses_number(self):
        registration_granted(self, applicant=self.other_applicant)
        form = self.form(ReissueForm, RegistrationType.REISSUE, id_number=self.other_applicant.id_number)
        self.assertFalse(form.is_valid())
        self.assertEqual(
            form.errors["id_number"], ["只能提取本人的注册信息：请输入您本人的身份证号并点击“提取信息”"]
        )
        self.assertIsNone(form.extracted())
        self.assertEqual(form.derived_data(), {})

    def test_it_refuses_a_statement_dated_in_the_future(self):
        tomorrow = self.today + timedelta(days=1)
        form = self.form(ReissueForm, RegistrationType.REISSUE, statement_date=tomorrow.isoformat())
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["statement_date"], ["遗失声明刊登日期不能晚于今天"])


class NameFieldsTestCase(RegisteredFormTestCase):
    def test_it_refuses_markup_in_a_new_name_and_control_characters_in_the_reason(self):
        form = self.form(
            ChangeForm,
            RegistrationType.CHANGE,
            change_kind="personal",
            new_name="张<伟>",
            change_reason="改名\x1b",
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(
            form.errors["new_name"], ['变更后姓名不能包含 < > & " ` \\ 等符号，请按证件上的名称填写']
        )
        self.assertEqual(
            form.errors["change_reason"], ["变更原因中含有控制字符或不可见的方向控制字符，请删除后重新输入"]
        )

    def test_it_lets_a_reason_quote_markup(self):
        form = self.form(
            ChangeForm,
            RegistrationType.CHANGE,
            change_kind="personal",
            new_name="张维",
            change_reason="身份证<更正>",
        )
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["change_reason"], "身份证<更正>")
