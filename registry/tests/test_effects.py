"""What each registration type does to the register when granted, through the whole approval
(受理 → 审查 → 准予许可 by the staff personas), and what it leaves when its ground vanished
between submission and decision. The registration a test starts from is built
(`registry.tests.builders`); the 初始注册 test walks the approval for it too."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from cases.models import Case, CaseAction, CaseStatus, NoticeKind
from cases.tests.helpers import OTHER_EMPLOYER_USCC, form_data_of, submitted_case_of
from catalog.registration_types import ChangeKind, RegistrationType
from certificates.models import Certificate, CertificateStatus
from lib.dates import add_years, validity_end
from lib.errors import ApplicationError
from portal.test import BaseTestCase
from registry.models import Person, Registration, RegistrationChange, RegistrationStatus
from registry.tests.builders import case_granted, registration_granted
from registry.tests.helpers import (
    case_grant,
    case_to_decision,
    granted_case_of,
    in_renewal_window,
    registered,
)
from review.services import case_approve


class EffectTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.today = timezone.localdate()

    def specialties(self, registration: Registration) -> dict[str, tuple[date, date]]:
        return {s.specialty: (s.valid_from, s.valid_to) for s in registration.specialties.all()}

    def assertOneChange(self, case, kind: ChangeKind) -> RegistrationChange:
        changes = RegistrationChange.objects.filter(case=case)
        self.assertEqual([c.kind for c in changes], [kind])
        self.assertEqual(case.status, CaseStatus.APPROVED)
        return changes[0]


class InitialTestCase(EffectTestCase):
    def test_it_registers_with_one_change_for_the_case(self):
        registration = registered(self, specialties=("10401001", "10401002"))
        end = validity_end(self.today, 3)
        self.assertEqual(registration.status, RegistrationStatus.VALID)
        self.assertEqual(
            self.specialties(registration), {"10401001": (self.today, end), "10401002": (self.today, end)}
        )
        self.assertOneChange(registration.created_by_case, ChangeKind.INITIAL)


class AdditionTestCase(EffectTestCase):
    def test_it_adds_the_specialty_valid_3_years(self):
        registration = registration_granted(self)
        before = self.specialties(registration)
        case = granted_case_of(self, RegistrationType.ADDITION, addition_specialties=["10401002", "10401010"])
        end = validity_end(self.today, 3)
        self.assertEqual(
            self.specialties(registration),
            {**before, "10401002": (self.today, end), "10401010": (self.today, end)},
        )
        change = self.assertOneChange(case, ChangeKind.ADDITION)
        self.assertEqual(change.registration, registration)
        self.assertEqual(change.data["added"], ["10401002", "10401010"])
        self.assertIn("增加专业公路工程、市政公用工程", change.summary)

    def test_a_specialty_that_expired_can_be_added_again(self):
        registration = registration_granted(self, specialties=("10401001", "10401002"))
        expired_on = self.today - timedelta(days=10)
        registration.specialties.filter(specialty="10401002").update(valid_to=expired_on)
        case = granted_case_of(self, RegistrationType.ADDITION, addition_specialties=["10401002"])
        end = validity_end(self.today, 3)
        self.assertEqual(self.specialties(registration)["10401002"], (self.today, end))
        change = self.assertOneChange(case, ChangeKind.ADDITION)
        self.assertEqual(
            change.data["expired_before"], [{"specialty": "10401002", "valid_to": expired_on.isoformat()}]
        )


class ReregisterTestCase(EffectTestCase):
    def reregister(self) -> Case:
        form = form_data_of(
            self,
            RegistrationType.REREGISTER,
            qualification_specialties=["10401001", "10401005"],
            specialties=["10401005"],
            employer_name="辽宁恒泰市政工程有限公司",
            employer_uscc=OTHER_EMPLOYER_USCC,
        )
        return submitted_case_of(self, RegistrationType.REREGISTER, form)

    def assertReregistered(self, registration: Registration, case) -> None:
        row = Registration.objects.get()
        self.assertEqual(
            (row.pk, row.number, row.person_id),
            (registration.pk, registration.number, registration.person_id),
        )
        self.assertEqual(Person.objects.filter(id_index=self.applicant.id_index).count(), 1)
        self.assertEqual(row.status, RegistrationStatus.VALID)
        self.assertEqual(
            (row.employer_name, row.employer_uscc), ("辽宁恒泰市政工程有限公司", OTHER_EMPLOYER_USCC)
        )
        self.assertEqual(self.specialties(row), {"10401005": (self.today, validity_end(self.today, 3))})
        change = self.assertOneChange(case, ChangeKind.REREGISTER)
        self.assertEqual(change.registration, row)

    def test_a_cancelled_registration_lives_again_under_the_same_number(self):
        registration = registration_granted(self)
        case_granted(self, RegistrationType.CANCEL)
        case = case_grant(self, self.reregister())
        self.assertReregistered(registration, case)

    def test_a_lapsed_registration_lives_again_under_the_same_number(self):
        registration = registration_granted(self, valid_to={"10401001": self.today - timedelta(days=1)})
        case = case_grant(self, self.reregister())
        self.assertReregistered(registration, case)
        self.assertEqual(change_kinds(registration), [ChangeKind.INITIAL, ChangeKind.REREGISTER])


class ChangeTestCase(EffectTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.registration = registration_granted(self, specialties=("10401001", "10401002"))
        # Met late in its life: a change must not restart any validity.
        self.registration.specialties.filter(specialty="10401002").update(
            valid_to=self.today + timedelta(days=200)
        )
        self.before = self.specialties(self.registration)

    def test_a_new_employer(self):
        case = granted_case_of(self, RegistrationType.CHANGE)
        self.registration.refresh_from_db()
        self.assertEqual(
            (self.registration.employer_name, self.registration.employer_uscc),
            ("辽宁恒泰市政工程有限公司", OTHER_EMPLOYER_USCC),
        )
        self.assertEqual(self.specialties(self.registration), self.before)
        change = self.assertOneChange(case, ChangeKind.CHANGE)
        self.assertEqual(
            change.data["before"],
            {"employer_name": "辽宁宏建建设集团有限公司", "employer_uscc": self.enterprise.enterprise.uscc},
        )
        self.assertIn("各专业有效期不变", change.summary)

    def test_a_new_employer_name(self):
        case = granted_case_of(
            self,
            RegistrationType.CHANGE,
            change_kind="employer_name",
            employer_name="辽宁宏建集团有限公司",
            employer_uscc=self.enterprise.enterprise.uscc,
        )
        self.registration.refresh_from_db()
        self.assertEqual(
            (self.registration.employer_name, self.registration.employer_uscc),
            ("辽宁宏建集团有限公司", self.enterprise.enterprise.uscc),
        )
        self.assertEqual(self.specialties(self.registration), self.before)
        self.assertEqual(self.assertOneChange(case, ChangeKind.CHANGE).data["change_kind"], "employer_name")

    def test_a_new_personal_name(self):
        case = granted_case_of(
            self,
            RegistrationType.CHANGE,
            change_kind="personal",
            employer_name="",
            employer_uscc="",
            left_previous="",
            new_name="张维",
            change_reason="户籍姓名变更",
        )
        self.registration.refresh_from_db()
        self.assertEqual(self.registration.person.name, "张维")
        self.assertEqual(self.registration.employer_uscc, self.enterprise.enterprise.uscc)
        self.assertEqual(self.specialties(self.registration), self.before)
        change = self.assertOneChange(case, ChangeKind.CHANGE)
        self.assertEqual((change.data["before"], change.data["after"]), ({"name": "张伟"}, {"name": "张维"}))


class CancelTestCase(EffectTestCase):
    def test_it_cancels_the_registration(self):
        registration = registration_granted(self)
        before = self.specialties(registration)
        case = granted_case_of(self, RegistrationType.CANCEL, cancel_ground="other", cancel_detail="出国定居")
        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.CANCELLED)
        self.assertEqual(self.specialties(registration), before)
        change = self.assertOneChange(case, ChangeKind.CANCEL)
        self.assertEqual(
            (change.data["before"], change.data["ground"], change.data["detail"]),
            ("valid", "other", "出国定居"),
        )


class RenewalTestCase(EffectTestCase):
    def test_it_moves_the_chosen_specialties_3_years_and_leaves_the_others(self):
        expiry = in_renewal_window(self.today)
        registration = registration_granted(
            self,
            specialties=("10401001", "10401002", "10401005"),
            valid_to={"10401001": expiry, "10401002": expiry},
        )
        before = self.specialties(registration)
        case = granted_case_of(self, RegistrationType.RENEWAL, renewal_specialties=["10401001"])
        after = self.specialties(registration)
        self.assertEqual(after["10401001"], (expiry + timedelta(days=1), add_years(expiry, 3)))
        self.assertEqual(after["10401002"], before["10401002"])
        self.assertEqual(after["10401005"], before["10401005"])
        change = self.assertOneChange(case, ChangeKind.RENEWAL)
        self.assertEqual(
            change.data["renewed"],
            [
                {
                    "specialty": "10401001",
                    "before": expiry.isoformat(),
                    "valid_to": add_years(expiry, 3).isoformat(),
                }
            ],
        )


class ReissueTestCase(EffectTestCase):
    def test_it_changes_nothing_in_the_register(self):
        registration = registration_granted(self)
        row_before = Registration.objects.values(
            "number", "status", "employer_name", "employer_uscc", "person__name", "issued_on"
        ).get()
        specialties_before = self.specialties(registration)
        case = granted_case_of(self, RegistrationType.REISSUE)
        self.assertEqual(
            Registration.objects.values(
                "number", "status", "employer_name", "employer_uscc", "person__name", "issued_on"
            ).get(),
            row_before,
        )
        self.assertEqual(self.specialties(registration), specialties_before)
        self.assertEqual(self.assertOneChange(case, ChangeKind.REISSUE).data, {"reason": "lost"})


def change_kinds(registration: Registration) -> list[str]:
    return list(RegistrationChange.objects.filter(registration=registration).values_list("kind", flat=True))


class VanishedGroundTestCase(EffectTestCase):
    """A decision is taken on the register as it is at the decision: when what the case needs
    is gone, 准予许可 is refused and nothing of it is written."""

    def assertNothingDecided(self, case, registration: Registration, kinds: list[str]) -> None:
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.DECIDING)
        self.assertIsNone(case.decided_at)
        self.assertFalse(case.events.filter(action=CaseAction.APPROVE).exists())
        self.assertFalse(case.notices.filter(kind=NoticeKind.APPROVAL).exists())
        self.assertFalse(RegistrationChange.objects.filter(case=case).exists())
        self.assertFalse(Certificate.objects.filter(case=case).exists())
        self.assertEqual(change_kinds(registration), kinds)

    def test_a_reissue_after_the_registration_was_cancelled(self):
        registration = registration_granted(self)
        # 遗失补办 is a matter of its own: it can be open while a 注销注册 is granted.
        reissue = case_to_decision(
            self,
            submitted_case_of(self, RegistrationType.REISSUE, form_data_of(self, RegistrationType.REISSUE)),
        )
        granted_case_of(self, RegistrationType.CANCEL)
        with self.assertRaises(ApplicationError) as raised:
            case_approve(case=reissue, actor=self.decider, opinion="准予补办")
        self.assertEqual(
            raised.exception.message,
            f"申请人的注册（注册编号{registration.number}）目前已注销，不能准予遗失补办。请核实后作出不予许可决定",
        )
        self.assertNothingDecided(reissue, registration, [ChangeKind.INITIAL, ChangeKind.CANCEL])
        self.assertEqual(Certificate.objects.get(registration=registration).status, CertificateStatus.REVOKED)

    def test_an_addition_after_the_registration_lapsed(self):
        registration = registration_granted(self)
        addition = case_to_decision(
            self,
            submitted_case_of(self, RegistrationType.ADDITION, form_data_of(self, RegistrationType.ADDITION)),
        )
        registration.specialties.update(valid_to=self.today - timedelta(days=1))
        with self.assertRaises(ApplicationError) as raised:
            case_approve(case=addition, actor=self.decider)
        self.assertIn("目前已失效，不能准予增项注册", raised.exception.message)
        self.assertNothingDecided(addition, registration, [ChangeKind.INITIAL])
        self.assertEqual(list(registration.specialties.values_list("specialty", flat=True)), ["10401001"])
        self.assertEqual(
            Certificate.objects.get(registration=registration, status=CertificateStatus.CURRENT).version, 1
        )
