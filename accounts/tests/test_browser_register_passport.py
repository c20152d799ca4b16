"""注册 with a 护照 in Chromium (ADR 0038): 性别 and 出生日期 appear when the 证件类型 is not
居民身份证, are refused beside their fields when left empty, and are kept when given."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.test import override_settings

from accounts.models import IdType, KnownIdentity, Sex, User
from accounts.tests.helpers import last_code
from portal.browser import BrowserTestCase
from portal.test import id_index

PASSPORT = "E12345678"
MOBILE = "13600000124"
PASSWORD = "Wangli-2026"


def field(page: Any, label: str) -> Any:
    """The input whose label reads `label`, with or without the red * of a required field."""
    return page.get_by_label(re.compile(rf"^\*?{re.escape(label)}$"))


@pytest.mark.browser
class RegisterWithPassportTestCase(BrowserTestCase):
    def setUp(self) -> None:
        super().setUp()
        # 王丽 is someone the real-name source knows by her 护照.
        KnownIdentity.objects.create(name="王丽", id_type=IdType.PASSPORT, id_number=PASSPORT)

    # A script fills the form in well under the seconds a person needs (lib/antibot.py).
    @override_settings(FORM_MIN_SECONDS=0)
    def test_it_asks_a_passport_holder_for_sex_and_birth_date(self) -> None:
        page = self.page
        page.goto(self.url("/accounts/register/"))
        # 居民身份证 (the default): the number carries both, the form does not ask.
        self.assertFalse(field(page, "性别").is_visible())
        self.assertFalse(field(page, "出生日期").is_visible())

        field(page, "姓名").fill("王丽")
        field(page, "证件类型").select_option(label="护照")
        field(page, "性别").wait_for()
        self.assertTrue(field(page, "出生日期").is_visible())
        # Shown, they are required: the star, and for screen readers.
        for label in ("性别", "出生日期"):
            self.assertEqual(field(page, label).get_attribute("aria-required"), "true")
            self.assertEqual(page.locator(f"label:has-text('{label}') .req").count(), 1)
        field(page, "证件号码").fill(PASSPORT)
        field(page, "手机号").fill(MOBILE)
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_text("验证码已发送，请查收短信").wait_for()
        field(page, "短信验证码").fill(last_code(MOBILE))
        field(page, "密码").fill(PASSWORD)
        field(page, "确认密码").fill(PASSWORD)
        page.get_by_label("我已阅读并同意《个人信息保护告知书》").check()
        page.get_by_role("button", name="注册", exact=True).click()

        # Refused beside each field; the fields stay shown for the 护照 still chosen.
        page.locator(".field-invalid").get_by_text("请选择性别").wait_for()
        page.locator(".field-invalid").get_by_text("请填写出生日期").wait_for()
        self.assertFalse(User.objects.filter(id_index=id_index(PASSPORT, IdType.PASSPORT)).exists())

        field(page, "性别").select_option(label="女")
        field(page, "出生日期").fill("1986-05-20")
        field(page, "密码").fill(PASSWORD)
        field(page, "确认密码").fill(PASSWORD)
        page.get_by_role("button", name="注册", exact=True).click()
        page.get_by_text("注册成功，请登录").wait_for()
        user = User.objects.get(id_index=id_index(PASSPORT, IdType.PASSPORT))
        self.assertEqual((user.sex, user.birth_date), (Sex.FEMALE, date(1986, 5, 20)))
