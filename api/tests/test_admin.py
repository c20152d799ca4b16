"""The 系统管理员 registers relying parties in the admin: the secret is shown once, on the
answer to the form, and never again; resetting and suspending are actions, audited."""

from __future__ import annotations

from typing import Any

from api.models import RelyingParty
from api.tests.helpers import ApiTestCase, party_make
from audit.models import AuditAction, AuditEvent

BASE = "/admin/api/relyingparty/"


class RelyingPartyAdminTest(ApiTestCase):
    def add(self) -> Any:
        return self.client.post(
            BASE + "add/",
            {
                "name": "大连市工程建设项目审批系统",
                "contact": "陈工 0411-88888888",
                "scopes": ["register:read"],
                "per_minute": "30",
                "per_day": "5000",
            },
        )

    def test_the_admin_registers_a_party_and_sees_its_secret_once(self):
        self.client.force_login(self.admin)
        r = self.add()
        self.assertEqual(r.status_code, 200)
        party = RelyingParty.objects.get(name="大连市工程建设项目审批系统")
        self.assertEqual((party.scopes, party.per_minute, party.suspended), (["register:read"], 30, False))
        self.assertContains(r, party.app_key)
        self.assertContains(r, f'<code id="api-secret">{party.secret}</code>', html=False)
        self.assertIn("no-store", r["Cache-Control"])
        # Never again: neither the list nor the change page shows it.
        for page in (BASE, f"{BASE}{party.pk}/change/"):
            self.assertNotContains(self.client.get(page), party.secret)
        row = AuditEvent.objects.get(action=AuditAction.API_CLIENT_CHANGE, object_id=str(party.pk))
        self.assertEqual((row.actor_id, row.detail["操作"]), (self.admin.pk, "登记"))
        self.assertNotIn(party.secret, str(AuditEvent.objects.values_list("detail", flat=True)))

    def test_a_party_needs_a_scope(self):
        self.client.force_login(self.admin)
        r = self.client.post(BASE + "add/", {"name": "x", "contact": "y", "per_minute": "1", "per_day": "1"})
        self.assertContains(r, "这个字段是必填项")
        self.assertFalse(RelyingParty.objects.filter(name="x").exists())

    def test_the_reset_action_shows_a_new_secret(self):
        self.client.force_login(self.admin)
        r = self.client.post(BASE, {"action": "reset_secret", "_selected_action": [self.party.pk]})
        self.party.refresh_from_db()
        self.assertNotEqual(self.party.secret, self.secret)
        self.assertContains(r, self.party.secret)
        self.assertEqual(
            AuditEvent.objects.filter(action=AuditAction.API_CLIENT_CHANGE, detail__操作="重置密钥").count(),
            1,
        )

    def test_the_suspend_and_resume_actions(self):
        other, _ = party_make(self.admin, name="另一个平台")
        self.client.force_login(self.admin)
        self.client.post(BASE, {"action": "suspend", "_selected_action": [self.party.pk, other.pk]})
        self.assertEqual(RelyingParty.objects.filter(suspended=True).count(), 2)
        self.client.post(BASE, {"action": "resume", "_selected_action": [other.pk]})
        self.assertEqual(list(RelyingParty.objects.filter(suspended=True)), [self.party])

    def test_nobody_deletes_a_party_and_other_administrators_do_not_see_them(self):
        self.client.force_login(self.admin)
        self.assertEqual(self.client.get(f"{BASE}{self.party.pk}/delete/").status_code, 403)
        for user in (self.security_admin, self.auditor, self.reviewer):
            self.client.force_login(user)
            self.assertIn(self.client.get(BASE).status_code, (302, 403), user.username)
