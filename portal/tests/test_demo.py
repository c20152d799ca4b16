from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from accounts.models import Enterprise, User
from accounts.realname import enterprise_identity_check, person_identity_check
from cases.models import Case, CaseStatus
from cases.types import eligibility_refusals
from catalog.models import ServiceItem
from catalog.registration_types import RegistrationType
from catalog.seed import seed_catalog
from certificates.models import Certificate
from lib.datacrypt import mobile_index
from portal.demo import APPLICANT_PASSWORD, STAFF_PASSWORD, demo_newcomers
from portal.test import id_index
from registry.models import Registration, RegistrationStatus


class SeedDemoTestCase(TestCase):
    # The demo walks four cases through the approval flow: made once for the class, each test
    # rolled back to it; what is seeded is what every test reads.
    printed: str

    @classmethod
    def setUpTestData(cls) -> None:
        seed_catalog()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        cls.printed = out.getvalue()

    def test_it_prints_working_logins_and_can_run_twice(self):
        call_command("seed_demo", stdout=StringIO())
        text = self.printed
        for role in (
            "申请人（个人",
            "申请人（法人",
            "受理人员",
            "审查人员",
            "审批人员",
            "科室负责人",
            "系统管理员",
            "安全管理员",
            "审计管理员",
        ):
            self.assertIn(role, text)
        self.assertTrue(User.objects.get(username="shouli").check_password(STAFF_PASSWORD))
        # 三员分立: one account a role, each administrator in the admin site, none a superuser.
        for username in ("admin", "anquan", "shenji"):
            self.assertIn(f"账号 {username}   密码", text)
            administrator = User.objects.get(username=username)
            self.assertEqual((administrator.is_staff, administrator.is_superuser), (True, False))
        # Staff finish their login with an SMS code, so each demo staff account has a mobile.
        self.assertIn("短信验证码见本窗口日志", text)
        self.assertEqual(
            set(User.objects.filter(kind="staff").values_list("mobile", flat=True)),
            {
                "13800138010",
                "13800138011",
                "13800138012",
                "13800138013",
                "13800138014",
                "13800138015",
                "13800138016",
            },
        )
        self.assertTrue(
            User.objects.get(mobile_index=mobile_index("13800138000"), kind="person").check_password(
                APPLICANT_PASSWORD
            )
        )
        # One complete application waits for 受理, made once however often the command runs.
        waiting = Case.objects.get(applicant__mobile_index=mobile_index("13800138002"))
        self.assertEqual(waiting.status, CaseStatus.PENDING)
        self.assertEqual(waiting.attachments.count(), 6)
        # And one holder whose registration was granted, with a certificate to 加注.
        granted = Case.objects.get(applicant__mobile_index=mobile_index("13800138003"))
        self.assertEqual(granted.status, CaseStatus.APPROVED)
        self.assertTrue(
            Certificate.objects.filter(registration__person__name="王强", status="current").exists()
        )

    def test_every_registration_type_can_be_tried_with_a_printed_login(self):
        today = timezone.localdate()
        items = {i.code: i for i in ServiceItem.objects.filter(matter__code__in=["ejjzs-zgrd", "ejjzs-ysbb"])}

        def open_types(mobile: str) -> set[str]:
            user = User.objects.get(mobile_index=mobile_index(mobile), kind="person")
            return {
                code
                for code, item in items.items()
                if not eligibility_refusals(item=item, user=user, today=today)
            }

        self.assertEqual(open_types("13800138000"), {RegistrationType.INITIAL})
        self.assertEqual(
            open_types("13800138003"),
            {
                RegistrationType.ADDITION,
                RegistrationType.CHANGE,
                RegistrationType.CANCEL,
                RegistrationType.REISSUE,
            },
        )
        self.assertEqual(
            open_types("13800138004"),
            {
                RegistrationType.ADDITION,
                RegistrationType.CHANGE,
                RegistrationType.CANCEL,
                RegistrationType.RENEWAL,
                RegistrationType.REISSUE,
            },
        )
        self.assertEqual(open_types("13800138005"), {RegistrationType.REREGISTER})
        cancelled = Registration.objects.get(person__name="孙丽")
        self.assertEqual(cancelled.status, RegistrationStatus.CANCELLED)
        self.assertFalse(Certificate.objects.filter(registration=cancelled, status="current").exists())

    def test_it_prints_free_identities_the_directory_confirms_for_a_newcomer(self):
        people, (company, uscc, legal) = demo_newcomers()
        for person in people:
            self.assertIn(person.id_number, self.printed)
            # Known to the directory, and nobody has registered with it yet.
            self.assertTrue(
                person_identity_check(name=person.name, id_type="resident", id_number=person.id_number).ok
            )
            self.assertFalse(User.objects.filter(id_index=id_index(person.id_number)).exists())
        self.assertIn(uscc, self.printed)
        self.assertTrue(enterprise_identity_check(uscc=uscc, name=company, legal_representative=legal).ok)
        self.assertFalse(Enterprise.objects.filter(uscc=uscc).exists())
        # The demo enterprise sees its people at once; the demo persons are verified.
        self.assertTrue(Enterprise.objects.get(user__mobile_index=mobile_index("13800138001")).is_verified)
        self.assertFalse(User.objects.filter(kind="person", real_name_verified_at__isnull=True).exists())
