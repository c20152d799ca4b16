"""Nothing typed is lost (issue 11), in Chromium: the autosave says 「已自动保存 hh:mm」 and
the value survives a reload; a login that runs out mid-form brings the user back to the form
with what was typed; a second tab's stale save is refused; the idle warning offers 继续办理."""

from __future__ import annotations

import re
import tempfile
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import override_settings

from accounts.models import Enterprise, User, UserKind
from cases.models import Case
from cases.tests.helpers import draft_case
from catalog.seed import seed_catalog
from portal.browser import BrowserTestCase
from portal.test import PASSWORD, make_uscc, person_create

# Screenshots to look at (not kept in the repository).
SHOTS = Path(tempfile.gettempdir())


def field(page: Any, label: str) -> Any:
    return page.get_by_label(re.compile(rf"^\*?{re.escape(label)}$"))


@pytest.mark.browser
class DraftsInTheBrowserTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        seed_catalog()
        self.applicant = person_create(name="张伟", first17="21010219900307001", mobile="13800000001")
        uscc = make_uscc("91210100MA0QC0000")
        self.enterprise = User.objects.create_user(
            username=uscc, password=PASSWORD, kind=UserKind.LEGAL, name="辽宁宏建建设集团有限公司", id_type=""
        )
        Enterprise.objects.create(
            user=self.enterprise,
            uscc=uscc,
            legal_representative="王建国",
            agent_name="赵敏",
            agent_id_number="",
            verified_at=None,
        )
        self.case = draft_case(self)
        self.edit = f"/cases/{self.case.pk}/edit/"

    def login(self, page: Any) -> None:
        page.get_by_role("link", name="个人", exact=True).click()
        field(page, "账号").fill(self.applicant.mobile)
        field(page, "密码").fill(PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_load_state()

    def test_it_autosaves_and_the_value_survives_a_reload(self) -> None:
        page = self.page
        page.goto(self.url(self.edit))
        self.login(page)
        page.wait_for_url(self.url(self.edit))
        field(page, "所学专业").fill("给排水工程")
        status = page.locator("#autosave-status")
        status.get_by_text(re.compile(r"^已自动保存 \d\d:\d\d$")).wait_for()
        self.case.refresh_from_db()
        self.assertEqual(self.case.form_data["major"], "给排水工程")
        self.assertEqual(self.case.version, 1)
        self.assertEqual(status.get_attribute("role"), "status")
        page.screenshot(path=SHOTS / "drafts-autosave-1366.png", full_page=False)
        page.reload()
        self.assertEqual(field(page, "所学专业").input_value(), "给排水工程")

    def test_a_login_that_runs_out_mid_form_comes_back_with_what_was_typed(self) -> None:
        page = self.page
        page.goto(self.url(self.edit))
        self.login(page)
        page.wait_for_url(self.url(self.edit))
        Session.objects.all().delete()  # the idle timeout, as the server sees it
        field(page, "所学专业").fill("工程管理")
        # Not waiting for the autosave: 保存信息 at once, with the login already gone.
        page.get_by_role("button", name="保存信息").click()
        page.wait_for_url(re.compile(r"/accounts/login/"))
        page.get_by_text("登录已超时，请重新登录").wait_for()
        page.screenshot(path=SHOTS / "drafts-timeout-login-1366.png")
        self.login(page)
        page.wait_for_url(self.url(self.edit))
        self.assertEqual(field(page, "所学专业").input_value(), "工程管理")
        page.locator("#autosave-status").get_by_text("已恢复您上次未保存的填写内容").wait_for()
        # …and it reaches the draft with the next autosave.
        page.locator("#autosave-status").get_by_text(re.compile("^已自动保存")).wait_for()
        self.case.refresh_from_db()
        self.assertEqual(self.case.form_data["major"], "工程管理")

    def test_a_second_tabs_stale_save_is_refused(self) -> None:
        page = self.page
        page.goto(self.url(self.edit))
        self.login(page)
        page.wait_for_url(self.url(self.edit))
        second = self.context.new_page()
        second.goto(self.url(self.edit))
        field(page, "所学专业").fill("工程管理")
        page.locator("#autosave-status").get_by_text(re.compile("^已自动保存")).wait_for()
        field(second, "所学专业").fill("桥梁工程")
        second.locator("#autosave-status").get_by_text(
            "此申请已在其他窗口或设备上修改，请刷新页面后再继续"
        ).wait_for()
        second.get_by_role("button", name="保存信息").click()
        second.get_by_role("alert").filter(has_text="此申请已在其他窗口或设备上修改").wait_for()
        self.case.refresh_from_db()
        self.assertEqual((self.case.form_data["major"], self.case.version), ("工程管理", 1))
        self.assertEqual(Case.objects.count(), 1)

    @override_settings(SESSION_COOKIE_AGE=20)  # the warning comes when 10 s are left
    def test_the_idle_warning_offers_继续办理_and_returns_the_focus(self) -> None:
        page = self.page
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(self.url(self.edit))
        self.login(page)
        page.wait_for_url(self.url(self.edit))
        major = field(page, "所学专业")
        major.focus()
        dialog = page.locator("#session-dialog")
        dialog.get_by_role("heading", name="登录即将超时").wait_for()
        self.assertTrue(page.evaluate("document.getElementById('session-dialog').open"))
        self.assertEqual(page.evaluate("document.activeElement.textContent"), "继续办理")
        self.assertFalse(dialog.get_by_role("link", name="重新登录").is_visible())
        page.keyboard.press("Tab")  # modal: the focus stays in the dialog
        self.assertTrue(
            page.evaluate("document.getElementById('session-dialog').contains(document.activeElement)")
        )
        page.screenshot(path=SHOTS / "drafts-idle-dialog-390.png")
        dialog.get_by_role("button", name="继续办理").click()
        # (a closed <dialog> is not displayed; wait_for_function would evaluate a
        # string, which the page's policy forbids once it has to poll)
        dialog.wait_for(state="hidden")
        self.assertFalse(page.evaluate("document.getElementById('session-dialog').open"))
        self.assertEqual(page.evaluate("document.activeElement.id"), "id_major")

    def age_the_login(self, seconds: float) -> None:
        # The 12-hour absolute lifetime, reached: the login's recorded time moved back.
        for row in Session.objects.all():
            store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=row.session_key)
            if "_login_at" in store:
                store["_login_at"] -= seconds
                store.save()

    def test_an_autosave_after_the_absolute_lifetime_says_so_and_keeps_the_message(self) -> None:
        page = self.page
        page.goto(self.url(self.edit))
        self.login(page)
        page.wait_for_url(self.url(self.edit))
        self.age_the_login(12 * 3600 + 1)
        field(page, "所学专业").fill("工程管理")
        page.locator("#autosave-status").get_by_text(
            "登录已超过12小时，填写的内容已暂存在本浏览器，重新登录后回到本页即可继续。"
        ).wait_for()
        dialog = page.locator("#session-dialog")
        dialog.get_by_text(re.compile("^登录已超过12小时。已自动保存的内容不会丢失")).wait_for()
        dialog.get_by_role("link", name="重新登录").click()
        page.wait_for_url(re.compile(r"/accounts/login/"))
        # The fetch did not consume the message meant for the login page.
        page.get_by_text("登录已超过12小时，请重新登录").wait_for()
        self.login(page)
        page.wait_for_url(self.url(self.edit))
        self.assertEqual(field(page, "所学专业").input_value(), "工程管理")

    @override_settings(SESSION_COOKIE_AGE=20)
    def test_继续办理_after_the_absolute_lifetime_offers_the_login_page(self) -> None:
        page = self.page
        page.goto(self.url(self.edit))
        self.login(page)
        page.wait_for_url(self.url(self.edit))
        dialog = page.locator("#session-dialog")
        dialog.get_by_role("heading", name="登录即将超时").wait_for()
        self.age_the_login(12 * 3600 + 1)
        dialog.get_by_role("button", name="继续办理").click()
        dialog.get_by_text(re.compile("^登录已超过12小时。")).wait_for()
        self.assertTrue(dialog.get_by_role("link", name="重新登录").is_visible())
        self.assertEqual(page.evaluate("document.activeElement.textContent"), "重新登录")
