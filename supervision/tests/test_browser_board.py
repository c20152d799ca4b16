"""督办 in Chromium on a phone (390 px), with axe-core on every page: on the demo's case
under review with one working day left, the 审查人员 asks for an extension; the 科室负责人 finds
it on his 督办 list, next to the demo's case past its 受理 limit, and grants it; the applicant
reads the 延期 with the new date in 我的办件."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import User
from cases.deadlines import extended_due_on
from cases.models import Case, CaseStatus
from catalog.seed import seed_catalog
from certificates.tests.helpers import ensure_keys
from portal.browser import PHONE, BrowserTestCase, assert_no_axe_violations
from portal.demo import seed_demo
from supervision.models import Extension, ExtensionStatus


@pytest.mark.browser
class BoardBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        seed_catalog()
        seed_demo()
        self.reviewing = Case.objects.get(status=CaseStatus.REVIEWING)
        self.late = Case.objects.get(status=CaseStatus.PENDING)

    def log_in(self, user: User) -> None:
        # Straight into a session: the pages are the subject, not the login steps.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        self.context.clear_cookies()
        self.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": self.live_server_url,
                }
            ]
        )

    def test_an_extension_asked_on_the_case_page_is_granted_on_the_board(self) -> None:
        page = self.page
        page.set_viewport_size(PHONE)
        due_before = self.reviewing.decision_due
        assert due_before is not None

        self.log_in(User.objects.get(username="shencha"))
        page.goto(self.url(f"/workbench/cases/{self.reviewing.pk}/"))
        page.get_by_label("延期理由").fill("需向原发证机关核实资格证书")
        page.get_by_role("button", name="提交延期申请").click()
        page.get_by_text("延期申请已提交，等待科室负责人审批").wait_for()
        assert_no_axe_violations(page, "办件页（延期申请已提交）")

        self.log_in(User.objects.get(username="kezhang"))
        page.goto(self.url("/supervision/"))
        overdue = page.get_by_role("region", name="已到期或超期（1）")
        self.assertTrue(overdue.get_by_role("link", name=self.late.number).is_visible())
        soon = page.get_by_role("region", name="即将到期（1）")
        self.assertTrue(soon.get_by_role("link", name=self.reviewing.number).is_visible())
        assert_no_axe_violations(page, "督办")
        page.get_by_label("审批结果").select_option(label="批准延期")
        page.get_by_role("button", name="提交审批结果").click()
        page.get_by_text("延期告知书已生成，已通知申请人").wait_for()
        self.assertEqual(Extension.objects.get().status, ExtensionStatus.APPROVED)
        new_due = extended_due_on(due=due_before)
        self.assertEqual(Case.objects.get(pk=self.reviewing.pk).decision_due, new_due)

        self.log_in(self.reviewing.applicant)
        page.goto(self.url(f"/cases/{self.reviewing.pk}/"))
        page.get_by_text(f"延长至{new_due:%Y年%m月%d日}").wait_for()
        self.assertTrue(page.get_by_role("link", name="延期告知书").is_visible())
