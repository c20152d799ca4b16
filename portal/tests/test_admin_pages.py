"""Every page of the admin site opens for the administrator whose role it belongs to (三员分立,
accounts/roles.py): for each registered model its list, its add page where adding is allowed,
and one row's change page, on the demo data; the index shows each role its own models only,
and the others' pages are refused."""

from __future__ import annotations

from io import StringIO

from django.contrib import admin
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory, TestCase, override_settings
from django.utils import formats, timezone

from accounts.models import Enterprise, LoginThrottle, StaffRole, UnifiedIdentityLink, User, UserKind
from accounts.roles import ADMIN_PERMISSIONS
from accounts.services import enterprise_verify_by_hand, login_browser_record, totp_device_start
from accounts.tests.helpers import last_code
from audit.models import AuditAction, AuditArchive
from audit.services import audit_record
from catalog.seed import seed_catalog
from certificates.models import CertificateSettings
from exchange.contracts import CaseRecordEvent, Channel
from exchange.services import outbound_enqueue
from exchange.testing import SHARING_ON
from portal.demo import STAFF_PASSWORD
from ratings.models import RatingLevel
from ratings.services import rating_submit
from registry.models import POLICY_PK, RegisterSettings, Registration


class AdminPagesTestCase(TestCase):
    admin: User

    @classmethod
    def setUpTestData(cls) -> None:
        seed_catalog()
        call_command("seed_demo", stdout=StringIO())
        cls.admin = User.objects.get(username="admin")
        # The rows the demo does not make: an authenticator being set up by a window clerk
        # (not by an administrator, whose login would then ask for it), a check by hand, a
        # locked login, a known browser, a link to 统一身份认证, a rating's push, an audit row.
        # The policy rows exist once an administrator has saved them (until then, defaults).
        RegisterSettings.objects.create(pk=POLICY_PK)
        CertificateSettings.objects.create(pk=POLICY_PK)
        totp_device_start(user=User.objects.get(username="shouli"))
        Enterprise.objects.update(verified_at=None)
        security = User.objects.get(username="anquan")
        enterprise_verify_by_hand(enterprise=Enterprise.objects.get(), by=security, note="已查验营业执照")
        LoginThrottle.objects.create(key=f"user:{cls.admin.pk}", failures=2)
        login_browser_record(user=User.objects.get(username="shouli"), device_id="d1", user_agent="Firefox")
        person = User.objects.filter(kind=UserKind.PERSON).earliest("pk")
        UnifiedIdentityLink.objects.create(user=person, issuer="https://tyrz.example", subject="u-1")
        audit_record(action=AuditAction.LOGIN, actor=cls.admin)
        # The test run shares nothing unless asked (portal/testenv.py): one outbound record.
        with override_settings(**SHARING_ON):
            outbound_enqueue(
                channel=Channel.CASE,
                event=CaseRecordEvent.STATUS_CHANGED,
                subject="LN2026030400001",
                payload={"case_number": "LN2026030400001"},
                occurred_at=timezone.now(),
            )
        # A rating of a granted demo case, and so its push to the provincial system.
        holder = Registration.objects.get(person__name="王强").created_by_case
        assert holder is not None
        rating_submit(case=holder, user=holder.applicant, level=RatingLevel.SATISFIED)
        AuditArchive.objects.create(
            name="audit-1.jsonl",
            first_id=1,
            last_id=1,
            first_prev_mac="0" * 64,
            last_mac="1" * 64,
            count=1,
            sm3="2" * 64,
        )

    def setUp(self) -> None:
        super().setUp()
        cache.clear()

    def log_in(self, username: str) -> User:
        # The real way in: password, then the SMS code sent to the administrator's phone.
        user = User.objects.get(username=username)
        r = self.client.post(
            "/accounts/login/", {"kind": "staff", "identifier": username, "password": STAFF_PASSWORD}
        )
        self.assertRedirects(r, "/accounts/login/verify/", fetch_redirect_response=False)
        self.client.post("/accounts/login/verify/", {"code": last_code(user.mobile)})
        self.assertEqual(int(self.client.session["_auth_user_id"]), user.pk)
        return user

    def test_each_role_opens_its_own_pages_and_no_other(self):
        self.assertEqual(set(ADMIN_PERMISSIONS), {StaffRole.ADMIN, StaffRole.SECURITY, StaffRole.AUDITOR})
        registered = {m._meta.label_lower for m in admin.site._registry}
        # Every registered model is somebody's, and nobody's table names a model nobody shows
        # except the inlines' (material, specialties, changes).
        owned = {label for table in ADMIN_PERMISSIONS.values() for label in table}
        self.assertEqual(registered - owned, set())
        for username in ("admin", "anquan", "shenji"):
            with self.subTest(username):
                self.client.logout()
                user = self.log_in(username)
                mine = set(ADMIN_PERMISSIONS[StaffRole(user.staff_role)]) & registered
                r = self.client.get("/admin/")
                shown = {
                    f"{app['app_label']}.{m['object_name'].lower()}"
                    for app in r.context["app_list"]
                    for m in app["models"]
                }
                self.assertEqual(shown, mine)
                self.open_every_page(user, mine)
                for label in registered - mine:
                    app_label, model_name = label.split(".")
                    r = self.client.get(f"/admin/{app_label}/{model_name}/")
                    self.assertEqual(r.status_code, 403, label)

    def open_every_page(self, user: User, labels: set[str]) -> None:
        request = RequestFactory().get("/admin/")
        request.user = user
        without_rows = []
        for model, model_admin in admin.site._registry.items():
            if model._meta.label_lower not in labels:
                continue
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            r = self.client.get(base)
            self.assertEqual(r.status_code, 200, base)
            if model_admin.has_add_permission(request):
                r = self.client.get(base + "add/")
                self.assertEqual(r.status_code, 200, base + "add/")
            # A row the admin's list shows (the staff list, for one, leaves applicants out).
            row = model_admin.get_queryset(request).order_by("pk").first()
            if row is None:
                without_rows.append(model.__name__)
                continue
            r = self.client.get(f"{base}{row.pk}/change/")
            self.assertEqual(r.status_code, 200, f"{base}{row.pk}/change/")
            self.assertContains(r, str(model._meta.verbose_name))
        self.assertEqual(without_rows, [])

    def test_a_registration_shows_its_history_without_letting_it_be_edited(self):
        self.log_in("admin")
        registration = Registration.objects.get(person__name="王强")
        change = registration.changes.get()
        r = self.client.get(f"/admin/registry/registration/{registration.pk}/change/")
        self.assertContains(r, change.summary)
        self.assertContains(r, formats.localize(timezone.localtime(change.created_at)))
        self.assertNotContains(r, 'name="changes-0-summary"')
        self.assertNotContains(r, 'type="submit" value="保存"')
