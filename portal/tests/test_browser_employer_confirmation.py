"""单位确认 and 解聘确认 in Chromium at a phone's width (390×844), with the demo data (ADR 19).

- 陈晨's 初始注册 waits for 辽宁示范建设工程有限公司; the company's 经办人 logs in as 法人, goes
  from 「本单位人员」 to 「待确认申请」, reads the application (numbers masked) and clicks 「确认」;
  the case reaches the department, which decides it; 陈晨 sees every step on her case's page
  and rates the case from it (好差评, ADR 21).
- 王强, registered with the company, applies to move to another employer (执业企业变更): the
  company answers 「解聘确认」 with 「同意解聘」, or 「有异议」 with a reason that the workbench
  shows the 受理人员. (Silence past the limit is `cases/tests/test_confirmation.py`'s.)

axe-core finds nothing on the pages on the way, and none scrolls sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import StaffRole, User, UserKind
from accounts.tests.helpers import last_code
from cases.models import (
    Case,
    CaseAction,
    CaseStatus,
    ConfirmationKind,
    ConfirmationStatus,
    EmployerConfirmation,
)
from cases.services import attachment_add, case_draft_save, case_submit
from cases.tests.helpers import item_of, pdf_file, png_file
from cases.types import required_materials
from catalog.registration_types import RegistrationType
from certificates.tests.helpers import ensure_keys
from lib.datacrypt import mobile_index
from notifications.outbox import OutboxStatus
from portal.browser import PHONE, BrowserTestCase, axe_report, axe_violations
from portal.demo import APPLICANT_PASSWORD, STAFF_PASSWORD, demo_newcomers, seed_demo
from portal.test import catalog_seeded
from ratings.models import Rating, RatingLevel, RatingPush
from review.services import case_accept, case_approve, case_review

ENTERPRISE_MOBILE = "13800138001"  # 辽宁示范建设工程有限公司
UNCONFIRMED_MOBILE = "13800138006"  # 陈晨: an application waiting for 单位确认
HOLDER_MOBILE = "13800138003"  # 王强: registered with the company
ACCEPTOR_MOBILE = "13800138010"  # shouli, 受理员刘洋: the second step's code goes here
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

    def staff_login(self, username: str, *, mobile: str) -> None:
        """The staff login, its second step's code read from the outbox (the person's phone)."""
        page = self.page
        page.context.clear_cookies()
        page.goto(self.url("/accounts/login/?kind=staff"))
        field(page, "账号").fill(username)
        field(page, "密码").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.get_by_role("heading", name="工作人员登录验证").wait_for()
        field(page, "验证码").fill(last_code(mobile))
        page.get_by_role("button", name="验证并登录").click()
        page.wait_for_load_state()

    def change_of_employer(self) -> tuple[Case, EmployerConfirmation]:
        """王强 applies to move to 辽宁新城建筑安装有限公司 (in the enterprise register, with no
        account), every material uploaded: only the company he leaves is asked."""
        holder = User.objects.get(mobile_index=mobile_index(HOLDER_MOBILE), kind=UserKind.PERSON)
        _, (new_name, new_uscc, new_legal) = demo_newcomers()
        case = case_draft_save(
            user=holder,
            item=item_of(RegistrationType.CHANGE),
            submit_method="online",
            form_data={
                "change_kind": "employer",
                "employer_name": new_name,
                "employer_uscc": new_uscc,
                "employer_contact": new_legal,
                "employer_phone": "024-88776655",
                "left_previous": "on",
                "new_name": "",
                "change_reason": "",
            },
        )
        for material in required_materials(item=case.item, form_data=case.form_data):
            image = material.kind == "image"
            attachment_add(
                case=case,
                material=material,
                checked=png_file() if image else pdf_file(),
                original_name=f"{material.name}.{'png' if image else 'pdf'}",
                user=holder,
            )
        case = case_submit(case=case, user=holder)
        self.assertEqual(case.status, CaseStatus.CONFIRMING)
        release = case.confirmations.get()
        self.assertEqual(
            (release.kind, release.status), (ConfirmationKind.RELEASE, ConfirmationStatus.WAITING)
        )
        return case, release

    def open_release(self) -> None:
        """The company: 本单位人员 → 待确认申请 (陈晨's 单位确认 and 王强's 解聘确认) → 王强's."""
        page = self.page
        self.login(ENTERPRISE_MOBILE, kind="legal")
        page.goto(self.url("/registry/enterprise/"))
        page.get_by_role("link", name=re.compile(r"^待确认申请（2）$")).click()
        page.get_by_role("heading", name="待确认申请", exact=True).wait_for()
        row = page.get_by_role("row").filter(has_text="王强")
        self.assertIn("解聘确认", row.inner_text())
        self.assertIn("逾期未答复视为同意解聘", row.inner_text())
        row.get_by_role("link", name="查看并办理").click()
        page.get_by_role("heading", name="解聘确认", exact=True).wait_for()
        self.check("解聘确认")
        # Who leaves, and for which change: not the application, nor where he goes.
        self.assertEqual(page.get_by_role("heading", name="申请表（只读）").count(), 0)
        self.assertNotIn("辽宁新城建筑安装有限公司", page.content())

    def test_the_former_employer_agrees_to_the_release(self) -> None:
        case, release = self.change_of_employer()
        page = self.page
        page.on("dialog", lambda dialog: dialog.accept())

        self.open_release()
        page.get_by_role("button", name="同意解聘", exact=True).click()
        page.get_by_text(f"已办理：王强的申请（办件编号{case.number}）同意解聘").wait_for()
        self.check("待确认申请（已办理）")
        self.assertEqual(page.get_by_role("row").filter(has_text="王强").count(), 0)

        release.refresh_from_db()
        case.refresh_from_db()
        self.assertEqual(release.status, ConfirmationStatus.AGREED)
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertIsNotNone(case.accept_due)

        # 王强 reads the answer on his case's page.
        self.login(HOLDER_MOBILE, kind="person")
        page.goto(self.url(reverse("cases:detail", args=[case.pk])))
        timeline = page.locator("ol.timeline")
        for step in ("保存并提交（待单位确认）", "原单位同意解聘", "送交受理部门"):
            timeline.get_by_text(step, exact=True).first.wait_for()
        self.check("办件详情（已同意解聘）")

        self.assertEqual(self.problems, [], "axe-core 发现无障碍问题：\n" + "\n".join(self.problems))

    def test_the_former_employer_objects_and_the_workbench_shows_why(self) -> None:
        case, release = self.change_of_employer()
        page = self.page
        page.on("dialog", lambda dialog: dialog.accept())

        self.open_release()
        # No reason: refused, and said where the eye is.
        page.get_by_role("button", name="有异议", exact=True).click()
        page.get_by_text("请填写异议理由，审批部门将据此核实").first.wait_for()
        self.assertEqual(EmployerConfirmation.objects.get(pk=release.pk).status, ConfirmationStatus.WAITING)
        self.check("解聘确认（未填写理由）")
        field(page, "异议理由（审批部门可见）").fill("劳动合同至2027年6月，尚未办理离职手续")
        page.get_by_role("button", name="有异议", exact=True).click()
        page.get_by_text(f"已办理：王强的申请（办件编号{case.number}）有异议").wait_for()

        release.refresh_from_db()
        case.refresh_from_db()
        self.assertEqual(
            (release.status, release.reason),
            (ConfirmationStatus.OBJECTED, "劳动合同至2027年6月，尚未办理离职手续"),
        )
        # The department decides, knowing of the objection.
        self.assertEqual(case.status, CaseStatus.PENDING)
        self.assertEqual(case.events.get(action=CaseAction.RELEASE_OBJECT).opinion, release.reason)

        self.staff_login("shouli", mobile=ACCEPTOR_MOBILE)
        page.goto(self.url(reverse("review:case", args=[case.pk])))
        alert = page.locator(".release-objection")
        alert.wait_for()
        text = alert.inner_text()
        self.assertIn("原聘用单位对解聘有异议", text)
        self.assertIn("辽宁示范建设工程有限公司", text)
        self.assertIn("理由：劳动合同至2027年6月，尚未办理离职手续", text)
        page.locator(".wb-timeline").get_by_text("原单位对解聘有异议", exact=True).wait_for()
        self.check("审批工作台办件（解聘有异议）")

        self.assertEqual(self.problems, [], "axe-core 发现无障碍问题：\n" + "\n".join(self.problems))

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

        # 陈晨 reads every step, the employer's confirmation among them: 我的办件 → 查看详情.
        self.login(UNCONFIRMED_MOBILE, kind="person")
        page.goto(self.url(reverse("cases:mine")))
        page.get_by_role("link", name="查看详情").click()
        page.wait_for_url(re.compile(rf"{re.escape(reverse('cases:detail', args=[case.pk]))}$"))
        timeline = page.locator("ol.timeline")
        for step in ("保存并提交（待单位确认）", "单位确认", "送交受理部门", "受理", "准予许可"):
            timeline.get_by_text(step, exact=True).first.wait_for()
        page.locator(".material-waived", has_text="单位已在线确认，无需上传").wait_for()
        self.check("办件详情（已办结）")

        # And rates it (一事一评) from the same page.
        page.get_by_role("link", name="去评价").click()
        page.get_by_role("heading", name="请对本次办理作出评价").wait_for()
        self.check("办件评价")
        page.get_by_label("满意", exact=True).check()
        page.get_by_label("办事便捷度").check()
        page.get_by_label("评价内容").fill("单位在线确认，不用来回跑")
        page.get_by_role("button", name="提交评价").click()
        page.get_by_text("感谢您的评价").wait_for()
        page.get_by_role("heading", name="您的评价").wait_for()
        self.check("办件评价（已评价）")
        rating = Rating.objects.get(case=case)
        self.assertEqual(
            (rating.applicant_id, rating.level, rating.indicators, rating.text),
            (applicant.pk, RatingLevel.SATISFIED, ["convenience"], "单位在线确认，不用来回跑"),
        )
        self.assertEqual(RatingPush.objects.get(rating=rating).status, OutboxStatus.QUEUED)
        page.goto(self.url(reverse("cases:detail", args=[case.pk])))
        page.locator(".rating-panel", has_text="您的评价：满意").wait_for()
        self.assertEqual(page.get_by_role("link", name="去评价").count(), 0)

        self.assertEqual(self.problems, [], "axe-core 发现无障碍问题：\n" + "\n".join(self.problems))
