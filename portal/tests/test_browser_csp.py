"""The main pages in Chromium under the real Content-Security-Policy: every
`securitypolicyviolation` event (and every console report of one) is recorded, and there
must be none. A script or style that the policy blocks would otherwise fail silently."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import User
from cases.models import Case, CaseStatus
from catalog.seed import seed_catalog
from certificates.models import Certificate
from certificates.tests.helpers import ensure_keys
from lib.datacrypt import mobile_index
from portal.browser import BrowserTestCase
from portal.demo import seed_demo

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile + ":" + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + where);
});
"""


@pytest.mark.browser
class ContentSecurityPolicyBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        seed_catalog()
        seed_demo()
        self.console: list[str] = []
        self.page.on("console", self._console)
        self.context.add_init_script(RECORD_VIOLATIONS)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def log_in(self, user: User) -> None:
        # Straight into a session: what is tested here is the pages, not the login steps.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        host = self.live_server_url.split("//", 1)[1].split(":")[0]
        self.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "domain": host,
                    "path": "/",
                }
            ]
        )

    def visit(self, path: str) -> None:
        response = self.page.goto(self.url(path))
        self.assertIsNotNone(response)
        self.assertEqual(response.status, 200, path)
        self.assertIn("frame-ancestors 'none'", response.headers["content-security-policy"])
        self.page.wait_for_load_state("networkidle")
        self.assertEqual(self.page.evaluate("window.__cspViolations"), [], path)

    def test_it_shows_the_main_pages_without_a_policy_violation(self) -> None:
        for path in (
            "/",
            "/catalog/departments/",
            "/catalog/search/?q=建造师",
            "/catalog/matters/ejjzs-zgrd/",
            "/registry/query/",
            "/help/",
            "/accounts/login/",
            "/accounts/register/",
            "/accounts/password-reset/",
            "/certificates/verify/",
        ):
            self.visit(path)

        holder = User.objects.get(mobile_index=mobile_index("13800138003"))  # 王强: registration granted
        self.log_in(holder)
        granted = Case.objects.get(applicant=holder, status=CaseStatus.APPROVED)
        certificate = Certificate.objects.filter(case__applicant=holder).first()
        assert certificate is not None
        for path in (
            "/accounts/profile/",
            "/cases/mine/",
            f"/cases/{granted.pk}/",
            "/certificates/mine/",
            f"/certificates/{certificate.pk}/preview/",
        ):
            self.visit(path)
        # The preview's embedded fonts are in use (its <style> was allowed by the nonce).
        self.assertTrue(
            self.page.evaluate("document.fonts.check('12px cert-song') || document.fonts.size > 0")
        )
        # 公示附件 loads its window's content by fetch() and innerHTML.
        self.visit(f"/cases/{granted.pk}/")
        self.page.get_by_role("link", name="公示附件").click()
        self.page.get_by_role("dialog").get_by_role("button", name="加注").wait_for()
        self.assertEqual(self.page.evaluate("window.__cspViolations"), [])

        # The application form (dialog, upload controls) and the staff workbench's case page.
        self.context.clear_cookies()
        self.log_in(User.objects.get(mobile_index=mobile_index("13800138000")))  # 张三: no case yet
        item = granted.item
        self.visit(f"/cases/start/{item.pk}/")
        self.context.clear_cookies()
        self.log_in(User.objects.get(username="shouli"))
        waiting = Case.objects.get(status=CaseStatus.PENDING)
        self.visit("/workbench/")
        self.visit(f"/workbench/cases/{waiting.pk}/")
        self.assertEqual(self.console, [])

    def test_a_page_asks_the_portal_for_itself_only_and_its_icon_is_a_static_file(self) -> None:
        # Without <link rel="icon"> Chromium asks Django for /favicon.ico on every page: a 404
        # that loads and saves the session, at the same moment as the next click.
        asked: list[str] = []
        self.page.on("request", lambda request: asked.append(request.url))
        self.log_in(User.objects.get(mobile_index=mobile_index("13800138003")))  # 王强
        for path in ("/", "/cases/mine/"):
            asked.clear()
            self.visit(path)
            dynamic = [url for url in asked if not url.startswith(self.url(settings.STATIC_URL))]
            self.assertEqual(dynamic, [self.url(path)], path)
            self.assertIn(self.url(f"{settings.STATIC_URL}img/favicon.svg"), asked, path)
