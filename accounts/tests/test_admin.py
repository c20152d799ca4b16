from __future__ import annotations

from accounts.models import StaffRole, User, UserKind
from lib.masking import mask_id_number
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


class KnownIdentityAdminTestCase(BaseTestCase):
    URL = "/admin/accounts/knownidentity/"

    def test_it_finds_an_identity_by_the_whole_number_only(self):
        # The number is stored encrypted: the whole number finds it by its blind index, in
        # whatever case its check letter is typed; a part of it cannot match anything. The
        # real-name directory is the 安全管理员's (accounts/roles.py).
        self.client.force_login(self.security_admin)
        number = self.applicant.id_number

        found = self.client.get(self.URL, {"q": number.lower()})
        partial = self.client.get(self.URL, {"q": number[:10]})
        by_name = self.client.get(self.URL, {"q": "李娜"})

        self.assertContains(found, "张伟")
        self.assertNotContains(found, "李娜")
        self.assertContains(
            found, f'<td class="field-masked_number">{mask_id_number(number)}</td>', html=False
        )
        self.assertNotContains(partial, "张伟")
        self.assertContains(by_name, "李娜")
        self.assertNotContains(by_name, "张伟")
