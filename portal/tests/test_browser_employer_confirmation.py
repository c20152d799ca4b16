"""单位确认 in Chromium at a phone's width (390×844), with the demo data (ADR 19): 陈晨's
初始注册 waits for 辽宁示范建设工程有限公司; the company's 经办人 logs in as 法人, goes from
「本单位人员」 to 「待确认申请」, reads the application (numbers masked) and clicks 「确认」; the
case reaches the department, which decides it; 陈晨 sees every step on her case's page.
axe-core finds nothing on the pages on the way, and none scrolls sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import StaffRole, User, UserKind
from cases.models import Case, CaseStatus, ConfirmationStatus
from certificates.tests.helpers import ensure_keys
from lib.datacrypt import mobile_index
from portal.browser import PHONE, BrowserTestCase, axe_report, axe_violations
from portal.demo import APPLICANT_PASSWORD, seed_demo
from portal.test import catalog_seeded
from review.services import case_accept, case_approve, case_review

ENTERPRISE_MOBILE = "13800138001"  # 辽宁示范建设工程有限公司
UNCONFIRMED_MOBILE = "13800138006"  # 陈晨: an application waiting for 单位确认
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def field(page: Any, label: str) -> Any:
    return page.get_by_label(re.compile(rf"^\*?{re.escape(label)}$"))


@pytest.mark.browser
class EmployerConfirmationBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        catalog_seeded()
        seed_demo()
        self.page.set_viewport_size(PHONE)
        self.problems: list[str] = []

    def check(self, where: str) -> None:
        page = self.page
        page.wait_for_load_state()
        self.problems += axe_report(axe_violations(page), f"{where} @390")
        self.assertLessEqual(page.evaluate(SIDEWAYS), 0, f"{where}：页面在390像素宽时横向滚动")

    def login(self, account: str, *, kind: str) -> None:
        page = self.page
        page.context.clear_cookies()
        page.goto(self.url(f"/accounts/login/?kind={kind}"))
        field(page, "账号").fill(account)
        field(page, "密码").fill(APPLICANT_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_load_state()

    def test_an_application_goes_through_online_confirmation_to_办结(self) -> None:
        applicant = User.objects.get(mobile_index=mobile_index(UNCONFIRMED_MOBILE), kind=UserKind.PERSON)
        case = Case.objects.get(applicant=applicant)
        self.assertEqual(case.status, CaseStatus.CONFIRMING)
        page = self.page
        page.on("dialog", lambda dialog: dialog.accept())

        # The applicant sees whom the case waits for.
        self.login(UNCONFIRMED_MOBILE, kind="person")
        page.goto(self.url(reverse("cases:detail", args=[case.pk])))
        page.get_by_role("heading", name="等待单位确认").wait_for()
        self.check("办件详情（待单位确认）")

        # The company: 本单位人员 → 待确认申请 → the application → 确认.
        self.login(ENTERPRISE_MOBILE, kind="legal")
        page.goto(self.url("/registry/enterprise/"))
        self.check("本单位人员")
        page.get_by_role("link", name=re.compile(r"^待确认申请（1）$")).click()
        page.get_by_role("heading", name="待确认申请", exact=True).wait_for()
        self.check("待确认申请")
        page.get_by_role("link", name="查看并办理").click()
        page.get_by_role("heading", name="申请表（只读）").wait_for()
        self.check("单位确认")
        self.assertNotIn(applicant.id_number, page.content())
        page.get_by_role("button", name="确认", exact=True).click()
        page.wait_for_load_state()
        page.get_by_text("暂无待确认的申请。").wait_for()

        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertIsNotNone(case.accept_due)
        confirmation = case.confirmations.get()
        self.assertEqual(confirmation.status, ConfirmationStatus.CONFIRMED)

        # The department decides it (the workbench is section 2's test).
        staff = {
            u.staff_role: u for u in User.objects.filter(kind=UserKind.STAFF, department=case.department)
        }
        case = case_accept(case=case, actor=staff[StaffRole.ACCEPTOR], opinion="材料齐全，予以受理")
        case = case_review(case=case, actor=staff[StaffRole.REVIEWER], opinion="符合注册条件")
        case = case_approve(case=case, actor=staff[StaffRole.DECIDER], opinion="准予")
        self.assertEqual(case.status, CaseStatus.APPROVED)

        # 陈晨 reads every step, the employer's confirmation among them.
        self.login(UNCONFIRMED_MOBILE, kind="person")
        page.goto(self.url(reverse("cases:detail", args=[case.pk])))
        timeline = page.locator("ol.timeline")
        for step in ("保存并提交（待单位确认）", "单位确认", "送交受理部门", "受理", "准予许可"):
            timeline.get_by_text(step, exact=True).first.wait_for()
        page.locator(".material-waived", has_text="单位已在线确认，无需上传").wait_for()
        self.check("办件详情（已办结）")

        self.assertEqual(self.problems, [], "axe-core 发现无障碍问题：\n" + "\n".join(self.problems))
