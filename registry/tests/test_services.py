from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from cases.tests.helpers import QUALIFIED_ON, submitted_case
from catalog.registration_types import ChangeKind
from lib.dates import validity_end
from notifications.testing import frozen_now
from portal.test import BaseTestCase
from registry.models import RegisteredSpecialty, RegisterSettings, Registration, RegistrationChange
from registry.services import (
    RegistryError,
    registration_apply_effect,
    registration_number_next,
)


class NumberTestCase(BaseTestCase):
    def test_it_follows_the_default_format(self):
        number = registration_number_next(qualification_year=2020, registration_year=2026)
        self.assertEqual(number, "辽221202020260000" + "1")
        self.assertEqual(
            registration_number_next(qualification_year=2019, registration_year=2026)[-5:], "00002"
        )
        # A new first-registration year starts its own serial.
        self.assertEqual(
            registration_number_next(qualification_year=2019, registration_year=2027)[-5:], "00001"
        )

    def test_the_format_is_province_policy(self):
        RegisterSettings.objects.update_or_create(
            pk=1, defaults={"number_format": "LN-{registration_year}-{serial:06d}"}
        )
        self.assertEqual(
            registration_number_next(qualification_year=2020, registration_year=2026), "LN-2026-000001"
        )


class ValidityTestCase(BaseTestCase):
    def test_three_years_end_the_day_before_the_anniversary(self):
        self.assertEqual(validity_end(date(2026, 11, 24), 3), date(2029, 11, 23))
        # 民法典 Art. 202: no 29 February in 2031, so the month's last day.
        self.assertEqual(validity_end(date(2028, 2, 29), 3), date(2031, 2, 28))


class InitialEffectTestCase(BaseTestCase):
    def test_it_registers_the_person_with_the_case_as_cause(self):
        case = submitted_case(self)
        with transaction.atomic():
            registration = registration_apply_effect(case=case).registration
        self.assertEqual(registration.person.id_number, self.applicant.id_number)
        self.assertEqual(registration.person.sex, "男")
        self.assertEqual(registration.employer_uscc, self.enterprise.enterprise.uscc)
        self.assertEqual(registration.qualification_year, QUALIFIED_ON.year)
        self.assertRegex(registration.number, rf"^辽221{QUALIFIED_ON.year}\d{{4}}\d{{5}}$")
        specialty = RegisteredSpecialty.objects.get(registration=registration)
        self.assertEqual(specialty.specialty, "10401001")
        self.assertEqual(specialty.valid_to, validity_end(specialty.valid_from, 3))
        change = RegistrationChange.objects.get(registration=registration)
        self.assertEqual((change.kind, change.case), (ChangeKind.INITIAL, case))

    def test_someone_registered_cannot_be_registered_again(self):
        case = submitted_case(self)
        registration_apply_effect(case=case)
        with self.assertRaisesMessage(RegistryError, "已有注册记录"):
            registration_apply_effect(case=case)
        self.assertEqual(Registration.objects.count(), 1)


class LeapDayGrantTestCase(BaseTestCase):
    def test_a_grant_on_29_february_is_valid_until_28_february(self):
        case = submitted_case(self)
        with frozen_now(datetime(2028, 2, 29, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))), transaction.atomic():
            change = registration_apply_effect(case=case)
        specialty = RegisteredSpecialty.objects.get(registration=change.registration)
        # Three years from 29 February 2028: 2031 has no 29 February, so its month's last day
        # (民法典 Art. 202), not the 27th the register used to write.
        self.assertEqual((specialty.valid_from, specialty.valid_to), (date(2028, 2, 29), date(2031, 2, 28)))
        self.assertEqual(change.data["valid_to"], "2031-02-28")
        self.assertIn("有效期至2031年02月28日", change.summary)
