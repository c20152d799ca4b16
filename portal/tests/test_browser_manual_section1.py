"""The applicant's manual, section 1 and 2.1(1)-(2), followed word for word in Chromium:
注册 at the top right → 自然人 with the SMS code → 登录 as 个人 → search the matter → its guide."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import override_settings

from accounts.models import IdType, KnownIdentity, User
from accounts.tests.helpers import last_code
from catalog.seed import seed_catalog
from portal.browser import BrowserTestCase
from portal.test import id_index, make_id_number

ID_NUMBER = make_id_number("21010219880808003")
MOBILE = "13600000123"
PASSWORD = "Gongmin-2026"


def field(page: Any, label: str) -> Any:
    """The input whose label reads `label`, with or without the red * of a required field."""
    return page.get_by_label(re.compile(rf"^\*?{re.escape(label)}$"))


@pytest.mark.browser
class ManualSectionOneTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        seed_catalog()
        # 吴芳 is someone the real-name source knows (the demo's directory stands in for it).
        KnownIdentity.objects.create(name="吴芳", id_type=IdType.RESIDENT, id_number=ID_NUMBER)

    # A script fills the form in well under the seconds a person needs (lib/antibot.py).
    @override_settings(FORM_MIN_SECONDS=0)
    def test_it_registers_logs_in_and_finds_the_matter(self) -> None:
        page = self.page
        page.goto(self.url("/"))
        # 1.2 (1): 点击右上角的“注册”按钮
        register = page.locator(".topbar .account").get_by_role("link", name="注册", exact=True)
        register.click()
        page.get_by_role("link", name="自然人注册").wait_for()

        # 1.2 (2): 填写注册相关信息和实名认证信息
        field(page, "姓名").fill("吴芳")
        field(page, "证件号码").fill(ID_NUMBER)
        field(page, "手机号").fill(MOBILE)
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_text("验证码已发送，请查收短信").wait_for()
        field(page, "短信验证码").fill(last_code(MOBILE))
        field(page, "密码").fill(PASSWORD)
        field(page, "确认密码").fill(PASSWORD)
        page.get_by_label("我已阅读并同意《个人信息保护告知书》").check()
        page.get_by_role("button", name="注册", exact=True).click()
        page.get_by_text("注册成功，请登录").wait_for()
        self.assertTrue(User.objects.filter(id_index=id_index(ID_NUMBER), name="吴芳").exists())

        # 1.3: 点击“登录”按钮，用户根据自身注册的用户类型来登录
        page.get_by_role("link", name="个人", exact=True).click()
        field(page, "账号").fill(ID_NUMBER)
        field(page, "密码").fill(PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        page.get_by_role("heading", name="个人中心").wait_for()
        masked = ID_NUMBER[:4] + "**********" + ID_NUMBER[-4:]
        page.get_by_text(masked).wait_for()
        self.assertNotIn(ID_NUMBER, page.content())

        # 2.1 (1): 通过关键字来进行搜索事项
        search = page.get_by_role("searchbox", name="搜索事项")
        search.fill("二级注册建造师执业资格认定")
        search.press("Enter")
        page.get_by_role("link", name="二级注册建造师执业资格认定", exact=True).first.click()

        # 2.1 (2): 进入事项的办事指南, 点击“开始申请”
        page.get_by_text("办事指南").first.wait_for()
        page.get_by_text("设定依据").first.wait_for()
        page.get_by_text("申请人本人白底1寸照片（图片）").first.wait_for()
        page.get_by_role("link", name="开始申请").click()
        page.get_by_text("初始注册").first.wait_for()
        self.assertIn("/apply/", page.url)

    def test_it_finds_the_matter_through_the_department(self) -> None:
        page = self.page
        page.goto(self.url("/"))
        page.locator(".mainnav").get_by_role("link", name="部门", exact=True).click()
        page.get_by_role("link", name="省住房城乡建设厅").first.click()
        page.get_by_role("link", name="二级注册建造师执业资格认定", exact=True).first.click()
        page.get_by_role("link", name="开始申请").wait_for()
