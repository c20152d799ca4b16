from __future__ import annotations

import subprocess
import sys
from unittest import mock

from accounts.models import (
    Enterprise,
    IdentityCheck,
    IdentityCheckMethod,
    IdentityVerdict,
    IdType,
    KnownEnterprise,
    KnownIdentity,
    SmsCode,
    User,
    UserKind,
)
from accounts.tests.helpers import human_fields, last_code
from lib.datacrypt import mobile_index
from portal.test import PASSWORD, BaseTestCase, id_index, make_id_number, make_uscc
from portal.testenv import TEST_KEYS

NEW_ID = make_id_number("21010419951201003")
X_ID = make_id_number("11010519491231002")  # ends in X


class RegisterPersonTestCase(BaseTestCase):
    """周杰 is in the real-name directory and has no account yet."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        KnownIdentity.objects.create(name="周杰", id_type=IdType.RESIDENT, id_number=NEW_ID)
        KnownIdentity.objects.create(name="周杰", id_type=IdType.RESIDENT, id_number=X_ID)

    def send_code(self, mobile: str = "13600000009") -> str:
        r = self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": mobile, "purpose": "register"}
        )
        self.assertEqual(r.status_code, 200, r.content)
        return last_code(mobile)

    def form(self, **overrides: str) -> dict[str, str]:
        data = {
            **human_fields(),
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

        user = User.objects.get(id_index=id_index(NEW_ID))
        self.assertEqual(user.kind, UserKind.PERSON)
        # The login name is opaque: the 证件号码 is stored only encrypted, beside its index.
        self.assertNotIn(NEW_ID, user.username)
        self.assertRegex(user.username, r"^p[0-9a-f]{16}$")
        self.assertEqual(user.id_number, NEW_ID)
        self.assertEqual(user.mobile, "13600000009")
        self.assertTrue(user.check_password("Zhoujie-2026"))
        self.assertNotEqual(user.password, "Zhoujie-2026")
        self.assertIsNotNone(user.real_name_verified_at)
        self.assertIsNotNone(SmsCode.objects.get(mobile_index=mobile_index("13600000009")).used_at)
        check = IdentityCheck.objects.get(user=user)
        self.assertEqual((check.method, check.verdict), (IdentityCheckMethod.SOURCE, IdentityVerdict.MATCH))

    def test_it_accepts_a_lowercase_x_and_stores_it_upper(self):
        self.assertTrue(X_ID.endswith("X"))
        code = self.send_code()
        self.client.post("/accounts/register/", self.form(sms_code=code, id_number=X_ID.lower()))
        self.assertTrue(User.objects.filter(id_index=id_index(X_ID)).exists())

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
        self.assertEqual(User.objects.filter(id_index=self.applicant.id_index).count(), 1)
        # Said only after the code was proven: until then nobody learns who is registered.
        self.assertIsNotNone(SmsCode.objects.get(mobile_index=mobile_index("13600000009")).used_at)

    def test_it_answers_a_wrong_code_alike_for_a_registered_and_a_free_number(self):
        self.send_code()
        taken = self.client.post(
            "/accounts/register/", self.form(sms_code="000000", id_number=self.applicant.id_number)
        )
        self.send_code("13600000008")
        free = self.client.post("/accounts/register/", self.form(sms_code="000000", mobile="13600000008"))
        self.assertEqual(taken.status_code, free.status_code)
        self.assertNotContains(taken, "已注册")
        self.assertContains(taken, "验证码错误")
        self.assertContains(free, "验证码错误")

    def test_it_refuses_an_identity_the_directory_does_not_confirm(self):
        code = self.send_code()
        r = self.client.post("/accounts/register/", self.form(sms_code=code, name="周杰伦"))
        self.assertContains(r, "实名认证未通过")
        self.assertContains(r, "政务服务大厅")
        self.assertFalse(User.objects.filter(id_index=id_index(NEW_ID)).exists())

    def test_another_type_with_a_holders_number_is_not_that_holder(self):
        # The attack this issue closes: 张伟's number under 护照 is nobody the directory knows.
        code = self.send_code()
        r = self.client.post(
            "/accounts/register/",
            self.form(
                sms_code=code,
                name="冒名者",
                id_type="passport",
                id_number=self.applicant.id_number,
                sex="男",
                birth_date="1988-04-02",
            ),
        )
        self.assertContains(r, "实名认证未通过")
        self.assertFalse(User.objects.filter(id_type="passport").exists())

    def test_it_makes_an_unverified_account_when_the_source_cannot_be_asked(self):
        code = self.send_code()
        with mock.patch("accounts.realname.DirectoryProvider.verify", side_effect=TimeoutError):
            r = self.client.post("/accounts/register/", self.form(sms_code=code))
        self.assertRedirects(r, "/accounts/login/?kind=person", fetch_redirect_response=False)
        user = User.objects.get(id_index=id_index(NEW_ID))
        self.assertIsNone(user.real_name_verified_at)
        self.assertEqual(IdentityCheck.objects.get(user=user).verdict, IdentityVerdict.UNAVAILABLE)

    def test_a_format_only_check_refuses_to_start_without_debug(self):
        env = {
            "SECRET_KEY": "x",
            **TEST_KEYS,
            "REALNAME_PROVIDER": "accounts.realname.FormatOnlyProvider",
            "DEBUG": "false",
        }
        done = subprocess.run(
            [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True, check=False
        )
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("for development only", done.stderr)

    def test_it_refuses_a_wrong_sms_code(self):
        code = self.send_code()
        wrong = "000000" if code != "000000" else "111111"
        r = self.client.post("/accounts/register/", self.form(sms_code=wrong))
        self.assertContains(r, "验证码错误，还可尝试4次")
        self.assertFalse(User.objects.filter(id_index=id_index(NEW_ID)).exists())
        self.assertEqual(SmsCode.objects.get(mobile_index=mobile_index("13600000009")).tries, 1)

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


NEW_USCC = make_uscc("91210200MA0TEXT01")
AGENT_ID = make_id_number("21020219900101004")


class RegisterEnterpriseTestCase(BaseTestCase):
    """大连海湾建设有限公司 is in the enterprise register; its 经办人 孙丽 in the real-name directory."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        KnownEnterprise.objects.create(
            uscc=NEW_USCC, name="大连海湾建设有限公司", legal_representative="钱进"
        )
        KnownIdentity.objects.create(name="孙丽", id_type=IdType.RESIDENT, id_number=AGENT_ID)

    def register(self, **overrides: str):
        self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": "13500000005", "purpose": "register"}
        )
        data = {
            **human_fields(),
            "name": "大连海湾建设有限公司",
            "uscc": NEW_USCC.lower(),
            "legal_representative": "钱进",
            "agent_name": "孙丽",
            "agent_id_number": AGENT_ID,
            "mobile": "13500000005",
            "sms_code": last_code("13500000005"),
            "password1": "Haiwan-2026",
            "password2": "Haiwan-2026",
            "consent": "on",
            **overrides,
        }
        return self.client.post("/accounts/register/?type=legal", data)

    def test_it_registers_an_enterprise_the_register_confirms_as_verified(self):
        r = self.register()
        self.assertRedirects(r, "/accounts/login/?kind=legal", fetch_redirect_response=False)
        enterprise = Enterprise.objects.get(uscc=NEW_USCC)
        self.assertEqual(enterprise.user.kind, UserKind.LEGAL)
        self.assertEqual(enterprise.user.username, NEW_USCC)
        self.assertEqual(enterprise.agent_name, "孙丽")
        self.assertTrue(enterprise.is_verified)
        self.assertEqual(IdentityCheck.objects.get(user=enterprise.user).verdict, IdentityVerdict.MATCH)

    def test_a_wrong_legal_representative_leaves_the_account_unverified(self):
        r = self.register(legal_representative="冒充者")
        self.assertRedirects(r, "/accounts/login/?kind=legal", fetch_redirect_response=False)
        enterprise = Enterprise.objects.get(uscc=NEW_USCC)
        self.assertFalse(enterprise.is_verified)
        self.assertEqual(IdentityCheck.objects.get(user=enterprise.user).verdict, IdentityVerdict.MISMATCH)

    def test_it_refuses_an_agent_the_directory_does_not_confirm(self):
        r = self.register(agent_name="李鬼")
        self.assertContains(r, "经办人实名认证未通过")
        self.assertFalse(Enterprise.objects.filter(uscc=NEW_USCC).exists())

    def test_it_rejects_a_bad_uscc(self):
        uscc = make_uscc("91210200MA0TEXT01")
        bad = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
        r = self.client.post(
            "/accounts/register/?type=legal", {**human_fields(), "uscc": bad, "name": "某公司"}
        )
        self.assertContains(r, "统一社会信用代码校验位错误")
        self.assertFalse(Enterprise.objects.filter(uscc=bad).exists())

    def test_it_refuses_a_registered_uscc(self):
        self.client.post(
            "/accounts/sms-code/", {**human_fields(), "mobile": "13500000006", "purpose": "register"}
        )
        data = {
            **human_fields(),
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
        self.assertContains(r, "该统一社会信用代码已有法人账号")
        self.assertContains(r, "请联系本单位该账号的经办人")
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
        self.assertFalse(User.objects.filter(id_index=id_index(NEW_ID)).exists())

    def test_it_refuses_a_control_character_in_a_persons_name(self):
        r = self.client.post("/accounts/register/", self.form(sms_code="123456", name="周\u202e杰"))
        self.assertContains(r, "姓名中含有换行、制表符等控制字符或不可见字符，请重新输入")
        self.assertFalse(User.objects.filter(id_index=id_index(NEW_ID)).exists())

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


class RegisterErrorSummaryTestCase(BaseTestCase):
    def test_a_refused_registration_lists_each_field_with_a_link_and_says_what_to_do(self):
        r = self.client.post(
            "/accounts/register/",
            {
                **human_fields(),
                "id_type": "resident",
                "password1": "Zhoujie-2026",
                "password2": "Zhoujie-2027",
            },
        )
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, '<div class="error-summary" id="error-summary" tabindex="-1" autofocus')
        self.assertContains(r, "提交未成功，请修改以下6处：")
        for field_id, message in [
            ("id_name", "请填写姓名"),
            ("id_id_number", "请填写证件号码"),
            ("id_mobile", "请填写手机号"),
            ("id_sms_code", "请填写短信验证码"),
            ("id_password2", "确认密码：两次输入的密码不一致"),
            ("id_consent", "请阅读并同意《个人信息保护告知书》"),
        ]:
            self.assertContains(r, f'<a href="#{field_id}">{message}</a>', html=True)
        self.assertContains(r, 'aria-invalid="true" aria-describedby="id_name_error" id="id_name"')
        self.assertNotContains(r, "这个字段是必填项")
        self.assertFalse(User.objects.filter(name="").exists())
