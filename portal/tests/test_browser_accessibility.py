"""axe-core (WCAG 2.0/2.1, A and AA) finds nothing on any page of the manual's journey, the
staff workbench or the public pages, at an office screen's width (1366×800) and a phone's
(390×844). One live server, one browser, one login per persona; the demo data
(portal/demo.py) puts each page in the state the manual shows."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User, UserKind
from accounts.tests.helpers import last_code
from bulletins.models import Bulletin, BulletinStatus
from cases.models import Case, CaseStatus
from cases.services import attachment_add, case_draft_save
from cases.tests.sample_files import photo_png
from catalog.models import ServiceItem
from catalog.registration_types import ChangeKind, ProceedingKind, RegistrationType
from certificates.models import CertificateCopy
from certificates.tests.helpers import ensure_keys
from lib.datacrypt import mobile_index
from lib.uploads import check_upload
from portal.browser import (
    DESKTOP,
    PHONE,
    BrowserTestCase,
    axe_report,
    axe_violations,
    queued_tasks_run,
)
from portal.cluster import ERROR_PAGES_DIR
from portal.demo import APPLICANT_PASSWORD, STAFF_PASSWORD, demo_history, seed_demo
from portal.test import catalog_seeded
from registry.models import Registration, RegistrationChange
from revocation.models import Ground, Proceeding
from revocation.services import proceeding_start, proceeding_state

NEWCOMER_MOBILE = "13800138000"  # 张三: no case yet
WAITING_MOBILE = "13800138002"  # 李娜: a case waiting for 受理
HOLDER_MOBILE = "13800138003"  # 王强: registration granted
ENTERPRISE_MOBILE = "13800138001"  # 辽宁示范建设工程有限公司
MATTER = "ejjzs-zgrd"


def field(page: Any, label: str) -> Any:
    return page.get_by_label(re.compile(rf"^\*?{re.escape(label)}$"))


@pytest.mark.browser
class AxeTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        catalog_seeded()
        seed_demo()
        self.problems: list[str] = []

    def check(self, where: str) -> None:
        """axe-core on the page as shown, at both widths (the same page, resized: the media
        queries apply as on a real resize)."""
        page = self.page
        page.wait_for_load_state()
        for width, size in (("1366", DESKTOP), ("390", PHONE)):
            page.set_viewport_size(size)
            # Two frames: the page's resize handlers (static/js/a11y.js) have run.
            page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
            self.problems += axe_report(axe_violations(page), f"{where} @{width}")
        page.set_viewport_size(DESKTOP)

    def visit(self, path: str, where: str) -> None:
        self.page.goto(self.url(path))
        self.check(where)

    def login(self, account: str, password: str, *, kind: str, staff_mobile: str = "") -> None:
        page = self.page
        page.context.clear_cookies()
        page.goto(self.url(f"/accounts/login/?kind={kind}"))
        field(page, "账号").fill(account)
        field(page, "密码").fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_load_state()
        if staff_mobile:
            page.get_by_role("heading", name="工作人员登录验证").wait_for()
            self.check("工作人员登录验证")
            field(page, "验证码").fill(last_code(staff_mobile))
            page.get_by_role("button", name="验证并登录").click()
            page.wait_for_load_state()

    def draft_with_a_photo(self) -> Case:
        """张三's 初始注册 draft, half typed, with the photo uploaded: the form and its materials
        list as in the middle of section 2.1."""
        newcomer = User.objects.get(mobile_index=mobile_index(NEWCOMER_MOBILE), kind=UserKind.PERSON)
        item = ServiceItem.objects.get(matter__code=MATTER, code=RegistrationType.INITIAL)
        case = case_draft_save(
            user=newcomer,
            item=item,
            submit_method="online",
            form_data={"education": "本科", "major": "土木工程"},
        )
        attachment_add(
            case=case,
            material=item.materials.get(code="photo"),
            checked=check_upload(photo_png(), images_only=True),
            original_name="照片.png",
            user=newcomer,
        )
        return case

    def test_it_reports_what_axe_finds(self) -> None:
        # The check itself can fail: a page with an unnamed image and no language breaks two rules.
        self.page.set_content("<html><body><main><img src='x.png'></main></body></html>")
        lines = axe_report(axe_violations(self.page), "样例")
        self.assertTrue(any(line.startswith("样例: image-alt (critical) img") for line in lines), lines)
        self.assertTrue(any(line.startswith("样例: html-has-lang (serious) html") for line in lines), lines)

    def test_it_finds_no_violation_on_the_manuals_pages_the_workbench_and_the_public_pages(self) -> None:
        holder = User.objects.get(mobile_index=mobile_index(HOLDER_MOBILE), kind=UserKind.PERSON)
        holder_registration = Registration.objects.get(person__id_index=holder.id_index)
        draft = self.draft_with_a_photo()
        waiting = Case.objects.get(applicant__mobile_index=mobile_index(WAITING_MOBILE))
        granted = Case.objects.filter(applicant=holder).latest("pk")

        # Public pages, before any login (section 1 and the public services).
        self.visit("/", "首页")
        self.visit("/catalog/search/?q=二级注册建造师执业资格认定", "搜索结果")
        self.visit("/catalog/search/?q=没有这个事项", "搜索无结果")
        self.visit("/catalog/departments/", "部门")
        self.visit("/catalog/departments/lnszjt/", "省住房城乡建设厅")
        self.visit(f"/catalog/matters/{MATTER}/", "办事指南")
        self.visit("/help/", "帮助手册")
        self.visit("/accounts/register/", "注册")
        # With another document, 性别 and 出生日期 show (ADR 0038).
        field(self.page, "证件类型").select_option(label="护照")
        field(self.page, "出生日期").wait_for()
        self.check("注册（护照）")
        for kind, tab in (("person", "个人"), ("legal", "法人"), ("staff", "工作人员")):
            self.visit(f"/accounts/login/?kind={kind}", f"登录（{tab}）")
        self.visit("/accounts/password-reset/", "找回密码")
        self.visit("/registry/query/", "注册人员查询")
        page = self.page
        field(page, "姓名").fill("王强")
        field(page, "注册编号").fill(holder_registration.number)
        page.get_by_role("button", name="查询").click()
        self.check("注册人员查询结果")
        self.visit("/certificates/verify/", "证照核验（上传文件）")
        self.visit("/certificates/ofd-reader/", "OFD阅读器下载")
        # 注册公告 (ADR 26): the demo's batch, the list searched by a 注册编号, and the batch.
        bulletin = Bulletin.objects.get(status=BulletinStatus.PUBLISHED)
        self.visit("/bulletins/", "注册公告")
        field(page, "注册编号、企业名称或公告编号").fill(holder_registration.number)
        page.get_by_role("button", name="查询").click()
        self.check("注册公告（查询结果）")
        self.visit(f"/bulletins/{bulletin.pk}/", "注册公告（一期）")
        # The error pages, each in the portal's layout: a missing page, a request the portal
        # cannot read (more fields than it accepts), a form whose token has gone.
        self.visit("/cases/no-such-page/", "页面不存在（404）")
        too_many = "&".join(f"f{i}=1" for i in range(1100))
        self.visit(f"/catalog/search/?{too_many}", "请求无法处理（400）")
        page.goto(self.url("/accounts/login/?kind=person"))
        field(page, "账号").fill(NEWCOMER_MOBILE)
        field(page, "密码").fill(APPLICANT_PASSWORD)
        page.context.clear_cookies()  # the CSRF cookie with them, as after a long absence
        page.get_by_role("button", name="登录", exact=True).click()
        page.get_by_role("heading", name="页面已过期").wait_for()
        self.check("页面已过期（CSRF）")
        # nginx's own pages (deploy/nginx/errors), shown when no app server answers: on a blank
        # page, where the portal's policy does not stop their own styles.
        for name in ("413", "502", "504"):
            page.goto("about:blank")
            page.set_content((ERROR_PAGES_DIR / f"{name}.html").read_text("utf-8"))
            self.check(f"nginx 错误页 {name}")

        # Section 2.1: 张三 applies.
        self.login(NEWCOMER_MOBILE, APPLICANT_PASSWORD, kind="person")
        self.check("个人中心")
        self.visit(f"/catalog/matters/{MATTER}/apply/", "选择办理项")
        item = ServiceItem.objects.get(matter__code=MATTER, code=RegistrationType.ADDITION)
        self.visit(f"/cases/start/{item.pk}/", "申请表（未保存）")
        self.visit(f"/cases/{draft.pk}/edit/", "申请表和附件材料（草稿）")
        page.get_by_role("button", name="保存并提交").click()
        self.check("申请表（提交被拒）")
        self.visit("/cases/mine/", "我的办件（草稿）")
        self.visit("/messages/", "消息")
        self.visit("/workbench/", "没有访问权限（403）")

        # The end of section 2.1: 李娜's submitted case and its 材料接收告知单.
        self.login(WAITING_MOBILE, APPLICANT_PASSWORD, kind="person")
        self.visit(f"/cases/{waiting.pk}/receipt/", "材料接收告知单")

        # Sections 3 and 4: 王强 holds a registration.
        self.login(HOLDER_MOBILE, APPLICANT_PASSWORD, kind="person")
        self.visit("/cases/mine/", "我的办件（办结）")
        self.visit(f"/cases/{granted.pk}/", "办件详情")
        page.get_by_role("link", name="公示附件").click()
        dialog = page.get_by_role("dialog")
        dialog.get_by_role("button", name="加注").wait_for()
        self.check("公示附件窗口")
        # 加注 by keyboard: each step is said aloud inside the window (the page behind it is
        # inert), and the focus stays in the window, on the new file's link at the end.
        dialog.get_by_role("button", name="加注").focus()
        page.keyboard.press("Enter")
        live = page.locator("#attachments-dialog [data-live]")
        live.get_by_text("已提交加注，正在生成证书文件，请稍候").wait_for(state="attached")
        dialog.get_by_text("加注中…").wait_for()
        self.assertTrue(
            page.evaluate("document.getElementById('attachments-dialog').contains(document.activeElement)")
        )
        self.check("公示附件窗口（加注中）")
        queued_tasks_run()  # the page polls for the result meanwhile
        live.get_by_text("加注完成，可以下载“二建建造师注册证书”").wait_for(state="attached")
        expect(dialog.get_by_role("link", name="二建建造师注册证书")).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.get_by_role("link", name="公示附件")).to_be_focused()
        self.visit(f"/certificates/case/{granted.pk}/", "公示附件页面")
        self.visit("/certificates/mine/", "我的证照")
        copy = CertificateCopy.objects.get(certificate__registration=holder_registration)
        self.visit(reverse("certificates:verify", args=[copy.token]), "证照核验（扫码）")

        # The enterprise: 本单位人员.
        self.login(ENTERPRISE_MOBILE, APPLICANT_PASSWORD, kind="legal")
        self.check("个人中心（法人）")
        self.visit("/registry/enterprise/", "本单位人员")

        # The staff workbench: the queue and 李娜's case.
        self.login("shouli", STAFF_PASSWORD, kind="staff", staff_mobile="13800138010")
        self.visit("/workbench/", "审批工作台")
        self.visit(f"/workbench/cases/{waiting.pk}/", "审批工作台办件")

        # The 审查人员: the 延期 and 特别程序 forms of a case under review (督办, ADR 25), and
        # 撤销注册 (ADR 27), which he starts.
        reviewing = Case.objects.get(status=CaseStatus.REVIEWING)  # the demo's, before the history's
        proceeding = proceeding_start(
            kind=ProceedingKind.REVOKE,
            registration=holder_registration,
            ground=Ground.DECEPTION,
            facts="经查，申请人提交的劳动合同系伪造。",
            by=User.objects.get(username="shencha"),
        )
        self.login("shencha", STAFF_PASSWORD, kind="staff", staff_mobile="13800138011")
        self.visit(f"/workbench/cases/{reviewing.pk}/", "审批工作台办件（延期与特别程序）")
        self.visit("/proceedings/", "撤销与注销")
        self.visit(f"/proceedings/new/?number={holder_registration.number}", "启动撤销或注销程序")
        self.visit(f"/proceedings/{proceeding.case_id}/", "撤销程序（审查人员）")
        # The holder answers.
        self.login(HOLDER_MOBILE, APPLICANT_PASSWORD, kind="person")
        self.visit(f"/cases/{proceeding.case_id}/", "办件详情（撤销程序）")
        self.visit(f"/proceedings/mine/{proceeding.case_id}/", "陈述申辩")
        holder_account = User.objects.get(mobile_index=mobile_index(HOLDER_MOBILE), kind=UserKind.PERSON)
        proceeding_state(proceeding=proceeding, user=holder_account, text="劳动合同真实有效。")
        self.visit(f"/proceedings/mine/{proceeding.case_id}/", "陈述申辩（已提交）")

        # The 科室负责人, in one session (a second login within the SMS interval would find no new
        # code): he lands on his 督办 list (ADR 25); his 统计分析 over a year of history (ADR 28);
        # a decision not yet published (王强's 延续注册, written directly) drafted, previewed and
        # published (ADR 26); the decision form of the proceeding the holder answered (ADR 27).
        demo_history()
        RegistrationChange.objects.create(
            registration=holder_registration, kind=ChangeKind.RENEWAL, summary="延续注册"
        )
        # The demo's 强制注销 (钱芳) with its 陈述申辩 period passed unanswered: the 督办 list
        # draws its table "陈述申辩期已满，待决定" (ADR 27).
        Proceeding.objects.filter(case__applicant__mobile_index=mobile_index("13800138008")).update(
            statement_due=timezone.localdate() - timedelta(days=1)
        )
        self.login("kezhang", STAFF_PASSWORD, kind="staff", staff_mobile="13800138016")
        self.page.get_by_role("heading", name="督办", exact=True).wait_for()
        self.check("督办")
        self.visit("/figures/", "统计分析")
        self.visit("/bulletins/manage/", "注册公告发布")
        page.get_by_role("button", name="生成公告草稿").click()
        page.get_by_role("button", name="发布公告").wait_for()
        self.check("公告草稿")
        page.get_by_role("button", name="发布公告").click()
        page.get_by_text("已发布辽建注公告").wait_for()
        self.check("注册公告（刚发布）")
        self.assertEqual(Bulletin.objects.filter(status=BulletinStatus.PUBLISHED).count(), 2)
        self.visit(f"/proceedings/{proceeding.case_id}/", "撤销程序（科室负责人决定）")

        self.assertEqual(self.problems, [], "axe-core 发现无障碍问题：\n" + "\n".join(self.problems))
