"""Every page of the admin site opens for the 系统管理员: for each registered model its list,
its add page where adding is allowed, and one row's change page, on the demo data."""

from __future__ import annotations

from io import StringIO

from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.test import RequestFactory, TestCase
from django.utils import formats, timezone

from accounts.models import Enterprise, User
from accounts.services import enterprise_verify_by_hand, totp_device_start
from accounts.tests.helpers import last_code
from catalog.seed import seed_catalog
from certificates.models import CertificateSettings
from portal.demo import STAFF_PASSWORD
from registry.models import POLICY_PK, RegisterSettings, Registration


class AdminPagesTestCase(TestCase):
    admin: User

    @classmethod
    def setUpTestData(cls) -> None:
        seed_catalog()
        call_command("seed_demo", stdout=StringIO())
        cls.admin = User.objects.get(username="admin")
        # The rows the demo does not make: a group, an authenticator being set up by a
        # window clerk (not by the admin, whose login would then ask for it), a check by hand.
        Group.objects.create(name="受理组")
        # The policy rows exist once an administrator has saved them (until then, defaults).
        RegisterSettings.objects.create(pk=POLICY_PK)
        CertificateSettings.objects.create(pk=POLICY_PK)
        totp_device_start(user=User.objects.get(username="shouli"))
        Enterprise.objects.update(verified_at=None)
        enterprise_verify_by_hand(enterprise=Enterprise.objects.get(), by=cls.admin, note="已查验营业执照")

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        # The real way in: password, then the SMS code sent to the admin's phone.
        r = self.client.post(
            "/accounts/login/", {"kind": "staff", "identifier": "admin", "password": STAFF_PASSWORD}
        )
        self.assertRedirects(r, "/accounts/login/verify/", fetch_redirect_response=False)
        self.client.post("/accounts/login/verify/", {"code": last_code(self.admin.mobile)})
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.admin.pk)

    def test_it_opens_every_list_add_and_change_page(self):
        request = RequestFactory().get("/admin/")
        request.user = self.admin
        without_rows = []
        for model, model_admin in admin.site._registry.items():
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
        registration = Registration.objects.get(person__name="王强")
        change = registration.changes.get()
        r = self.client.get(f"/admin/registry/registration/{registration.pk}/change/")
        self.assertContains(r, change.summary)
        self.assertContains(r, formats.localize(timezone.localtime(change.created_at)))
        self.assertNotContains(r, 'name="changes-0-summary"')
        self.assertNotContains(r, 'type="submit" value="保存"')
