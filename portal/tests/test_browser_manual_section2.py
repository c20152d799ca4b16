"""The manual, section 2.1, in Chromium: search → 开始申请 → fill the form → 保存信息 (choose
the 提交方式) → 打印申请表 → click each material's name to upload it → 保存并提交 → 材料接收告知单;
then the staff 受理 → 审查 → 准予; then the applicant sees 办结 under 我的办件 → 查看详情, and the
SMS waits in the outbox."""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from accounts.tests.helpers import last_code
from cases.models import Case, CaseStatus
from cases.tests.sample_files import document_pdf, photo_png, signature_png
from catalog.models import Department
from catalog.seed import seed_catalog
from lib.datacrypt import mobile_index
from notifications.models import SmsMessage
from portal.browser import BrowserTestCase
from portal.test import PASSWORD, STAFF_PASSWORD, make_uscc, person_create, staff_make
from registry.models import Registration

MATERIALS = {
    "申请表": "pdf",
    "申请人本人白底1寸照片（图片）": "photo",
    "申请人本人手写签名（图片）": "signature",
    "身份证明": "pdf",
    "资格证书": "pdf",
    "劳动合同": "pdf",
}


def field(page: Any, label: str) -> Any:
    return page.get_by_label(re.compile(rf"^\*?{re.escape(label)}$"))


@pytest.mark.browser
class ManualSectionTwoTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        seed_catalog()
        department = Department.objects.get(code="lnszjt")
        self.applicant = person_create(name="张伟", first17="21010219900307001", mobile="13800000001")
        # Staff finish their login with an SMS code sent to these mobiles.
        self.acceptor = staff_make(
            username="shouli", name="受理员刘洋", role="acceptor", department=department, mobile="13500000011"
        )
        self.reviewer = staff_make(
            username="shencha",
            name="审查员陈静",
            role="reviewer",
            department=department,
            mobile="13500000012",
        )
        self.decider = staff_make(
            username="shenpi", name="审批员孙磊", role="decider", department=department, mobile="13500000013"
        )
        self.files = Path(tempfile.mkdtemp(prefix="manual-"))
        self.addCleanup(shutil.rmtree, self.files, ignore_errors=True)
        (self.files / "photo.png").write_bytes(photo_png())
        (self.files / "signature.png").write_bytes(signature_png())
        (self.files / "scan.pdf").write_bytes(document_pdf())

    def login(self, page: Any, identifier: str, password: str, *, staff: str = "") -> None:
        """Log in through the page; `staff` is a staff member's mobile, where the second
        step's code arrives (read from the outbox, as the person reads their phone)."""
        page.goto(self.url("/accounts/login/"))
        if staff:
            page.get_by_role("link", name="工作人员登录").click()
        else:
            page.get_by_role("link", name="个人", exact=True).click()
        field(page, "账号").fill(identifier)
        field(page, "密码").fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_load_state()
        if staff:
            page.get_by_role("heading", name="工作人员登录验证").wait_for()
            field(page, "验证码").fill(last_code(staff))
            page.get_by_role("button", name="验证并登录").click()
            page.wait_for_load_state()

    def logout(self, page: Any) -> None:
        page.get_by_role("button", name="退出").click()
        page.wait_for_load_state()

    def upload(self, page: Any, material: str, kind: str) -> None:
        path = {"pdf": "scan.pdf", "photo": "photo.png", "signature": "signature.png"}[kind]
        # 点击附件目录文字来进行上传附件: the material's name opens the file chooser.
        with page.expect_file_chooser() as chooser:
            page.locator("label.material-upload", has_text=material).click()
        with page.expect_navigation():
            chooser.value.set_files(str(self.files / path))
        page.locator(".material-row", has_text=material).locator(".file-list").wait_for()

    def test_it_follows_the_manual_from_search_to_a_granted_registration(self) -> None:
        page = self.page
        page.on("dialog", lambda dialog: dialog.accept())
        self.login(page, self.applicant.id_number, PASSWORD)

        # 2.1 (1)-(2): search, the guide, 开始申请, then the 办理项.
        search = page.get_by_role("searchbox", name="搜索事项")
        search.fill("二级注册建造师执业资格认定")
        search.press("Enter")
        page.get_by_role("link", name="二级注册建造师执业资格认定", exact=True).first.click()
        page.get_by_role("link", name="开始申请").click()
        page.get_by_role("link", name="填写申请表").first.click()

        # 2.1 (3): fill the form, 保存信息 (the first save asks for the 提交方式).
        field(page, "最高学历").select_option("本科")
        field(page, "所学专业").fill("土木工程")
        field(page, "资格证书管理号").fill("LN2024000168")
        page.locator("input[name=qualification_specialties][value='10401001']").check()
        field(page, "取得资格日期").fill((date.today() - timedelta(days=400)).isoformat())
        field(page, "聘用企业名称").fill("辽宁宏建建设集团有限公司")
        field(page, "聘用企业统一社会信用代码").fill(make_uscc("91210100MA0QC0000"))
        field(page, "企业联系人").fill("赵敏")
        field(page, "企业联系电话").fill("024-23447766")
        page.locator("input[name=specialties][value='10401001']").check()
        page.get_by_role("button", name="保存信息").click()
        dialog = page.locator("#submit-method-dialog")
        dialog.get_by_label("网上提交").check()
        dialog.get_by_role("button", name="确定").click()
        page.get_by_text("保存成功").wait_for()
        case = Case.objects.get(applicant=self.applicant)
        self.assertEqual(case.submit_method, "online")

        # 打印申请表: an A4 PDF of what was typed.
        href = page.get_by_role("link", name="打印申请表").get_attribute("href")
        pdf = page.request.get(self.url(href))
        self.assertEqual(pdf.headers["content-type"], "application/pdf")
        self.assertTrue(pdf.body().startswith(b"%PDF"))

        # 2.1 (4): upload each * material by clicking its name, then 保存并提交.
        for material, kind in MATERIALS.items():
            self.upload(page, material, kind)
        page.get_by_role("button", name="保存并提交").click()
        page.get_by_role("heading", name=re.compile("材料接收告知单")).wait_for()
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.PENDING)
        page.get_by_text(case.number or "-").first.wait_for()
        self.logout(page)

        # The staff: 受理 → 审查通过 → 准予许可, each from the workbench.
        for user, button, opinion in (
            (self.acceptor, "受理", None),
            (self.reviewer, "审查通过", "材料真实有效，符合初始注册条件"),
            (self.decider, "准予许可", None),
        ):
            self.login(page, user.username, STAFF_PASSWORD, staff=user.mobile)
            page.goto(self.url("/workbench/"))
            page.get_by_role("link", name=case.number).click()
            if opinion:
                page.get_by_label(re.compile("审查意见")).fill(opinion)
            page.get_by_role("button", name=button, exact=True).click()
            page.wait_for_load_state()
            self.logout(page)
        case.refresh_from_db()
        self.assertEqual(case.status, CaseStatus.APPROVED)
        registration = Registration.objects.get(person__id_index=self.applicant.id_index)
        self.assertRegex(registration.number, r"^辽221")

        # 3.1 (1): the applicant finds the case 办结 under 我的办件 and opens 查看详情.
        self.login(page, self.applicant.mobile, PASSWORD)
        page.goto(self.url("/accounts/profile/"))
        page.get_by_role("link", name="我的办件").first.click()
        row = page.locator("tr", has_text=case.number)
        row.get_by_text("办结（准予许可）").wait_for()
        row.get_by_role("link", name="查看详情").click()
        for step in ("保存并提交", "受理", "审查通过", "准予许可"):
            page.locator(".timeline").get_by_text(step, exact=True).first.wait_for()
        page.get_by_text("材料真实有效，符合初始注册条件").wait_for()
        self.assertTrue(
            SmsMessage.objects.filter(
                mobile_index=mobile_index(self.applicant.mobile), template="case_finished"
            ).exists()
        )
