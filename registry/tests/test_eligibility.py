"""Who may apply for which registration type, as the applicant is told before the form is
offered and again at 保存并提交 (`cases.types.eligibility_refusals`, with the register's
checks from `registry.eligibility`)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import IdType, Sex
from cases.models import CaseStatus
from cases.services import case_withdraw
from cases.tests.builders import case_build
from cases.tests.helpers import form_data_of, item_of, submitted_case_of
from cases.types import eligibility_refusals
from catalog.registration_types import RegistrationType
from lib.dates import add_years
from lib.errors import ApplicationError
from portal.test import BaseTestCase, document_holder_create, person_create
from registry.models import RegisterSettings, Registration, RegistrationStatus
from registry.tests.builders import case_granted, registration_granted

REGISTERED_TYPES = {
    RegistrationType.ADDITION: "增项注册",
    RegistrationType.CHANGE: "变更注册",
    RegistrationType.CANCEL: "注销注册",
    RegistrationType.RENEWAL: "延续注册",
    RegistrationType.REISSUE: "证书遗失补办",
}
ALL_TYPES = (RegistrationType.INITIAL, RegistrationType.REREGISTER, *REGISTERED_TYPES)


def no_valid_registration(name: str) -> str:
    return f"注册信息库中没有您的有效注册，不能申请{name}。请在“我的证照”或“注册人员查询”中核对注册信息"


class EligibilityTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.today = timezone.localdate()

    def refusals(self, code, *, user=None, today=None, form_data=None, case_pk=None) -> list[str]:
        return eligibility_refusals(
            item=item_of(code),
            user=user or self.applicant,
            today=today or self.today,
            form_data=form_data,
            case_pk=case_pk,
        )

    def lapse(self, registration: Registration) -> None:
        """Every specialty expired yesterday (time passed; the daily job has not run yet)."""
        registration.specialties.update(valid_to=self.today - timedelta(days=1))


class InitialTestCase(EligibilityTestCase):
    def test_it_allows_someone_never_registered(self):
        self.assertEqual(self.refusals(RegistrationType.INITIAL), [])

    def test_it_refuses_someone_registered(self):
        registration = registration_granted(self)
        self.assertEqual(
            self.refusals(RegistrationType.INITIAL),
            [f"您已是有效注册的二级建造师（注册编号{registration.number}），不能申请初始注册"],
        )

    def test_it_points_a_lapsed_registration_to_reregistration(self):
        registration = registration_granted(self)
        self.lapse(registration)
        self.assertEqual(
            self.refusals(RegistrationType.INITIAL),
            [f"您曾经注册（注册编号{registration.number}），目前注册已失效，请申请“重新注册”"],
        )

    def test_it_points_a_cancelled_registration_to_reregistration(self):
        registration = registration_granted(self)
        case_granted(self, RegistrationType.CANCEL)
        self.assertEqual(
            self.refusals(RegistrationType.INITIAL),
            [f"您曾经注册（注册编号{registration.number}），目前注册已注销，请申请“重新注册”"],
        )


class ReregisterTestCase(EligibilityTestCase):
    def test_it_refuses_someone_never_registered(self):
        self.assertEqual(
            self.refusals(RegistrationType.REREGISTER),
            ["注册信息库中没有您的注册记录，首次注册请申请“初始注册”"],
        )

    def test_it_refuses_a_valid_registration(self):
        registration = registration_granted(self)
        self.assertEqual(
            self.refusals(RegistrationType.REREGISTER),
            [f"您的注册（注册编号{registration.number}）仍然有效，不能申请重新注册"],
        )

    def test_it_refuses_while_one_specialty_is_still_valid(self):
        registration = registration_granted(self, specialties=("10401001", "10401002"))
        registration.specialties.filter(specialty="10401001").update(valid_to=self.today - timedelta(days=1))
        self.assertEqual(len(self.refusals(RegistrationType.REREGISTER)), 1)
        self.assertIn("仍然有效", self.refusals(RegistrationType.REREGISTER)[0])

    def test_it_allows_a_cancelled_registration(self):
        registration_granted(self)
        case_granted(self, RegistrationType.CANCEL)
        self.assertEqual(Registration.objects.get().status, RegistrationStatus.CANCELLED)
        self.assertEqual(self.refusals(RegistrationType.REREGISTER), [])

    def test_it_allows_when_every_specialty_expired(self):
        registration = registration_granted(self, specialties=("10401001", "10401002"))
        self.lapse(registration)
        self.assertEqual(self.refusals(RegistrationType.REREGISTER), [])
        # The day of the last expiry it is still valid.
        self.assertEqual(
            len(self.refusals(RegistrationType.REREGISTER, today=self.today - timedelta(days=1))), 1
        )


class NeedsValidRegistrationTestCase(EligibilityTestCase):
    def test_every_type_that_changes_a_registration_refuses_someone_never_registered(self):
        for code, name in REGISTERED_TYPES.items():
            with self.subTest(code):
                self.assertEqual(self.refusals(code), [no_valid_registration(name)])

    def test_they_refuse_a_cancelled_registration(self):
        registration_granted(self)
        case_granted(self, RegistrationType.CANCEL)
        for code, name in REGISTERED_TYPES.items():
            with self.subTest(code):
                self.assertEqual(self.refusals(code), [no_valid_registration(name)])

    def test_they_refuse_a_lapsed_registration(self):
        self.lapse(registration_granted(self))
        for code, name in REGISTERED_TYPES.items():
            with self.subTest(code):
                self.assertEqual(self.refusals(code), [no_valid_registration(name)])

    def test_they_allow_a_valid_registration(self):
        registration_granted(self)
        for code in (
            RegistrationType.ADDITION,
            RegistrationType.CHANGE,
            RegistrationType.CANCEL,
            RegistrationType.REISSUE,
        ):
            with self.subTest(code):
                self.assertEqual(self.refusals(code), [])

    def test_addition_is_refused_when_every_specialty_is_registered(self):
        registration_granted(
            self, specialties=("10401001", "10401002", "10401005", "10401007", "10401010", "10401012")
        )
        self.assertEqual(self.refusals(RegistrationType.ADDITION), ["您已注册全部专业，没有可以增项的专业"])


class RenewalWindowTestCase(EligibilityTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registration = registration_granted(self)

    def expiring_in(self, days: int) -> date:
        valid_to = self.today + timedelta(days=days)
        self.registration.specialties.update(valid_to=valid_to)
        return valid_to

    def test_it_opens_90_and_closes_30_days_before_expiry(self):
        for days, open_ in [(91, False), (90, True), (60, True), (30, True), (29, False)]:
            with self.subTest(days=days):
                valid_to = self.expiring_in(days)
                refusals = self.refusals(RegistrationType.RENEWAL)
                if open_:
                    self.assertEqual(refusals, [])
                else:
                    self.assertEqual(len(refusals), 1)
                    self.assertIn(
                        "延续注册须在注册有效期届满前90日至30日之间申请，目前没有可以延续的专业", refusals[0]
                    )
                    self.assertIn(f"建筑工程有效期至{valid_to:%Y年%m月%d日}", refusals[0])
                    opens, closes = valid_to - timedelta(days=90), valid_to - timedelta(days=30)
                    self.assertIn(f"可于{opens:%Y年%m月%d日}至{closes:%Y年%m月%d日}申请", refusals[0])

    def test_the_window_is_province_policy(self):
        RegisterSettings.objects.update_or_create(
            pk=1, defaults={"renewal_opens_days": 60, "renewal_closes_days": 10}
        )
        for days, open_ in [(90, False), (61, False), (60, True), (10, True), (9, False)]:
            with self.subTest(days=days):
                self.expiring_in(days)
                refusals = self.refusals(RegistrationType.RENEWAL)
                self.assertEqual(refusals == [], open_, refusals)
                if not open_:
                    self.assertIn("届满前60日至10日之间申请", refusals[0])

    def test_one_specialty_in_its_window_is_enough(self):
        registration = registration_granted(
            self, applicant=self.other_applicant, specialties=("10401001", "10401002")
        )
        registration.specialties.filter(specialty="10401002").update(valid_to=self.today + timedelta(days=60))
        self.assertEqual(self.refusals(RegistrationType.RENEWAL, user=self.other_applicant), [])

    def test_a_registration_that_expired_is_not_renewed(self):
        self.expiring_in(-1)
        self.assertEqual(self.refusals(RegistrationType.RENEWAL), [no_valid_registration("延续注册")])


class AgeLimitTestCase(EligibilityTestCase):
    """From 90 days before the 65th birthday nobody starts 初始/重新/延续/增项 or a change of
    employer; 注销, 遗失补办 and the other changes stay open."""

    def setUp(self) -> None:
        super().setUp()
        # Born so that they turn 65 in about 200 days: today they may still register, and the
        # checks are asked about the days around 90 days before that birthday.
        born = add_years(self.today + timedelta(days=200), -65)
        self.born = born
        self.birthday_65 = born.replace(year=born.year + 65)
        self.last_day_allowed = self.birthday_65 - timedelta(days=91)
        self.first_day_refused = self.birthday_65 - timedelta(days=90)
        first17 = f"210102{born:%Y%m%d}03"
        self.registered_senior = person_create(name="王志刚", first17=first17 + "1", mobile="13800000065")
        self.unregistered_senior = person_create(name="周桂兰", first17=first17 + "2", mobile="13800000066")
        self.registration = registration_granted(self, applicant=self.registered_senior)
        self.refused = (
            f"申请人将于{self.birthday_65:%Y年%m月%d日}年满65周岁，自年满65周岁前90日起不再受理此类注册申请"
        )

    def on(self, day: date, code: str, *, valid_to_in: int = 60, form_data=None) -> list[str]:
        """The refusals on `day` for the senior, their registration valid (and in its renewal
        window) then, or lapsed then for 重新注册, or no registration for 初始注册."""
        if code == RegistrationType.INITIAL:
            return self.refusals(code, user=self.unregistered_senior, today=day)
        offset = -1 if code == RegistrationType.REREGISTER else valid_to_in
        self.registration.specialties.update(valid_to=day + timedelta(days=offset))
        return self.refusals(code, user=self.registered_senior, today=day, form_data=form_data)

    def test_it_refuses_from_90_days_before_the_65th_birthday(self):
        for code in (
            RegistrationType.INITIAL,
            RegistrationType.REREGISTER,
            RegistrationType.RENEWAL,
            RegistrationType.ADDITION,
        ):
            with self.subTest(code):
                self.assertEqual(self.on(self.last_day_allowed, code), [])
                self.assertEqual(self.on(self.first_day_refused, code), [self.refused])
                self.assertEqual(self.on(self.birthday_65, code), [self.refused])

    def test_a_passport_holder_is_refused_by_the_birth_date_he_gave(self):
        # 李明哲's 护照 number says nothing of his age: the date he gave at 注册 does (ADR 0038).
        senior = document_holder_create(
            name="李明哲",
            id_type=IdType.PASSPORT,
            id_number="E87654321",
            mobile="13800000067",
            sex=Sex.MALE,
            birth_date=self.born,
        )
        code = RegistrationType.INITIAL
        self.assertEqual(self.refusals(code, user=senior, today=self.last_day_allowed), [])
        self.assertEqual(self.refusals(code, user=senior, today=self.first_day_refused), [self.refused])

    def test_a_change_is_refused_only_for_a_new_employer(self):
        employer = form_data_of(self, RegistrationType.CHANGE)
        self.assertEqual(self.on(self.last_day_allowed, RegistrationType.CHANGE, form_data=employer), [])
        self.assertEqual(
            self.on(self.first_day_refused, RegistrationType.CHANGE, form_data=employer), [self.refused]
        )
        for kind in ("personal", "employer_name"):
            with self.subTest(kind):
                form = form_data_of(self, RegistrationType.CHANGE, change_kind=kind)
                self.assertEqual(self.on(self.first_day_refused, RegistrationType.CHANGE, form_data=form), [])
        # Before the form is filled the kind is unknown: the form is offered.
        self.assertEqual(self.on(self.first_day_refused, RegistrationType.CHANGE), [])

    def test_cancellation_and_reissue_are_never_refused_for_age(self):
        for code in (RegistrationType.CANCEL, RegistrationType.REISSUE):
            with self.subTest(code):
                self.assertEqual(self.on(self.first_day_refused, code), [])
                self.assertEqual(self.on(self.birthday_65 + timedelta(days=400), code, valid_to_in=500), [])

    def test_the_younger_applicant_is_not_refused(self):
        # 张伟 (born 1990) on the senior's first refused day.
        self.assertEqual(self.refusals(RegistrationType.INITIAL, today=self.first_day_refused), [])


class OpenCaseTestCase(EligibilityTestCase):
    def setUp(self) -> None:
        super().setUp()
        registration_granted(self)
        self.addition = case_build(self, RegistrationType.ADDITION, status=CaseStatus.PENDING)

    def open_case_refusal(self) -> str:
        return (
            f"您已有一件正在办理的“增项注册”申请（办件编号{self.addition.number}），"
            "办结或撤回后才能再申请本事项，请在“我的办件”中查看进度"
        )

    def test_an_open_case_blocks_a_second_application_of_the_matter(self):
        for code in (RegistrationType.ADDITION, RegistrationType.CHANGE, RegistrationType.CANCEL):
            with self.subTest(code):
                self.assertEqual(self.refusals(code), [self.open_case_refusal()])

    def test_the_case_being_submitted_does_not_count_against_itself(self):
        self.assertEqual(self.refusals(RegistrationType.ADDITION, case_pk=self.addition.pk), [])

    def test_the_second_submission_is_refused_and_stays_a_draft(self):
        with self.assertRaises(ApplicationError) as raised:
            submitted_case_of(self, RegistrationType.CHANGE, form_data_of(self, RegistrationType.CHANGE))
        self.assertIn(self.open_case_refusal(), raised.exception.message)
        self.assertEqual(
            list(
                self.applicant.cases.filter(item__code=RegistrationType.CHANGE).values_list(
                    "status", flat=True
                )
            ),
            [CaseStatus.DRAFT],
        )

    def test_another_matter_is_not_blocked(self):
        self.assertEqual(self.refusals(RegistrationType.REISSUE), [])

    def test_another_persons_case_does_not_count(self):
        registration_granted(self, applicant=self.other_applicant)
        self.assertEqual(self.refusals(RegistrationType.CHANGE, user=self.other_applicant), [])

    def test_a_withdrawn_case_no_longer_blocks(self):
        case_withdraw(case=self.addition, user=self.applicant, reason="填写有误")
        self.assertEqual(self.refusals(RegistrationType.CHANGE), [])


class NonPersonTestCase(EligibilityTestCase):
    def test_an_enterprise_or_staff_account_is_refused_for_every_type(self):
        for user in (self.enterprise, self.decider):
            for code in ALL_TYPES:
                with self.subTest(user=user.name, code=code):
                    self.assertEqual(
                        self.refusals(code, user=user),
                        ["只有个人用户可以申请二级建造师注册，请使用个人账号登录"],
                    )
