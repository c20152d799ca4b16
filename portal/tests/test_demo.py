from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from accounts.models import Enterprise, User
from accounts.realname import enterprise_identity_check, person_identity_check
from bulletins.models import Bulletin, BulletinStatus
from cases.models import Case, CaseStatus
from cases.types import eligibility_refusals
from catalog.models import ServiceItem
from catalog.registration_types import ChangeKind, ProceedingKind, RegistrationType
from catalog.seed import seed_catalog
from certificates.models import Certificate
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from portal.demo import APPLICANT_PASSWORD, STAFF_PASSWORD, demo_newcomers
from portal.test import id_index
from registry.models import Registration, RegistrationStatus
from revocation.models import Ground, Proceeding
from revocation.selectors import proceeding_list_for_staff


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

    def test_it_publishes_the_granted_decisions_once(self):
        # The 注册公告 (ADR 26): one batch by the demo's 科室负责人 with every decision granted
        # above (王强's, 赵刚's and 孙丽's 初始注册 and 孙丽's 注销), masked; a second run adds none.
        call_command("seed_demo", stdout=StringIO())

        bulletin = Bulletin.objects.get()
        self.assertEqual(bulletin.status, BulletinStatus.PUBLISHED)
        self.assertEqual(bulletin.published_by, User.objects.get(username="kezhang"))
        kinds = sorted(bulletin.entries.values_list("kind", flat=True))
        self.assertEqual(kinds, sorted([ChangeKind.INITIAL] * 3 + [ChangeKind.CANCEL]))
        self.assertEqual(
            set(bulletin.entries.values_list("holder_name_masked", flat=True)), {"王*", "赵*", "孙*"}
        )

    def test_it_starts_one_forced_cancellation_in_its_statement_period(self):
        # 强制注销 (ADR 27) on a holder of her own, once however often the command runs: on the
        # workbench's 撤销与注销 list and in her 我的办件, still registered until decided.
        call_command("seed_demo", stdout=StringIO())

        holder = User.objects.get(mobile_index=mobile_index("13800138008"), kind="person")
        self.assertIn("13800138008", self.printed)
        proceeding = Proceeding.objects.get()
        self.assertEqual(
            (proceeding.kind, proceeding.ground, proceeding.case.status, proceeding.case.applicant),
            (ProceedingKind.FORCED_CANCEL, Ground.CONTRACT_ENDED, CaseStatus.STATEMENT, holder),
        )
        self.assertEqual(proceeding.registration.person.name, "钱芳")
        self.assertEqual(proceeding.registration.status, RegistrationStatus.VALID)
        self.assertGreater(proceeding.statement_due, timezone.localdate())
        self.assertEqual(
            list(proceeding_list_for_staff(user=User.objects.get(username="shencha"))), [proceeding]
        )
        self.assertEqual(SmsMessage.objects.filter(template="proceeding_started").count(), 1)
        # Nobody else's demo flow is touched: the others have no proceeding.
        self.assertFalse(Proceeding.objects.exclude(case__applicant=holder).exists())
