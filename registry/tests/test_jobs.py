from __future__ import annotations

from datetime import date, timedelta
from unittest.mock import patch

from accounts.models import User
from catalog.registration_types import ChangeKind
from notifications.models import InboxMessage, SmsMessage
from notifications.testing import pending_tasks
from portal.test import BaseTestCase, make_id_number
from registry.jobs import LAPSE_SUMMARY, expiry_reminders_send, registrations_lapse
from registry.models import (
    ExpiryReminder,
    RegisteredSpecialty,
    RegisterSettings,
    Registration,
    RegistrationChange,
    RegistrationStatus,
)
from registry.tests.builders import registration_granted

VALID_TO = date(2029, 11, 23)
BUILDING, MUNICIPAL = "10401001", "10401010"


def days_before(days: int) -> date:
    return VALID_TO - timedelta(days=days)


def registered(
    testcase: BaseTestCase,
    *,
    applicant: User | None = None,
    specialties: dict[str, date] | None = None,
) -> Registration:
    """A registration granted through a case, its specialties then moved to the given
    expiry dates (default: 建筑工程 until VALID_TO)."""
    specialties = specialties or {BUILDING: VALID_TO}
    return registration_granted(
        testcase, applicant=applicant, specialties=tuple(sorted(specialties)), valid_to=specialties
    )


def expiry_sms() -> list[SmsMessage]:
    return list(SmsMessage.objects.filter(template="specialty_expiring").order_by("pk"))


class ExpiryRemindersTestCase(BaseTestCase):
    def test_it_reminds_the_holder_90_days_before_expiry(self):
        registration = registered(self)
        tasks_before = len(pending_tasks(task_path="notifications.tasks.deliver_sms"))

        self.assertEqual(expiry_reminders_send(today=days_before(90)), 1)

        reminder = ExpiryReminder.objects.get()
        self.assertEqual((reminder.valid_to, reminder.days_before), (VALID_TO, 90))
        self.assertEqual(reminder.specialty.registration, registration)
        [sms] = expiry_sms()
        self.assertEqual((sms.mobile, sms.user), ("13800000001", self.applicant))
        self.assertIn(f"注册编号{registration.number}", sms.text)
        self.assertIn("建筑工程专业的注册有效期至2029年11月23日", sms.text)
        self.assertIn("延续注册在有效期届满前90日至30日内（2029年08月25日至2029年10月24日）受理", sms.text)
        self.assertIn("辽宁政务服务网", sms.text)
        self.assertEqual(len(pending_tasks(task_path="notifications.tasks.deliver_sms")), tasks_before + 1)
        inbox = InboxMessage.objects.get(user=self.applicant, title="注册有效期即将届满")
        self.assertIn(registration.number, inbox.body)
        self.assertIn("请于2029年10月24日前申请延续注册", inbox.body)
        self.assertEqual(inbox.link, "/catalog/matters/ejjzs-zgrd/")

    def test_each_threshold_sends_once(self):
        registered(self)

        sent_on = []
        for days in range(100, -1, -1):
            for _ in range(2):  # a second run the same day, as on a second host
                if expiry_reminders_send(today=days_before(days)):
                    sent_on.append(days)

        self.assertEqual(sent_on, [90, 60, 30])
        self.assertEqual(sorted(ExpiryReminder.objects.values_list("days_before", flat=True)), [30, 60, 90])
        self.assertEqual(len(expiry_sms()), 3)

    def test_a_job_that_missed_days_sends_the_nearest_threshold_only(self):
        registered(self)

        # Down from 100 days to 45 days before expiry: the 90-day reminder is past.
        self.assertEqual(expiry_reminders_send(today=days_before(45)), 1)
        self.assertEqual(expiry_reminders_send(today=days_before(44)), 0)
        # Down again until 20 days before: only the 30-day one, whose window has closed.
        self.assertEqual(expiry_reminders_send(today=days_before(20)), 1)

        self.assertEqual(sorted(ExpiryReminder.objects.values_list("days_before", flat=True)), [30, 60])
        first, second = expiry_sms()
        self.assertIn("请及时登录辽宁政务服务网申请延续注册", first.text)
        self.assertIn("受理期限已过，有效期届满后注册失效", second.text)

    def test_expired_specialties_get_nothing(self):
        registered(self, specialties={BUILDING: VALID_TO})

        self.assertEqual(expiry_reminders_send(today=VALID_TO + timedelta(days=1)), 0)

        self.assertFalse(ExpiryReminder.objects.exists())
        self.assertEqual(expiry_sms(), [])

    def test_cancelled_and_lapsed_registrations_get_nothing(self):
        cancelled = registered(self)
        lapsed = registered(self, applicant=self.other_applicant)
        Registration.objects.filter(pk=cancelled.pk).update(status=RegistrationStatus.CANCELLED)
        Registration.objects.filter(pk=lapsed.pk).update(status=RegistrationStatus.LAPSED)

        self.assertEqual(expiry_reminders_send(today=days_before(90)), 0)

        self.assertFalse(ExpiryReminder.objects.exists())
        self.assertEqual(expiry_sms(), [])
        self.assertFalse(InboxMessage.objects.filter(title="注册有效期即将届满").exists())

    def test_one_sms_per_person_lists_the_specialties(self):
        registration = registered(self, specialties={BUILDING: VALID_TO, MUNICIPAL: VALID_TO})
        registered(self, applicant=self.other_applicant)

        self.assertEqual(expiry_reminders_send(today=days_before(60)), 2)

        self.assertEqual(ExpiryReminder.objects.filter(specialty__registration=registration).count(), 2)
        zhang, li = expiry_sms()
        self.assertEqual((zhang.mobile, li.mobile), ("13800000001", "13900000002"))
        self.assertIn("建筑工程、市政公用工程专业的注册有效期至2029年11月23日", zhang.text)

    def test_a_renewed_expiry_date_starts_a_fresh_set(self):
        registration = registered(self)
        self.assertEqual(expiry_reminders_send(today=days_before(30)), 1)

        # 延续注册 granted: three more years.
        renewed = VALID_TO.replace(year=2032)
        RegisteredSpecialty.objects.filter(registration=registration).update(valid_to=renewed)

        self.assertEqual(expiry_reminders_send(today=renewed - timedelta(days=90)), 1)
        self.assertIn("2032年11月23日", expiry_sms()[-1].text)

    def test_the_thresholds_are_province_policy(self):
        RegisterSettings.objects.update_or_create(pk=1, defaults={"reminder_days": "45， 15, x"})
        registered(self)

        self.assertEqual(expiry_reminders_send(today=days_before(60)), 0)
        self.assertEqual(expiry_reminders_send(today=days_before(45)), 1)
        self.assertEqual(expiry_reminders_send(today=days_before(15)), 1)

        self.assertEqual(sorted(ExpiryReminder.objects.values_list("days_before", flat=True)), [15, 45])

    def test_a_holder_without_an_account_gets_the_sms_at_the_registered_mobile(self):
        registration = registered(self)
        # A person registered before the portal had accounts: no user with this ID number.
        registration.person.id_number = make_id_number("21010419700101003")
        registration.person.mobile = "13600000009"
        registration.person.save()

        self.assertEqual(expiry_reminders_send(today=days_before(90)), 1)

        [sms] = expiry_sms()
        self.assertEqual((sms.mobile, sms.user), ("13600000009", None))
        self.assertFalse(InboxMessage.objects.filter(title="注册有效期即将届满").exists())

    def test_a_reminder_is_recorded_only_with_its_message(self):
        registered(self)

        with (
            patch("registry.jobs.sms_enqueue", side_effect=RuntimeError("task table gone")),
            self.assertRaises(RuntimeError),
        ):
            expiry_reminders_send(today=days_before(90))

        # Rolled back together: the next run tries again.
        self.assertFalse(ExpiryReminder.objects.exists())
        self.assertEqual(expiry_reminders_send(today=days_before(90)), 1)


class RegistrationsLapseTestCase(BaseTestCase):
    def test_it_lapses_a_registration_whose_specialties_all_expired(self):
        registration = registered(
            self, specialties={BUILDING: VALID_TO, MUNICIPAL: VALID_TO - timedelta(days=40)}
        )

        self.assertEqual(registrations_lapse(today=VALID_TO + timedelta(days=1)), 1)

        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.LAPSED)
        change = RegistrationChange.objects.get(registration=registration, kind=ChangeKind.LAPSE)
        self.assertEqual((change.case, change.summary), (None, LAPSE_SUMMARY))
        self.assertEqual(change.data, {"valid_to": "2029-11-23", "specialties": [BUILDING, MUNICIPAL]})

        # Again, the same day or later: nothing more.
        self.assertEqual(registrations_lapse(today=VALID_TO + timedelta(days=1)), 0)
        self.assertEqual(registrations_lapse(today=VALID_TO + timedelta(days=2)), 0)
        self.assertEqual(RegistrationChange.objects.filter(kind=ChangeKind.LAPSE).count(), 1)

    def test_the_last_valid_day_is_still_valid(self):
        registration = registered(self)

        self.assertEqual(registrations_lapse(today=VALID_TO), 0)

        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.VALID)

    def test_a_partly_valid_registration_stays_valid(self):
        registration = registered(
            self, specialties={BUILDING: VALID_TO - timedelta(days=10), MUNICIPAL: VALID_TO}
        )

        self.assertEqual(registrations_lapse(today=VALID_TO - timedelta(days=5)), 0)

        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.VALID)
        self.assertFalse(RegistrationChange.objects.filter(kind=ChangeKind.LAPSE).exists())

    def test_a_cancelled_registration_stays_cancelled(self):
        registration = registered(self)
        Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.CANCELLED)

        self.assertEqual(registrations_lapse(today=VALID_TO + timedelta(days=1)), 0)

        registration.refresh_from_db()
        self.assertEqual(registration.status, RegistrationStatus.CANCELLED)
        self.assertFalse(RegistrationChange.objects.filter(kind=ChangeKind.LAPSE).exists())
