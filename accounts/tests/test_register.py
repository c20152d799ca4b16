from __future__ import annotations

from accounts.models import Enterprise, SmsCode, User, UserKind
from accounts.tests.helpers import last_code
from portal.test import PASSWORD, BaseTestCase, make_id_number, make_uscc

NEW_ID = make_id_number("21010419951201003")


class RegisterPersonTestCase(BaseTestCase):
    def send_code(self, mobile: str = "13600000009") -> str:
        r = self.client.post("/accounts/sms-code/", {"mobile": mobile, "purpose": "register"})
        self.assertEqual(r.status_code, 200, r.content)
        return last_code(mobile)

    def form(self, **overrides: str) -> dict[str, str]:
        data = {
            "name": "周杰",
            "id_type": "resident",
            "id_number": NEW_ID,
            "mobile": "13600000009",
            "sms_code": "",
            "password1": "Zhoujie-2026",
            "password2": "Zhoujie-2026",
            "consent": "on",
        }
        data.update(overrides)
        return data

    def test_it_registers_a_person_with_the_sms_code(self):
        code = self.send_code()
        r = self.client.post("/accounts/register/", self.form(sms_code=code))
        self.assertRedirects(r, "/accounts/login/?kind=person", fetch_redirect_response=False)

        user = User.objects.get(id_number=NEW_ID)
        self.assertEqual(user.kind, UserKind.PERSON)
        self.assertEqual(user.username, NEW_ID)
        self.assertEqual(user.mobile, "13600000009")
        self.assertTrue(user.check_password("Zhoujie-2026"))
        self.assertNotEqual(user.password, "Zhoujie-2026")
        self.assertIsNotNone(user.real_name_verified_at)
        self.assertIsNotNone(SmsCode.objects.get(mobile="13600000009").used_at)

    def test_it_accepts_a_lowercase_x_and_stores_it_upper(self):
        number = make_id_number("11010519491231002")  # ends in X
        self.assertTrue(number.endswith("X"))
        code = self.send_code()
        self.client.post("/accounts/register/", self.form(sms_code=code, id_number=number.lower()))
        self.assertTrue(User.objects.filter(id_number=number).exists())

    def test_it_rejects_a_wrong_check_digit_in_chinese_and_keeps_the_fields(self):
        wrong = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
        r = self.client.post("/accounts/register/", self.form(sms_code="123456", id_number=wrong))
        self.assertContains(r, "身份证号码校验位错误")
        self.assertContains(r, 'value="周杰"')
        self.assertFalse(User.objects.filter(name="周杰").exists())
        self.assertFalse(SmsCode.objects.exists())

    def test_it_rejects_full_width_digits(self):
        full_width = NEW_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        r = self.client.post("/accounts/register/", self.form(sms_code="123456", id_number=full_width))
        self.assertContains(r, "身份证号码只能包含数字")
        self.assertFalse(User.objects.filter(name="周杰").exists())

    def test_it_refuses_an_id_number_already_registered(self):
        code = self.send_code()
        r = self.client.post(
            "/accounts/register/", self.form(sms_code=code, id_number=self.applicant.id_number)
        )
        self.assertContains(r, "该证件号码已注册")
        self.assertEqual(User.objects.filter(id_number=self.applicant.id_number).count(), 1)
        # The code was not spent on a refused registration.
        self.assertIsNone(SmsCode.objects.get(mobile="13600000009").used_at)

    def test_it_refuses_a_wrong_sms_code(self):
        code = self.send_code()
        wrong = "000000" if code != "000000" else "111111"
        r = self.client.post("/accounts/register/", self.form(sms_code=wrong))
        self.assertContains(r, "验证码错误，还可尝试4次")
        self.assertFalse(User.objects.filter(id_number=NEW_ID).exists())
        self.assertEqual(SmsCode.objects.get(mobile="13600000009").tries, 1)

    def test_it_refuses_mismatched_and_common_passwords(self):
        r = self.client.post("/accounts/register/", self.form(password2="Other-2026x"))
        self.assertContains(r, "两次输入的密码不一致")
        r = self.client.post("/accounts/register/", self.form(password1="password", password2="password"))
        self.assertContains(r, "这个密码太常见了")
        r = self.client.post("/accounts/register/", self.form(password1="Ab1-x", password2="Ab1-x"))
        self.assertContains(r, "至少需要8个字符")
        self.assertFalse(User.objects.filter(name="周杰").exists())

    def test_it_requires_consent_to_the_notice(self):
        data = self.form(sms_code="123456")
        del data["consent"]
        r = self.client.post("/accounts/register/", data)
        self.assertContains(r, "请阅读并同意《个人信息保护告知书》")

    def test_it_rejects_a_bad_mobile(self):
        r = self.client.post("/accounts/register/", self.form(mobile="12345"))
        self.assertContains(r, "请输入11位手机号码")

    def test_it_shows_the_form_with_both_tabs(self):
        r = self.client.get("/accounts/register/")
        self.assertContains(r, "自然人注册")
        self.assertContains(r, "法人注册")
        self.assertContains(r, "获取验证码")
        self.assertContains(r, "居民身份证")


class RegisterEnterpriseTestCase(BaseTestCase):
    def test_it_registers_an_enterprise(self):
        uscc = make_uscc("91210200MA0TEXT01")
        self.client.post("/accounts/sms-code/", {"mobile": "13500000005", "purpose": "register"})
        data = {
            "name": "大连海湾建设有限公司",
            "uscc": uscc.lower(),
            "legal_representative": "钱进",
            "agent_name": "孙丽",
            "agent_id_number": make_id_number("21020219900101004"),
            "mobile": "13500000005",
            "sms_code": last_code("13500000005"),
            "password1": "Haiwan-2026",
            "password2": "Haiwan-2026",
            "consent": "on",
        }
        r = self.client.post("/accounts/register/?type=legal", data)
        self.assertRedirects(r, "/accounts/login/?kind=legal", fetch_redirect_response=False)
        enterprise = Enterprise.objects.get(uscc=uscc)
        self.assertEqual(enterprise.user.kind, UserKind.LEGAL)
        self.assertEqual(enterprise.user.username, uscc)
        self.assertEqual(enterprise.agent_name, "孙丽")

    def test_it_rejects_a_bad_uscc(self):
        uscc = make_uscc("91210200MA0TEXT01")
        bad = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
        r = self.client.post("/accounts/register/?type=legal", {"uscc": bad, "name": "某公司"})
        self.assertContains(r, "统一社会信用代码校验位错误")
        self.assertFalse(Enterprise.objects.filter(uscc=bad).exists())

    def test_it_refuses_a_registered_uscc(self):
        self.client.post("/accounts/sms-code/", {"mobile": "13500000006", "purpose": "register"})
        data = {
            "name": "重名公司",
            "uscc": self.enterprise.username,
            "legal_representative": "钱进",
            "agent_name": "孙丽",
            "agent_id_number": make_id_number("21020219900101004"),
            "mobile": "13500000006",
            "sms_code": last_code("13500000006"),
            "password1": PASSWORD,
            "password2": PASSWORD,
            "consent": "on",
        }
        r = self.client.post("/accounts/register/?type=legal", data)
        self.assertContains(r, "该统一社会信用代码已注册")
        self.assertEqual(Enterprise.objects.count(), 1)


class RegisterNamesTestCase(BaseTestCase):
    def form(self, **overrides: str) -> dict[str, str]:
        person = {"name": "周杰", "id_type": "resident", "id_number": NEW_ID, "mobile": "13600000009"}
        password = {"password1": "Zhoujie-2026", "password2": "Zhoujie-2026", "consent": "on"}
        return {**person, **password, **overrides}

    def test_it_refuses_markup_in_a_persons_name_in_chinese(self):
        r = self.client.post("/accounts/register/", self.form(sms_code="123456", name="<b>周杰</b>"))
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "姓名不能包含 &lt; &gt; &amp; &quot; ` \\ 等符号，请按证件上的名称填写")
        self.assertFalse(User.objects.filter(username=NEW_ID).exists())

    def test_it_refuses_a_control_character_in_a_persons_name(self):
        r = self.client.post("/accounts/register/", self.form(sms_code="123456", name="周\u202e杰"))
        self.assertContains(r, "姓名中含有换行、制表符等控制字符或不可见字符，请重新输入")
        self.assertFalse(User.objects.filter(username=NEW_ID).exists())

    def test_it_refuses_markup_in_an_enterprises_names(self):
        from accounts.forms import EnterpriseRegisterForm

        form = EnterpriseRegisterForm(
            data={"name": "宏建<公司>", "legal_representative": "钱\n进", "agent_name": "孙&丽"}
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["name"], ['单位名称不能包含 < > & " ` \\ 等符号，请按证件上的名称填写'])
        self.assertEqual(
            form.errors["legal_representative"],
            ["法定代表人中含有换行、制表符等控制字符或不可见字符，请重新输入"],
        )
        self.assertEqual(
            form.errors["agent_name"], ['经办人姓名不能包含 < > & " ` \\ 等符号，请按证件上的名称填写']
        )
