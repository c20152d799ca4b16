"""Phones and 关怀版 in Chromium (issue 11): at 390×844 and 360×740 no page scrolls sideways,
「查看详情」 is on the screen, the header folds into a 「菜单」 that mouse and keyboard open and
close (and that stays open without JavaScript), header labels never break; in 关怀版 the
computed sizes, line heights, contrast and click targets meet 工信部's 适老化 rules, nothing
moves, and the choice holds across pages and on the next visit."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from accounts.models import User, UserKind
from bulletins.models import Bulletin, BulletinStatus
from bulletins.services import bulletin_draft_prepare
from cases.models import Case, CaseStatus, NoticeKind
from cases.services import attachment_add, case_draft_save
from cases.tests.sample_files import document_pdf, photo_png
from catalog.models import ServiceItem
from catalog.registration_types import ChangeKind, ProceedingKind, RegistrationType
from catalog.seed import seed_catalog
from certificates.models import SealedNotice
from certificates.notices import notice_seal_make
from certificates.tests.helpers import ensure_keys
from lib.datacrypt import mobile_index
from lib.uploads import check_upload
from portal.browser import BrowserTestCase
from portal.demo import seed_demo
from portal.display import COOKIE_NAME, DisplayMode
from portal.test import person_create
from registry.models import Registration, RegistrationChange
from revocation.models import Ground, Proceeding
from revocation.services import proceeding_start, proceeding_state

PHONES = [(390, 844), (360, 740)]

# Every element that draws past the right edge of the viewport (what makes a page scroll
# sideways), named so that a failure says where to look.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 0.5) wide.push(el.tagName + "." + el.className);
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""

# Labels in the header and buttons that break onto a second line: each text's line boxes, not
# the element's box (a padded button is taller than a line, a broken label has two line boxes).
BROKEN_LABELS = """() => {
  const broken = [];
  for (const el of document.querySelectorAll(".topbar a, .topbar button, main .btn")) {
    if (!el.checkVisibility()) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const tops = new Set();
      for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
      if (tops.size > 1) broken.push(node.textContent.trim());
    }
  }
  return broken;
}"""

# Where the header's parts sit: the middles of the first row's parts, and how many lines the
# second row's links take.
HEADER_ROWS = """() => {
  const middle = (s) => {
    const b = document.querySelector(s).getBoundingClientRect();
    return Math.round(b.top + b.height / 2);
  };
  const links = [...document.querySelectorAll(".navrow a")];
  const tops = new Set(links.map((a) => Math.round(a.getBoundingClientRect().top)));
  return {first: [".brand", ".topsearch", ".account", ".display-switch"].map(middle), second: tops.size};
}"""

# What 关怀版 promises, measured on whatever the page shows: every visible piece of text at
# least 18 px with a line height of at least 1.3 times that and a contrast of at least 4.5:1
# against the background it sits on; every control at least 44 × 44 px; nothing animated.
CARE_AUDIT = """() => {
  const problems = [];
  const rgba = (s) => {
    const m = s.match(/[\\d.]+/g).map(Number);
    return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let out = [255, 255, 255];
    for (const c of layers.reverse()) out = out.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
    return out;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el) || el.closest("svg, script, style, option")) continue;
    seen.add(el);
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;  // visually hidden text, for screen readers
    const style = getComputedStyle(el);
    const size = parseFloat(style.fontSize);
    const what = node.textContent.trim().slice(0, 12);
    if (size < 18) problems.push("字号 " + size + "px: " + what);
    const line = parseFloat(style.lineHeight);
    if (!(line >= 1.3 * size - 0.01)) problems.push("行高 " + style.lineHeight + ": " + what);
    const fg = rgba(style.color);
    const bg = background(el);
    const ink = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));
    const a = lum(ink), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) problems.push("对比度 " + ratio.toFixed(2) + ": " + what);
  }
  const targets = "button, .btn, select, summary, textarea, .topbar a, .tabs a, .breadcrumbs a, " +
    ".material-upload, " +
    "input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])";
  for (const el of document.querySelectorAll(targets)) {
    if (!el.checkVisibility()) continue;
    const box = el.getBoundingClientRect();
    const name = (el.textContent.trim() || el.name || el.tagName).slice(0, 12);
    if (box.width < 43.5 || box.height < 43.5)
      problems.push("点击区域 " + Math.round(box.width) + "×" + Math.round(box.height) + ": " + name);
  }
  for (const el of document.querySelectorAll("input[type=checkbox], input[type=radio]")) {
    const label = el.closest("label");
    if (!el.checkVisibility() || !label) continue;
    if (label.getBoundingClientRect().height < 43.5)
      problems.push("点击区域 " + label.textContent.trim().slice(0, 12));
  }
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (style.animationName !== "none" || style.transitionDuration.split(",").some((d) => parseFloat(d) > 0))
      problems.push("动效: " + el.tagName + "." + el.className);
  }
  return problems;
}"""


@pytest.mark.browser
class PhonesBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        ensure_keys()
        seed_catalog()
        seed_demo()
        self.holder = User.objects.get(mobile_index=mobile_index("13800138003"))  # 王强: registration granted
        self.granted = Case.objects.get(applicant=self.holder, status=CaseStatus.APPROVED)
        self.company = User.objects.get(mobile_index=mobile_index("13800138001"), kind=UserKind.LEGAL)
        self.acceptor = User.objects.get(username="shouli")
        self.newcomer = User.objects.get(mobile_index=mobile_index("13800138000"))  # 张三: no case yet
        self.waiting = Case.objects.get(status=CaseStatus.PENDING)
        self.reviewing = Case.objects.get(status=CaseStatus.REVIEWING)  # 周明's, nearly due
        self.auditor = User.objects.get(username="shenji")  # the demo's 审计管理员
        # The 注册公告 (ADR 26): the demo's published batch, and a draft of one more decision
        # (王强's 延续注册, written directly) for the 科室负责人's preview.
        self.bulletin = Bulletin.objects.get(status=BulletinStatus.PUBLISHED)
        self.leader = User.objects.get(username="kezhang")
        RegistrationChange.objects.create(
            registration=Registration.objects.get(person__id_index=self.holder.id_index),
            kind=ChangeKind.RENEWAL,
            summary="延续注册",
        )
        self.bulletin_draft = bulletin_draft_prepare(user=self.leader)

    def log_in(self, user: User, context: Any = None) -> None:
        # Straight into a session: what is tested here is the pages, not the login steps.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        (context or self.context).clear_cookies()
        (context or self.context).add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": self.live_server_url,
                }
            ]
        )

    def proceeding(self) -> Proceeding:
        """A 撤销 proceeding on 王强's registration, in 陈述申辩期 (ADR 27): made on first use, so
        that only the tests walking `pages()` see it under 我的办件."""
        found = Proceeding.objects.filter(case__applicant=self.holder).first()
        if found is not None:
            return found
        return proceeding_start(
            kind=ProceedingKind.REVOKE,
            registration=Registration.objects.get(created_by_case=self.granted),
            ground=Ground.DECEPTION,
            facts="经查，申请人提交的劳动合同系伪造。",
            by=User.objects.get(username="shencha"),
        )

    def answered_proceeding(self) -> Proceeding:
        """A 强制注销 proceeding on 赵刚's registration that he answered: the 科室负责人's
        decision form is open on it."""
        renewing = User.objects.get(mobile_index=mobile_index("13800138004"))
        found = Proceeding.objects.filter(case__applicant=renewing).first()
        if found is not None:
            return found
        proceeding = proceeding_start(
            kind=ProceedingKind.FORCED_CANCEL,
            registration=Registration.objects.get(person__id_index=renewing.id_index),
            ground=Ground.CONTRACT_ENDED,
            facts="聘用单位书面说明已与其解除聘用合同。",
            by=User.objects.get(username="shencha"),
        )
        return proceeding_state(
            proceeding=proceeding, user=renewing, text="我已与新单位签订劳动合同，正在办理变更。"
        )

    def draft(self) -> Case:
        """A saved 初始注册 draft of a person with no other case, the photo and a scan uploaded:
        the form with its materials rows, as in the middle of the manual's section 2.1."""
        found = Case.objects.filter(applicant__mobile_index=mobile_index("13900139020")).first()
        if found is not None:
            return found
        person = person_create(name="韩雪", first17="21010219930204020", mobile="13900139020")
        item = ServiceItem.objects.get(matter__code="ejjzs-zgrd", code=RegistrationType.INITIAL)
        case = case_draft_save(
            user=person,
            item=item,
            submit_method="online",
            form_data={"education": "本科", "major": "土木工程"},
        )
        for code, data, images in (("photo", photo_png(), True), ("identity", document_pdf(), False)):
            material = item.materials.get(code=code)
            attachment_add(
                case=case,
                material=material,
                checked=check_upload(data, images_only=images),
                original_name=f"{material.name}.{'png' if images else 'pdf'}",
                user=person,
            )
        return case

    def pages(self) -> list[tuple[User | None, list[str]]]:
        proceeding = self.proceeding()
        draft = self.draft()
        answered = self.answered_proceeding()
        # The demo's 强制注销 (钱芳) with its 陈述申辩 period passed unanswered: the 督办 list's
        # table "陈述申辩期已满，待决定" is drawn too (ADR 27).
        Proceeding.objects.filter(case__applicant__mobile_index=mobile_index("13800138008")).update(
            statement_due=timezone.localdate() - timedelta(days=1)
        )
        number = proceeding.registration.number
        # The QR code of a sealed 材料接收告知单 opens its check page (ADR 0033): sealed here
        # as the worker seals it.
        sealed = SealedNotice.objects.get(notice__case=self.waiting, notice__kind=NoticeKind.RECEIPT)
        notice_seal_make(sealed_id=sealed.pk)
        sealed.refresh_from_db()
        return [
            (
                None,
                [
                    "/",
                    "/catalog/search/?q=建造师",
                    "/catalog/matters/ejjzs-zgrd/",
                    "/registry/query/",
                    "/help/",
                    "/accounts/login/",
                    "/accounts/register/",
                    "/certificates/verify/",
                    f"/certificates/verify/notice/{sealed.token}/",
                    "/bulletins/",
                    f"/bulletins/?q={self.bulletin.entries.get(position=1).registration_number}",
                    f"/bulletins/{self.bulletin.pk}/",
                ],
            ),
            (
                self.holder,
                [
                    "/accounts/profile/",
                    "/cases/mine/",
                    f"/cases/{self.granted.pk}/",
                    # 公示附件 (section 3), and the messages the decision sent
                    f"/certificates/case/{self.granted.pk}/",
                    "/messages/",
                    "/certificates/mine/",
                    # 撤销注册 as the holder sees it, and the 陈述申辩 form (ADR 27)
                    f"/cases/{proceeding.case_id}/",
                    f"/proceedings/mine/{proceeding.case_id}/",
                ],
            ),
            # 材料接收告知单 of a submitted case (section 2.1's end)
            (self.waiting.applicant, [f"/cases/{self.waiting.pk}/receipt/"]),
            # Section 2.1: choosing the 办理项, then the saved draft with its materials rows.
            (draft.applicant, ["/catalog/matters/ejjzs-zgrd/apply/", f"/cases/{draft.pk}/edit/"]),
            (self.company, ["/registry/enterprise/"]),
            (
                self.acceptor,
                [
                    "/workbench/",
                    f"/workbench/cases/{self.waiting.pk}/",
                    f"/workbench/cases/{self.waiting.pk}/?show=id_number",
                    # 我的信息's correction requests land here (ADR 16)
                    "/workbench/corrections/",
                ],
            ),
            # 告知承诺's 核查 tasks are the 审查人员's (ADR 20)
            # ... the 延期 and 特别程序 forms of a case under review (ADR 25)
            (
                User.objects.get(username="shencha"),
                [
                    "/workbench/checks/",
                    f"/workbench/cases/{self.reviewing.pk}/",
                    # 撤销注册 and 强制注销 (ADR 27): the list, the start form, the case page
                    "/proceedings/",
                    f"/proceedings/new/?number={number}",
                    f"/proceedings/{proceeding.case_id}/",
                ],
            ),
            # The 科室负责人's 督办 list (ADR 25): the demo has a case overdue and one nearly due;
            # his decision form of a proceeding (ADR 27) and his 统计分析 (ADR 28): wide tables
            # and charts on a phone.
            (
                User.objects.get(username="kezhang"),
                [
                    "/supervision/",
                    f"/workbench/cases/{self.reviewing.pk}/",
                    f"/proceedings/{answered.case_id}/",
                    "/figures/",
                ],
            ),
            # 差评申诉 are decided by the 系统管理员 (ADR 21)
            (User.objects.get(username="admin"), ["/ratings/appeals/"]),
            # 注册公告发布 is the 科室负责人's (ADR 26)
            (self.leader, ["/bulletins/manage/", f"/bulletins/manage/{self.bulletin_draft.pk}/"]),
            # Its rows are the visits above: the table has something to fold into cards.
            (self.auditor, ["/audit/"]),
            (self.newcomer, [f"/cases/start/{self.granted.item_id}/"]),
        ]

    def visit(self, path: str) -> None:
        response = self.page.goto(self.url(path))
        self.assertIsNotNone(response)
        self.assertEqual(response.status, 200, path)

    def test_it_fits_every_main_page_on_a_phone(self) -> None:
        for width, height in PHONES:
            self.page.set_viewport_size({"width": width, "height": height})
            for user, paths in self.pages():
                if user:
                    self.log_in(user)
                for path in paths:
                    with self.subTest(width=width, path=path):
                        self.visit(path)
                        found = self.page.evaluate(OVERFLOW)
                        self.assertEqual(found["width"], width)
                        self.assertLessEqual(found["scroll"], width, found["wide"])
                        self.assertEqual(self.page.evaluate(BROKEN_LABELS), [])

    def test_view_details_is_on_the_screen_of_a_phone(self) -> None:
        self.log_in(self.holder)
        for width, height in PHONES:
            self.page.set_viewport_size({"width": width, "height": height})
            self.visit("/cases/mine/")
            button = self.page.get_by_role("link", name="查看详情")
            box = button.bounding_box()
            self.assertGreaterEqual(box["x"], 0)
            self.assertLessEqual(box["x"] + box["width"], width)
            # Each cell says what it is, and the screen reader still hears a table.
            row = self.page.get_by_role("row").filter(has_text="办结（准予许可）")
            self.assertEqual(row.get_by_role("cell").first.get_attribute("data-label"), "办件编号")
            self.assertEqual(self.page.get_by_role("columnheader").count(), 5)
            button.click()
            self.page.wait_for_url(f"**/cases/{self.granted.pk}/")

        # The workbench queue: the case's number, the way into it, is on the screen too.
        self.log_in(self.acceptor)
        self.visit("/workbench/")
        box = self.page.get_by_role("link", name=self.waiting.number).bounding_box()
        self.assertLessEqual(box["x"] + box["width"], PHONES[-1][0])

    def test_the_menu_opens_and_closes_with_mouse_and_keyboard(self) -> None:
        self.log_in(self.holder)
        self.page.set_viewport_size({"width": 390, "height": 844})
        self.visit("/cases/mine/")
        menu = self.page.get_by_role("button", name="菜单")
        mine = self.page.get_by_role("navigation", name="我的").get_by_role("link", name="我的证照")
        self.assertEqual(menu.get_attribute("aria-expanded"), "false")
        self.assertEqual(menu.get_attribute("aria-controls"), "site-menu")
        self.assertFalse(mine.is_visible())

        menu.click()
        self.assertEqual(menu.get_attribute("aria-expanded"), "true")
        self.assertTrue(mine.is_visible())
        self.assertTrue(self.page.get_by_role("button", name="退出").is_visible())
        self.assertEqual(self.page.evaluate(BROKEN_LABELS), [])
        self.assertLessEqual(self.page.evaluate(OVERFLOW)["scroll"], 390)
        menu.click()
        self.assertEqual(menu.get_attribute("aria-expanded"), "false")
        self.assertFalse(mine.is_visible())

        # Keyboard only: Tab to 「菜单」, Enter opens, Tab goes into the menu, Escape closes it
        # and gives the focus back; Space opens it again. From a fresh page, as a keyboard
        # user arrives.
        self.visit("/cases/mine/")
        self.page.keyboard.press("Tab")
        for _ in range(5):
            if self.page.evaluate("document.activeElement.textContent") == "菜单":
                break
            self.page.keyboard.press("Tab")
        self.assertEqual(
            self.page.evaluate("document.activeElement.getAttribute('aria-controls')"), "site-menu"
        )
        self.page.keyboard.press("Enter")
        self.assertEqual(menu.get_attribute("aria-expanded"), "true")
        self.page.keyboard.press("Tab")
        self.assertTrue(
            self.page.evaluate("document.getElementById('site-menu').contains(document.activeElement)")
        )
        self.page.keyboard.press("Escape")
        self.assertEqual(menu.get_attribute("aria-expanded"), "false")
        self.assertEqual(self.page.evaluate("document.activeElement.textContent"), "菜单")
        self.page.keyboard.press("Space")
        self.assertEqual(menu.get_attribute("aria-expanded"), "true")
        mine.click()
        self.page.wait_for_url("**/certificates/mine/")

        # On a wide screen there is no 「菜单」: the links are all there in the header's second row.
        self.page.set_viewport_size({"width": 1366, "height": 800})
        self.assertFalse(menu.is_visible())
        self.assertTrue(self.page.get_by_role("link", name="我的办件").first.is_visible())

    def test_without_javascript_the_menu_stays_open(self) -> None:
        context = self.browser.new_context(
            locale="zh-CN", viewport={"width": 360, "height": 740}, java_script_enabled=False
        )
        self.log_in(self.holder, context)
        page = context.new_page()
        page.goto(self.url("/cases/mine/"))
        self.assertFalse(page.get_by_role("button", name="菜单").is_visible())
        self.assertTrue(page.get_by_role("link", name="我的证照").is_visible())
        self.assertTrue(page.get_by_role("button", name="退出").is_visible())
        self.assertLessEqual(page.evaluate(OVERFLOW)["scroll"], 360)
        context.close()

    def test_the_signed_in_header_is_two_rows_at_every_wide_width(self) -> None:
        for user in (self.holder, self.company, self.acceptor):
            self.log_in(user)
            for width in (1366, 1024, 901):
                with self.subTest(user=user.name, width=width):
                    self.page.set_viewport_size({"width": width, "height": 800})
                    self.visit("/help/")
                    rows = self.page.evaluate(HEADER_ROWS)
                    self.assertLessEqual(max(rows["first"]) - min(rows["first"]), 4, rows)
                    self.assertEqual(rows["second"], 1)
                    self.assertEqual(self.page.evaluate(BROKEN_LABELS), [])

    def test_care_mode_meets_the_elder_rules_and_persists(self) -> None:
        page = self.page
        page.set_viewport_size({"width": 390, "height": 844})
        self.visit("/help/")
        self.assertEqual(page.evaluate("document.documentElement.className"), "")
        self.assertLess(
            page.evaluate("parseFloat(getComputedStyle(document.querySelector('.footer')).fontSize)"), 18
        )
        page.get_by_role("button", name="切换到关怀版（大字体）").click()
        page.wait_for_url("**/help/")
        self.assertEqual(page.evaluate("document.documentElement.classList.contains('care')"), True)
        self.assertTrue(page.get_by_role("button", name="切换到标准版").is_visible())
        cookie = next(c for c in self.context.cookies() if c["name"] == COOKIE_NAME)
        self.assertEqual(cookie["value"], DisplayMode.CARE)
        self.assertGreater(cookie["expires"], time.time() + 300 * 24 * 3600)  # kept, not a session cookie

        # Across pages, for each kind of user, on a phone and on a wide screen.
        for user, paths in self.pages():
            if user:
                self.log_in(user)
                self.context.add_cookies(
                    [{"name": COOKIE_NAME, "value": DisplayMode.CARE, "url": self.live_server_url}]
                )
            for width, height in ((390, 844), (1366, 800)):
                page.set_viewport_size({"width": width, "height": height})
                for path in paths:
                    with self.subTest(width=width, path=path):
                        self.visit(path)
                        self.assertEqual(
                            page.evaluate("document.documentElement.classList.contains('care')"), True
                        )
                        if width < 900:
                            menu = page.get_by_role("button", name="菜单")
                            menu.click()  # the links inside it count too
                        self.assertEqual(page.evaluate(CARE_AUDIT), [])
                        self.assertLessEqual(page.evaluate(OVERFLOW)["scroll"], width)

        # The next visit (a new browser window with the same cookies) opens in 关怀版 at once.
        state = self.context.storage_state()
        again = self.browser.new_context(locale="zh-CN", storage_state=state)
        later = again.new_page()
        later.goto(self.url("/"))
        self.assertEqual(later.evaluate("document.documentElement.classList.contains('care')"), True)
        later.get_by_role("button", name="切换到标准版").click()
        later.wait_for_url(self.url("/"))
        self.assertEqual(later.evaluate("document.documentElement.classList.contains('care')"), False)
        again.close()
