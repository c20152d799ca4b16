"""「评价」 on a phone (390 px) in Chromium: from the case page, a refused 差评 says in Chinese
what is missing, the corrected one is recorded; nothing scrolls sideways and axe-core finds
nothing, in 标准版 and in 关怀版."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from accounts.models import StaffRole, User
from catalog.models import Department
from portal.browser import PHONE, BrowserTestCase, assert_no_axe_violations
from portal.display import COOKIE_NAME, DisplayMode
from portal.test import catalog_seeded, person_create, staff_make
from ratings.models import Rating, RatingLevel, Rectification
from ratings.tests.builders import case_ended

OVERFLOW = (
    """() => ({scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth})"""
)


@pytest.mark.browser
class RateBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        catalog_seeded()
        department = Department.objects.get(code="lnszjt")
        self.applicant = person_create(name="张伟", first17="21010219900307001", mobile="13800000001")
        self.acceptor = staff_make(
            username="shouli", name="受理员", role=StaffRole.ACCEPTOR, department=department
        )
        self.reviewer = staff_make(
            username="shencha", name="审查员", role=StaffRole.REVIEWER, department=department
        )
        self.decider = staff_make(
            username="shenpi", name="审批员", role=StaffRole.DECIDER, department=department
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

    def assert_fits(self, where: str) -> None:
        found = self.page.evaluate(OVERFLOW)
        self.assertLessEqual(found["scroll"], found["width"], where)
        assert_no_axe_violations(self.page, where)

    def rate_a_finished_case(self, mode: str) -> None:
        # No enterprise persona here: the form's answers are not what this page shows.
        case = case_ended(self, applicant=self.applicant, form_data={})
        page = self.page
        page.set_viewport_size(PHONE)
        self.log_in(self.applicant)
        page.goto(self.url(f"/cases/{case.pk}/"))
        page.get_by_role("link", name="去评价").click()
        page.get_by_role("heading", name="请对本次办理作出评价").wait_for()
        self.assert_fits(f"评价 @390 {mode}")

        page.get_by_label("不满意", exact=True).check()
        # The indicators' heading follows the level (static/js/ratings.js).
        page.get_by_text("您不满意的方面（至少选择一项）").wait_for()
        page.get_by_label("评价内容").fill("受理等了很久")
        page.get_by_role("button", name="提交评价").click()
        page.get_by_text("提交未成功").wait_for()
        self.assertIn("请选择不满意的方面", page.locator("#error-summary").inner_text())
        self.assertFalse(Rating.objects.exists())
        self.assert_fits(f"评价（未选择指标）@390 {mode}")

        page.get_by_label("办事效率").check()
        page.get_by_role("button", name="提交评价").click()
        page.get_by_text("感谢您的评价").wait_for()
        rating = Rating.objects.get(case=case)
        self.assertEqual(rating.level, RatingLevel.DISSATISFIED)
        self.assertEqual(rating.indicators, ["efficiency"])
        self.assertEqual(rating.text, "受理等了很久")
        self.assertTrue(Rectification.objects.filter(rating=rating).exists())
        self.assert_fits(f"评价（已提交）@390 {mode}")

    def test_rate_a_finished_case_on_a_phone(self) -> None:
        self.rate_a_finished_case("标准版")

    def test_rate_a_finished_case_on_a_phone_in_care_mode(self) -> None:
        self.context.add_cookies(
            [{"name": COOKIE_NAME, "value": DisplayMode.CARE.value, "url": self.live_server_url}]
        )
        self.rate_a_finished_case("关怀版")
        self.assertEqual(self.page.evaluate("document.documentElement.className"), "care")
