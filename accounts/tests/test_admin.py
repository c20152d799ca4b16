from __future__ import annotations

from accounts.models import StaffRole, User, UserKind
from portal.test import BaseTestCase


class StaffAdminTestCase(BaseTestCase):
    def test_it_lists_staff_only(self):
        self.client.force_login(self.admin)
        r = self.client.get("/admin/accounts/user/")
        self.assertContains(r, "shouli")
        self.assertNotContains(r, self.applicant.username)

    def test_it_creates_staff_with_a_strong_password(self):
        self.client.force_login(self.admin)
        data = {
            "username": "shouli2",
            "name": "受理员二",
            "staff_role": StaffRole.ACCEPTOR,
            "department": self.department.pk,
            "mobile": "",
            "is_active": "on",
            "new_password": "weakpass1",
        }
        r = self.client.post("/admin/accounts/user/add/", data)
        self.assertContains(r, "工作人员密码至少10位")
        self.assertFalse(User.objects.filter(username="shouli2").exists())
        data["new_password"] = "Shouli#2026-x"
        r = self.client.post("/admin/accounts/user/add/", data)
        self.assertEqual(r.status_code, 302)
        user = User.objects.get(username="shouli2")
        self.assertEqual(user.kind, UserKind.STAFF)
        self.assertFalse(user.is_staff)
        self.assertTrue(user.check_password("Shouli#2026-x"))

    def test_applicants_and_window_staff_cannot_enter(self):
        for user in (self.applicant, self.acceptor):
            self.client.force_login(user)
            r = self.client.get("/admin/")
            self.assertEqual(r.status_code, 302)
