"""「我的信息」 on a phone (390 px) in Chromium: nothing scrolls sideways, axe-core finds nothing,
the department's view of the holder's files is listed, and a correction request is made from
the page itself."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from certificates.tests.helpers import ensure_keys
from portal.browser import PHONE, BrowserTestCase, assert_no_axe_violations
from portal.demo import seed_demo
from portal.test import catalog_seeded
from privacy.models import CorrectionRequest, CorrectionStatus

OVERFLOW = (
    """() => ({scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth})"""
)


@pytest.mark.browser
class MyInfoBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        catalog_seeded()
        seed_demo()
        self.holder = User.objects.get(mobile="13800138003")  # 王强: registration granted
        reviewer = User.objects.get(username="shencha")
        audit_record(
            action=AuditAction.ATTACHMENT_VIEW, actor=reviewer, subject_id=self.holder.pk, label="材料"
        )

    def log_in(self, user: User) -> None:
        # Straight into a session: the page is the subject, not the login steps.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        self.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": self.live_server_url,
                }
            ]
        )

    def test_my_info_on_a_phone(self) -> None:
        page = self.page
        page.set_viewport_size(PHONE)
        self.log_in(self.holder)
        response = page.goto(self.url("/accounts/profile/"))
        self.assertEqual(response.status, 200)
        page.get_by_role("link", name="我的信息", exact=True).last.click()
        page.get_by_role("heading", name="我的信息", exact=True).wait_for()
        found = page.evaluate(OVERFLOW)
        self.assertLessEqual(found["scroll"], found["width"])
        accesses = page.locator("#accesses")
        self.assertIn("审查人员", accesses.inner_text())
        self.assertIn("查看申请材料", accesses.inner_text())
        self.assertIn("注册编号", page.locator("#register").inner_text())
        assert_no_axe_violations(page, "我的信息 @390")

        page.get_by_label("需要更正的内容").fill("聘用企业名称有误，应为辽宁示范建设工程有限公司")
        page.get_by_role("button", name="提交更正申请").click()
        page.get_by_text("更正申请已提交").wait_for()
        self.assertIn("待处理", page.locator("#corrections").inner_text())
        correction = CorrectionRequest.objects.get(user=self.holder)
        self.assertEqual(correction.status, CorrectionStatus.OPEN)
        assert_no_axe_violations(page, "我的信息（已提交更正）@390")
