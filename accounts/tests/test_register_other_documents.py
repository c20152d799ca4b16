"""注册 with a document other than the 居民身份证 (ADR 0038).

王丽 holds a 护照 (E12345678) and is in the real-name directory. Her number carries no 性别
or 出生日期, which the register and the certificate print, so the form asks her for both;
周杰 registers with his 居民身份证, whose number carries them: he is asked for nothing more,
and nothing more is kept."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import IdentityCheck, IdType, KnownIdentity, Sex, SmsCode, User
from accounts.tests.helpers import human_fields, last_code
from lib.datacrypt import mobile_index
from portal.test import BaseTestCase, id_index, make_id_number

PASSPORT = "E12345678"
ZHOU_JIE_ID = make_id_number("21010419951201003")


class RegisterWithPassportTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        KnownIdentity.objects.create(name="王丽", id_type=IdType.PASSPORT, id_number=PASSPORT)
        KnownIdentity.objects.create(name="周杰", id_type=IdType.RESIDENT, id_number=ZHOU_JIE_ID)

    def post(self, **overrides: str):
        self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": "13600000072", "purpose": "register"}
        )
        data = {
            **human_fields(),
            "name": "王丽",
            "id_type": "passport",
            "id_number": PASSPORT,
            "sex": "女",
            "birth_date": "1986-05-20",
            "mobile": "13600000072",
            "sms_code": last_code("13600000072"),
            "password1": "Wangli-2026",
            "password2": "Wangli-2026",
            "consent": "on",
        }
        data.update(overrides)
        return self.client.post("/accounts/register/", data)

    def assert_no_account(self) -> None:
        self.assertFalse(User.objects.filter(id_index=id_index(PASSPORT, IdType.PASSPORT)).exists())
        self.assertFalse(IdentityCheck.objects.exists())
        # Refused by the form: the SMS code is still good for the corrected form.
        code = SmsCode.objects.get(mobile_index=mobile_index("13600000072"))
        self.assertIsNone(code.used_at)

    def test_it_refuses_a_passport_without_sex_and_birth_date(self):
        r = self.post(sex="", birth_date="")
        self.assertEqual(r.status_code, 200)
        self.assertFormError(r.context["form"], "sex", "请选择性别")
        self.assertFormError(r.context["form"], "birth_date", "请填写出生日期")
        self.assertContains(r, "请选择性别")
        self.assertContains(r, "请填写出生日期")
        self.assert_no_account()

    def test_it_refuses_a_birth_date_in_the_future_or_before_1900(self):
        tomorrow = timezone.localdate() + timedelta(days=1)
        for typed, message in (
            (tomorrow.isoformat(), "出生日期不能晚于今天，请按证件填写"),
            ("1899-12-31", "出生日期有误，请按证件上的日期填写"),
        ):
            with self.subTest(typed):
                r = self.post(birth_date=typed)
                self.assertFormError(r.context["form"], "birth_date", message)
                self.assert_no_account()

    def test_it_refuses_a_sex_not_offered(self):
        r = self.post(sex="X")
        self.assertFormError(r.context["form"], "sex", "所选的性别“X”不在可选范围内，请重新选择")
        self.assert_no_account()

    def test_it_registers_her_with_what_she_gave(self):
        r = self.post()
        self.assertRedirects(r, "/accounts/login/?kind=person", fetch_redirect_response=False)
        user = User.objects.get(id_index=id_index(PASSPORT, IdType.PASSPORT))
        self.assertEqual((user.name, user.id_type, user.id_number), ("王丽", IdType.PASSPORT, PASSPORT))
        self.assertEqual((user.sex, user.birth_date), (Sex.FEMALE, date(1986, 5, 20)))
        self.assertIsNotNone(user.real_name_verified_at)

        # 个人中心 and 我的信息 show them where the other identity data are.
        self.client.force_login(user)
        r = self.client.get("/accounts/profile/")
        self.assertContains(r, "<dt>性别</dt><dd>女</dd>", html=True)
        self.assertContains(r, "<dt>出生日期</dt><dd>1986-05-20</dd>", html=True)
        self.assertNotContains(r, "补充性别和出生日期")
        r = self.client.get("/my-info/")
        self.assertContains(r, "<dt>性别</dt><dd>女</dd>", html=True)
        self.assertContains(r, "<dt>出生日期</dt><dd>1986-05-20</dd>", html=True)

    def test_a_resident_id_needs_neither_and_keeps_neither(self):
        self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": "13600000009", "purpose": "register"}
        )
        r = self.post(
            name="周杰",
            id_type="resident",
            id_number=ZHOU_JIE_ID,
            mobile="13600000009",
            sms_code=last_code("13600000009"),
            # Typed anyway (a browser's autofill): dropped, the number says otherwise.
            sex="女",
            birth_date="2000-01-01",
        )
        self.assertRedirects(r, "/accounts/login/?kind=person", fetch_redirect_response=False)
        user = User.objects.get(id_index=id_index(ZHOU_JIE_ID))
        self.assertEqual((user.sex, user.birth_date), ("", None))
        self.client.force_login(user)
        r = self.client.get("/my-info/")
        self.assertContains(r, "<dt>性别</dt><dd>男</dd>", html=True)
        self.assertContains(r, "1995-12-01（从身份证号码读取）")
