"""The 审计管理员's page: nobody else opens it; it finds rows by person (by ID number through
the accounts lookup), staff member, 办件编号, time and action, newest first, 20 a page; and
every search is itself a row."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffRole
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record
from portal.test import BaseTestCase, staff_make

URL = "/audit/"


class AuditSearchPageTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.auditor = staff_make(
            username="shenji", name="审计管理员吴刚", role=StaffRole.AUDITOR, department=self.department
        )
        self.seen = audit_record(
            action=AuditAction.CASE_VIEW,
            actor=self.reviewer,
            label="LN2026120100007 张伟",
            subject_id=self.applicant.pk,
        )
        self.other = audit_record(
            action=AuditAction.ATTACHMENT_VIEW,
            actor=self.acceptor,
            label="LN2026120100008 李娜",
            subject_id=self.other_applicant.pk,
        )

    def test_only_the_auditor_opens_it(self) -> None:
        for user in (self.reviewer, self.admin, self.applicant):
            self.client.force_login(user)
            self.assertEqual(self.client.get(URL).status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.AUDIT_SEARCH).exists())
        self.client.logout()
        self.assertRedirects(
            self.client.get(URL), f"/accounts/login/?next={URL}", fetch_redirect_response=False
        )

    def test_the_auditor_sees_the_newest_first_and_the_header_links_here(self) -> None:
        self.client.force_login(self.auditor)
        r = self.client.get(URL)
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, f'<a href="{reverse("audit:search")}">审计记录</a>', html=False)
        self.assertEqual(list(r.context["page"]), [self.other, self.seen])
        self.assertContains(r, "审查员陈静")
        self.assertContains(r, '<table class="data audit-rows stack"', html=False)
        self.assertEqual(r["Cache-Control"], "private, no-store")

    def test_it_finds_by_the_person_s_id_number_and_records_the_search_masked(self) -> None:
        self.client.force_login(self.auditor)
        r = self.client.get(URL, {"person": self.applicant.id_number})
        self.assertEqual(list(r.context["page"]), [self.seen])
        search = AuditEvent.objects.get(action=AuditAction.AUDIT_SEARCH)
        self.assertEqual(search.actor_id, self.auditor.pk)
        self.assertNotIn(self.applicant.id_number, str(search.detail))
        self.assertEqual(search.detail["信息主体"], "2101**********0011")

    def test_it_finds_by_name_staff_case_number_and_action(self) -> None:
        self.client.force_login(self.auditor)
        searches: list[tuple[dict[str, str], list[AuditEvent]]] = [
            ({"person": "李娜"}, [self.other]),
            ({"staff": "shencha"}, [self.seen]),
            ({"staff": "受理员刘洋"}, [self.other]),
            ({"case_number": "LN2026120100007"}, [self.seen]),
            ({"action": str(AuditAction.ATTACHMENT_VIEW)}, [self.other]),
            ({"person": "没有这个人"}, []),
        ]
        for query, expected in searches:
            with self.subTest(query=query):
                r = self.client.get(URL, query)
                self.assertEqual(
                    [e for e in r.context["page"] if e.action != AuditAction.AUDIT_SEARCH], expected
                )

    def test_it_finds_by_time_range(self) -> None:
        AuditEvent.objects.filter(pk=self.seen.pk).update(at=timezone.now() - timedelta(days=10))
        self.client.force_login(self.auditor)
        today = timezone.localdate()
        r = self.client.get(URL, {"since": today.isoformat(), "until": today.isoformat(), "staff": "shencha"})
        self.assertEqual(list(r.context["page"]), [])
        r = self.client.get(URL, {"until": (today - timedelta(days=5)).isoformat()})
        self.assertEqual(list(r.context["page"]), [self.seen])
        r = self.client.get(
            URL, {"since": today.isoformat(), "until": (today - timedelta(days=1)).isoformat()}
        )
        self.assertContains(r, "结束日期不能早于开始日期")

    def test_it_pages_by_twenty(self) -> None:
        for _ in range(25):
            audit_record(action=AuditAction.LOGIN, actor=self.applicant)
        self.client.force_login(self.auditor)
        r = self.client.get(URL, {"action": AuditAction.LOGIN})
        self.assertEqual(len(r.context["page"]), 20)
        self.assertContains(r, "action=login&amp;page=2")
        r = self.client.get(URL, {"action": str(AuditAction.LOGIN), "page": "2"})
        self.assertEqual(len(r.context["page"]), 5)
