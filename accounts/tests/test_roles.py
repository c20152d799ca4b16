"""三员分立 (accounts/roles.py): permissions come from the role alone, no account is a
superuser, one account holds one role, and the 系统管理员 who makes the other two accounts
cannot give himself their roles."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import LoginThrottle, StaffRole, User
from accounts.roles import role_permissions
from accounts.services import totp_device_start
from audit.models import AuditAction, AuditEvent
from portal.test import BaseTestCase

ADD = "/admin/accounts/user/add/"


def staff_post(user: User | None = None, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": user.username if user else "xinren",
        "name": user.name if user else "新工作人员",
        "staff_role": user.staff_role if user else StaffRole.ACCEPTOR,
        "department": user.department_id if user else None,
        "mobile": user.mobile if user else "",
        "is_active": "on",
        "new_password": "" if user else "Xinren#2026-ok",
    }
    data.update(changes)
    return data


class RolePermissionsTestCase(BaseTestCase):
    def test_each_administrator_has_his_own_permissions_only(self):
        self.assertTrue(self.admin.has_perm("catalog.change_matter"))
        self.assertTrue(self.admin.has_perm("accounts.add_user"))
        self.assertFalse(self.admin.has_perm("accounts.change_loginthrottle"))
        self.assertFalse(self.admin.has_perm("audit.view_auditevent"))
        self.assertTrue(self.security_admin.has_perm("accounts.change_loginthrottle"))
        self.assertTrue(self.security_admin.has_perm("otp_totp.delete_totpdevice"))
        self.assertFalse(self.security_admin.has_perm("accounts.add_user"))
        self.assertFalse(self.security_admin.has_perm("audit.view_auditevent"))
        self.assertEqual(role_permissions(self.auditor), {"audit.view_auditevent", "audit.view_auditarchive"})
        self.assertTrue(self.auditor.has_module_perms("audit"))
        self.assertFalse(self.auditor.has_module_perms("catalog"))
        for user in (self.applicant, self.acceptor, self.reviewer, self.decider):
            self.assertEqual(user.get_all_permissions(), set())
            self.assertFalse(user.is_staff)
        for user in (self.admin, self.security_admin, self.auditor):
            self.assertEqual((user.is_staff, user.is_superuser), (True, False))

    def test_permission_rows_in_the_database_grant_nothing(self):
        audit_view = Permission.objects.get(codename="view_auditevent")
        self.admin.user_permissions.add(audit_view)
        group = Group.objects.create(name="审计")
        group.permissions.add(audit_view)
        self.acceptor.groups.add(group)
        admin, acceptor = User.objects.get(pk=self.admin.pk), User.objects.get(pk=self.acceptor.pk)
        self.assertFalse(admin.has_perm("audit.view_auditevent"))
        self.assertFalse(acceptor.has_perm("audit.view_auditevent"))

    def test_an_inactive_administrator_has_no_permission(self):
        self.admin.is_active = False
        self.assertEqual(self.admin.get_all_permissions(), set())

    def test_the_database_refuses_a_superuser(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            User.objects.filter(pk=self.admin.pk).update(is_superuser=True)


class StaffAccountsTestCase(BaseTestCase):
    def test_the_system_administrator_creates_the_other_two_administrators(self):
        self.client.force_login(self.admin)
        for username, role in (("anquan2", StaffRole.SECURITY), ("shenji2", StaffRole.AUDITOR)):
            data = staff_post(username=username, staff_role=role, department=self.department.pk)
            r = self.client.post(ADD, data)
            self.assertEqual(r.status_code, 302, username)
            user = User.objects.get(username=username)
            self.assertEqual((user.staff_role, user.is_staff, user.is_superuser), (role, True, False))

    def test_he_cannot_give_himself_another_role(self):
        self.client.force_login(self.admin)
        url = reverse("admin:accounts_user_change", args=[self.admin.pk])
        for role in (StaffRole.SECURITY, StaffRole.AUDITOR, StaffRole.REVIEWER):
            r = self.client.post(url, staff_post(self.admin, staff_role=role))
            self.assertContains(r, "不能修改本人的岗位")
        self.admin.refresh_from_db()
        self.assertEqual(self.admin.staff_role, StaffRole.ADMIN)

    def test_an_existing_account_never_becomes_or_stops_being_an_administrator(self):
        self.client.force_login(self.admin)
        changes = [
            (self.reviewer, StaffRole.AUDITOR),
            (self.acceptor, StaffRole.ADMIN),
            (self.security_admin, StaffRole.ADMIN),
            (self.auditor, StaffRole.REVIEWER),
        ]
        for account, role in changes:
            url = reverse("admin:accounts_user_change", args=[account.pk])
            r = self.client.post(url, staff_post(account, staff_role=role))
            self.assertContains(r, "请另建账号")
            self.assertEqual(User.objects.get(pk=account.pk).staff_role, account.staff_role)

    def test_case_roles_change_among_themselves(self):
        self.client.force_login(self.admin)
        url = reverse("admin:accounts_user_change", args=[self.acceptor.pk])
        r = self.client.post(url, staff_post(self.acceptor, staff_role=StaffRole.REVIEWER))
        self.assertEqual(r.status_code, 302)
        self.assertEqual(User.objects.get(pk=self.acceptor.pk).staff_role, StaffRole.REVIEWER)

    def test_the_other_two_cannot_touch_staff_accounts(self):
        for administrator in (self.security_admin, self.auditor):
            self.client.force_login(administrator)
            self.assertEqual(self.client.get("/admin/accounts/user/").status_code, 403)
            r = self.client.post(ADD, staff_post(staff_role=StaffRole.ADMIN, department=self.department.pk))
            self.assertEqual(r.status_code, 403)
        self.assertFalse(User.objects.filter(username="xinren").exists())


class SecurityPagesTestCase(BaseTestCase):
    def test_the_security_administrator_unlocks_a_locked_account_on_the_record(self):
        throttle = LoginThrottle.objects.create(
            key=f"user:{self.applicant.pk}", failures=0, locked_until=timezone.now() + timedelta(minutes=10)
        )
        self.client.force_login(self.security_admin)
        r = self.client.get("/admin/accounts/loginthrottle/")
        self.assertContains(r, "张伟（个人）")
        r = self.client.post(
            "/admin/accounts/loginthrottle/",
            {"action": "unlock", "_selected_action": [throttle.pk]},
            follow=True,
        )
        self.assertContains(r, "已解锁1个账号")
        throttle.refresh_from_db()
        self.assertEqual((throttle.failures, throttle.locked_until), (0, None))
        row = AuditEvent.objects.get(action=AuditAction.ACCOUNT_UNLOCK)
        self.assertEqual((row.actor_id, row.subject_id), (self.security_admin.pk, self.applicant.pk))

    def test_an_authenticators_key_is_never_shown(self):
        device = totp_device_start(user=self.acceptor)
        self.client.force_login(self.security_admin)
        r = self.client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, device.key)
        self.assertEqual(self.client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code, 403)
        self.assertEqual(self.client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code, 403)
        # Removing it (a lost phone) is his to do.
        r = self.client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(TOTPDevice.objects.filter(pk=device.pk).exists())
