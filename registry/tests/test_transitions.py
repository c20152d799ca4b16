"""The table of a registration's status changes (`registry/transitions.py`), the one rule
for its status on a day, and `registry.services.registration_transition`, the only writer
of `Registration.status`. Rows are built directly: the approval flow is not the subject."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from cases.models import Case
from catalog.models import ServiceItem
from portal.test import BaseTestCase
from registry.models import (
    Person,
    RegisteredSpecialty,
    Registration,
    RegistrationAction,
    RegistrationStatus,
)
from registry.services import RegistryError, registration_transition
from registry.transitions import TRANSITIONS, actions_on, registration_status_on, transition_find

S, A = RegistrationStatus, RegistrationAction
TODAY = date(2026, 3, 2)
LAST_DAY = date(2026, 3, 1)  # a specialty that ended yesterday
NUMBER = "辽2212020202500001"


def registration_make(
    testcase: BaseTestCase, *, status: str, valid_to: tuple[date, ...] = (date(2028, 5, 31),)
) -> Registration:
    """张伟's registration, stored with `status`, with a specialty ending on each `valid_to`."""
    item = ServiceItem.objects.order_by("pk").first()
    assert item is not None
    applicant = testcase.applicant
    case = Case.objects.create(
        applicant=applicant,
        applicant_name=applicant.name,
        department=item.matter.department,
        matter=item.matter,
        item=item,
    )
    person = Person.objects.create(
        id_number=applicant.id_number, name=applicant.name, sex="男", birth_date=date(1985, 6, 1)
    )
    registration = Registration.objects.create(
        person=person,
        number=NUMBER,
        status=status,
        qualification_number="LN2020000001",
        qualification_year=2020,
        employer_name="辽宁宏建建设集团有限公司",
        employer_uscc="91210100MA0TEST001",
        first_registered_on=date(2025, 6, 1),
        issued_on=date(2025, 6, 1),
        created_by_case=case,
    )
    for code, end in zip(("10401001", "10401002"), valid_to, strict=False):
        RegisteredSpecialty.objects.create(
            registration=registration, specialty=code, valid_from=date(2025, 6, 1), valid_to=end
        )
    return registration


def registration_in(testcase: BaseTestCase, status: RegistrationStatus) -> Registration:
    """A registration whose status on TODAY is `status`; a lapse is not yet written down."""
    if status == S.LAPSED:
        return registration_make(testcase, status=S.VALID, valid_to=(LAST_DAY,))
    return registration_make(testcase, status=status)


def move(registration: Registration, action: RegistrationAction) -> RegistrationStatus:
    with transaction.atomic():
        return registration_transition(registration=registration, action=action, today=TODAY)


class RegistrationTransitionTestCase(BaseTestCase):
    def test_every_transition_of_the_table_works(self):
        for t in TRANSITIONS:
            with self.subTest(source=t.source, action=t.action), transaction.atomic():
                registration = registration_in(self, t.source)

                self.assertEqual(move(registration, t.action), t.source)

                self.assertEqual(Registration.objects.get().status, t.target)
                transaction.set_rollback(True)

    def test_a_change_not_in_the_table_is_refused_and_nothing_is_written(self):
        allowed = {(t.source, t.action) for t in TRANSITIONS}
        forbidden = [(s, a) for s in S for a in A if (s, a) not in allowed]
        self.assertEqual(
            forbidden,
            [
                (S.VALID, A.LAPSE),
                (S.VALID, A.REVIVE),
                (S.CANCELLED, A.LAPSE),
                (S.CANCELLED, A.DEREGISTER),
                (S.CANCELLED, A.FORCE_CANCEL),
                # 撤销 is final (ADR 27): nothing moves a revoked registration.
                *((S.REVOKED, action) for action in A),
            ],
        )
        for status, action in forbidden:
            with self.subTest(status=status, action=action), transaction.atomic():
                registration = registration_in(self, status)

                with self.assertRaisesMessage(
                    RegistryError,
                    f"申请人的注册（注册编号{NUMBER}）当前状态为“{status.label}”，不能{action.label}",
                ):
                    move(registration, action)

                self.assertEqual(Registration.objects.get().status, status)
                transaction.set_rollback(True)

    def test_a_lapse_is_written_down_once(self):
        registration = registration_in(self, S.LAPSED)
        move(registration, A.LAPSE)
        self.assertEqual(Registration.objects.get().status, S.LAPSED)

        self.assertIsNone(transition_find(registration=registration, action=A.LAPSE, today=TODAY))
        with self.assertRaisesMessage(RegistryError, "当前状态为“失效”，不能记录失效"):
            move(registration, A.LAPSE)

    def test_the_actions_on_a_day_follow_the_table(self):
        registration = registration_make(self, status=S.VALID, valid_to=(LAST_DAY,))
        self.assertEqual(
            actions_on(registration=registration, today=LAST_DAY), [A.DEREGISTER, A.REVOKE, A.FORCE_CANCEL]
        )
        self.assertEqual(
            actions_on(registration=registration, today=TODAY),
            [A.LAPSE, A.DEREGISTER, A.REVIVE, A.REVOKE, A.FORCE_CANCEL],
        )


class StatusOnTestCase(BaseTestCase):
    def test_a_registration_lapses_the_day_after_its_last_specialty_ends(self):
        registration = registration_make(self, status=S.VALID, valid_to=(LAST_DAY, date(2026, 3, 20)))

        self.assertEqual(registration_status_on(registration, date(2026, 3, 20)), S.VALID)
        self.assertEqual(registration_status_on(registration, date(2026, 3, 21)), S.LAPSED)
        # The model's method reads the same rule; nothing is written by reading.
        self.assertEqual(registration.status_on(date(2026, 3, 21)), S.LAPSED)
        self.assertEqual(Registration.objects.get().status, S.VALID)

    def test_a_registration_without_specialties_keeps_its_stored_status(self):
        registration = registration_make(self, status=S.VALID, valid_to=())
        self.assertEqual(registration_status_on(registration, TODAY), S.VALID)

    def test_a_cancelled_registration_stays_cancelled_whatever_its_dates(self):
        registration = registration_make(self, status=S.CANCELLED, valid_to=(LAST_DAY,))
        self.assertEqual(registration_status_on(registration, TODAY), S.CANCELLED)
