"""`manage.py createsuperuser` (README: the first 系统管理员 of a new installation) makes an
administrator who can finish the two-step staff login: it asks for the mobile the SMS code
goes to. Not a superuser, whatever the command's name: 三员分立 (ADR 0016) has none."""

from __future__ import annotations

import os
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.test import TestCase

from accounts.models import StaffRole, User, UserKind
from accounts.tests.helpers import last_code

PASSWORD = "Guanli#2026-ln"


class CreateSuperuserTestCase(TestCase):
    def test_it_makes_an_admin_who_can_log_in_with_a_second_factor(self):
        with mock.patch.dict(os.environ, {"DJANGO_SUPERUSER_PASSWORD": PASSWORD}):
            call_command(
                "createsuperuser",
                interactive=False,
                username="guanli",
                name="系统管理员王敏",
                mobile="13500000099",
                stdout=StringIO(),
            )
        user = User.objects.get(username="guanli")
        self.assertEqual(
            (user.kind, user.staff_role, user.id_type, user.mobile, user.is_staff, user.is_superuser),
            (UserKind.STAFF, StaffRole.ADMIN, "", "13500000099", True, False),
        )
        self.assertTrue(user.has_perm("catalog.change_matter"))
        self.assertFalse(user.has_perm("audit.view_auditevent"))

        r = self.client.post(
            "/accounts/login/", {"kind": "staff", "identifier": "guanli", "password": PASSWORD}
        )
        self.assertRedirects(r, "/accounts/login/verify/", fetch_redirect_response=False)
        r = self.client.post("/accounts/login/verify/", {"code": last_code("13500000099")})
        self.assertEqual(int(self.client.session["_auth_user_id"]), user.pk)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
