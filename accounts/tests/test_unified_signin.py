"""Sign-in through the province's 统一身份认证 (OpenID Connect), end to end against a provider
the tests start on 127.0.0.1 (accounts/tests/oidc_provider.py): the portal reads its discovery
document and keys, exchanges the code over HTTP and checks the ID token as in production."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import requests
from django.db import connection
from django.test import override_settings

from accounts import unified
from accounts.models import (
    IdentityCheck,
    IdentityCheckMethod,
    IdType,
    Sex,
    UnifiedIdentityLink,
    User,
    UserKind,
)
from accounts.services import UNIFIED_HELD_UNVERIFIED, UNIFIED_SUBJECT_ELSEWHERE
from accounts.tests.oidc_provider import LocalProvider
from audit.models import AuditAction, AuditEvent, AuditResult
from lib.datacrypt import platform_subject_index
from portal.test import PASSWORD, BaseTestCase, make_id_number
from privacy.services import account_close

NEW_NUMBER = make_id_number("21010419880512003")


class UnifiedSignInTestCase(BaseTestCase):
    provider: LocalProvider

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = LocalProvider().start()
        cls.addClassCleanup(cls.provider.stop)
        cls.enterClassContext(override_settings(**cls.provider.settings()))

    def setUp(self):
        self.provider.tamper = set()
        self.provider.userinfo_only = set()
        self.provider.token_requests = []
        self.as_person(sub="platform-user-1001", name="张伟", number=self.applicant.id_number)

    def as_person(self, *, sub: str, name: str, number: str, id_type: str = "111", **extra: str) -> None:
        self.provider.person = {"sub": sub, "name": name, "id_type": id_type, "id_number": number, **extra}

    def sign_in(self, client=None, next_url: str = ""):
        """The browser's round trip: the portal, the platform (which signs the person in at
        once), and back to the portal's callback with the code."""
        client = client or self.client
        start = client.get("/accounts/login/unified/" + (f"?next={next_url}" if next_url else ""))
        self.assertEqual(start.status_code, 302)
        self.assertTrue(start["Location"].startswith(f"{self.provider.issuer}/authorize?"))
        back = requests.get(start["Location"], allow_redirects=False, timeout=5)
        self.assertEqual(back.status_code, 302, back.text)
        url = urlsplit(back.headers["Location"])
        self.assertEqual(url.path, "/accounts/login/unified/callback/")
        return client.get(f"{url.path}?{url.query}")

    def signed_in_as(self) -> int | None:
        value = self.client.session.get("_auth_user_id")
        return int(value) if value else None

    def signed_in_user(self) -> User:
        pk = self.signed_in_as()
        assert pk is not None, "not signed in"
        return User.objects.get(pk=pk)

    def audit_rows(self, action: AuditAction):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))

    def assert_refused(self, response, reason: str) -> None:
        self.assertContains(response, reason, status_code=403)
        self.assertContains(response, "统一身份认证登录未成功", status_code=403)
        self.assertIsNone(self.signed_in_as())
        row = self.audit_rows(AuditAction.LOGIN_UNIFIED)[-1]
        self.assertEqual(row.result, AuditResult.FAILURE)
        self.assertEqual(row.detail["原因"], reason)

    # --- the page ------------------------------------------------------------------------

    def test_the_login_page_offers_it_beside_the_manuals_labels(self):
        r = self.client.get("/accounts/login/")
        self.assertContains(r, "统一身份认证登录")
        self.assertContains(r, 'href="/accounts/login/unified/"')
        for label in (">个人</a>", ">法人</a>", "使用短信验证码登录", "忘记密码", "注册", "工作人员登录"):
            self.assertContains(r, label)
        # Persons only: an enterprise or a staff member signs in as before.
        self.assertNotContains(self.client.get("/accounts/login/?kind=legal"), "统一身份认证登录")
        self.assertNotContains(self.client.get("/accounts/login/?kind=staff"), "统一身份认证登录")

    def test_it_is_off_when_not_configured(self):
        with override_settings(OIDC_ISSUER="", OIDC_CLIENT_ID=""):
            self.assertNotContains(self.client.get("/accounts/login/"), "统一身份认证登录")
            self.assertEqual(self.client.get("/accounts/login/unified/").status_code, 404)
            self.assertEqual(
                self.client.get("/accounts/login/unified/callback/?code=x&state=y").status_code, 404
            )
            self.assertEqual(self.client.get("/accounts/login/unified/confirm/").status_code, 404)

    # --- first sign-in: link or create, after confirmation -------------------------------

    def test_a_first_sign_in_shows_what_will_be_linked_and_links_only_after_confirmation(self):
        r = self.sign_in()
        self.assertRedirects(r, "/accounts/login/unified/confirm/", fetch_redirect_response=False)
        self.assertIsNone(self.signed_in_as())
        page = self.client.get("/accounts/login/unified/confirm/")
        self.assertContains(page, "将关联您已有的个人账号")
        self.assertContains(page, "居民身份证")
        masked = self.applicant.id_number[:4] + "*" * 10 + self.applicant.id_number[-4:]
        self.assertContains(page, masked)
        self.assertNotContains(page, self.applicant.id_number)
        self.assertContains(page, "138****0001")
        self.assertContains(page, "张*")
        self.assertFalse(UnifiedIdentityLink.objects.exists())

        r = self.client.post("/accounts/login/unified/confirm/", {"action": "confirm"})
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in_as(), self.applicant.pk)
        link = UnifiedIdentityLink.objects.get()
        self.assertEqual(
            (link.user_id, link.issuer, link.subject),
            (self.applicant.pk, self.provider.issuer, "platform-user-1001"),
        )
        # The subject (a 证件号码 on some platforms) is encrypted at rest, found by its index.
        with connection.cursor() as cursor:
            cursor.execute("SELECT subject FROM accounts_unifiedidentitylink WHERE id = %s", [link.pk])
            self.assertTrue(cursor.fetchone()[0].startswith("sm4:"))
        self.assertEqual(
            link.subject_index,
            platform_subject_index(issuer=self.provider.issuer, subject="platform-user-1001"),
        )
        self.assertEqual(User.objects.filter(kind=UserKind.PERSON).count(), 2)  # nobody new
        check = IdentityCheck.objects.get(user=self.applicant, method=IdentityCheckMethod.UNIFIED)
        self.assertEqual(check.verdict, "match")
        [linked] = self.audit_rows(AuditAction.ACCOUNT_LINK)
        self.assertEqual((linked.subject_id, linked.detail["方式"]), (self.applicant.pk, "关联已有账号"))
        [login] = self.audit_rows(AuditAction.LOGIN_UNIFIED)
        self.assertEqual(
            (login.result, login.actor_id, login.detail["方式"]),
            (AuditResult.SUCCESS, self.applicant.pk, "统一身份认证"),
        )
        # The code went back with the PKCE verifier, which the provider checked against the challenge.
        [exchange] = self.provider.token_requests
        self.assertEqual(exchange["grant_type"], "authorization_code")
        self.assertGreaterEqual(len(exchange["code_verifier"]), 43)

    def test_a_linked_person_goes_straight_in_to_where_they_were_going(self):
        UnifiedIdentityLink.objects.create(
            user=self.applicant, issuer=self.provider.issuer, subject="platform-user-1001"
        )
        r = self.sign_in(next_url="/cases/")
        self.assertRedirects(r, "/cases/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in_as(), self.applicant.pk)
        self.assertEqual(self.audit_rows(AuditAction.ACCOUNT_LINK), [])
        [login] = self.audit_rows(AuditAction.LOGIN_UNIFIED)
        self.assertEqual(login.result, AuditResult.SUCCESS)

    def test_a_first_sign_in_without_an_account_makes_a_verified_person(self):
        self.as_person(sub="platform-user-2002", name="王芳", number=NEW_NUMBER, phone_number="13600000099")
        with override_settings(OIDC_CLAIM_MOBILE="phone_number"):
            r = self.sign_in()
            self.assertRedirects(r, "/accounts/login/unified/confirm/", fetch_redirect_response=False)
            page = self.client.get("/accounts/login/unified/confirm/")
            self.assertContains(page, "将为您新建个人账号")
            self.assertContains(page, "王*")
            self.assertEqual(User.objects.filter(kind=UserKind.PERSON).count(), 2)
            r = self.client.post("/accounts/login/unified/confirm/", {"action": "confirm"})
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        user = self.signed_in_user()
        self.assertEqual(
            (user.kind, user.name, user.id_type, user.id_number),
            (UserKind.PERSON, "王芳", IdType.RESIDENT, NEW_NUMBER),
        )
        self.assertEqual(user.mobile, "13600000099")
        self.assertIsNotNone(user.real_name_verified_at)
        self.assertFalse(user.has_usable_password())
        check = IdentityCheck.objects.get(user=user)
        self.assertEqual((check.method, check.verdict), (IdentityCheckMethod.UNIFIED, "match"))
        self.assertEqual(UnifiedIdentityLink.objects.get().user, user)
        [linked] = self.audit_rows(AuditAction.ACCOUNT_LINK)
        self.assertEqual((linked.subject_id, linked.detail["方式"]), (user.pk, "新建个人账号"))
        # Verified at once: the pages that need a real-name account are open to it.
        self.assertNotContains(self.client.get("/accounts/profile/"), "尚未通过实名认证")

    def test_cancelling_links_and_makes_nothing(self):
        self.as_person(sub="platform-user-2002", name="王芳", number=NEW_NUMBER)
        self.sign_in()
        r = self.client.post("/accounts/login/unified/confirm/", {"action": "decline"}, follow=True)
        self.assertContains(r, "已取消，没有关联或新建任何账号")
        self.assertIsNone(self.signed_in_as())
        self.assertEqual(User.objects.filter(kind=UserKind.PERSON).count(), 2)
        self.assertFalse(UnifiedIdentityLink.objects.exists())
        # The confirmation is gone with it.
        r = self.client.post("/accounts/login/unified/confirm/", {"action": "confirm"})
        self.assertRedirects(r, "/accounts/login/", fetch_redirect_response=False)
        self.assertEqual(User.objects.filter(kind=UserKind.PERSON).count(), 2)

    # --- who is matched ------------------------------------------------------------------

    def test_the_person_is_matched_by_identity_never_by_name_or_mobile(self):
        # 张伟's name and mobile, another person's number: a new account, not 张伟's.
        self.as_person(
            sub="platform-user-3003", name="张伟", number=NEW_NUMBER, phone_number=self.applicant.mobile
        )
        with override_settings(OIDC_CLAIM_MOBILE="phone_number"):
            self.sign_in()
            self.assertContains(self.client.get("/accounts/login/unified/confirm/"), "将为您新建个人账号")
            self.client.post("/accounts/login/unified/confirm/", {"action": "confirm"})
        user = self.signed_in_user()
        self.assertNotEqual(user.pk, self.applicant.pk)
        self.assertEqual(user.id_number, NEW_NUMBER)
        self.assertEqual(user.mobile, "")  # 张伟's mobile stays his alone

    def test_the_type_is_part_of_the_identity(self):
        # The applicant's digits as a passport number: another identity.
        self.as_person(sub="platform-user-3004", name="张伟", number=self.applicant.id_number, id_type="414")
        self.sign_in()
        self.assertContains(self.client.get("/accounts/login/unified/confirm/"), "将为您新建个人账号")
        self.client.post("/accounts/login/unified/confirm/", {"action": "confirm"})
        user = self.signed_in_user()
        self.assertEqual((user.id_type, user.id_number), (IdType.PASSPORT, self.applicant.id_number))

    def test_a_passport_holders_new_account_takes_the_platforms_gender_and_birthdate(self):
        # 王丽's 护照 carries neither in its number: the platform's standard claims give both.
        self.as_person(
            sub="platform-user-3005",
            name="王丽",
            number="E12345678",
            id_type="414",
            gender="female",
            birthdate="1986-05-20",
        )
        self.sign_in()
        self.client.post("/accounts/login/unified/confirm/", {"action": "confirm"})
        user = self.signed_in_user()
        self.assertEqual(
            (user.id_type, user.sex, user.birth_date), (IdType.PASSPORT, Sex.FEMALE, date(1986, 5, 20))
        )
        self.assertNotContains(self.client.get("/accounts/profile/"), "补充性别和出生日期")

    def test_a_gender_or_birthdate_it_cannot_use_is_left_for_the_holder_to_give(self):
        # A birth date in the future: neither is taken, and 个人中心 asks for both.
        self.as_person(
            sub="platform-user-3006",
            name="王丽",
            number="E12345678",
            id_type="414",
            gender="female",
            birthdate="2099-01-01",
        )
        self.sign_in()
        self.client.post("/accounts/login/unified/confirm/", {"action": "confirm"})
        user = self.signed_in_user()
        self.assertEqual((user.sex, user.birth_date), ("", None))
        self.assertContains(self.client.get("/accounts/profile/"), "补充性别和出生日期")

    def test_an_enterprise_or_staff_account_is_never_linked(self):
        agent_number = self.enterprise.enterprise.agent_id_number
        self.acceptor.id_type, self.acceptor.id_number = IdType.RESIDENT, agent_number
        self.acceptor.save()
        self.as_person(sub="platform-user-4004", name="赵敏", number=agent_number)
        self.sign_in()
        self.assertContains(self.client.get("/accounts/login/unified/confirm/"), "将为您新建个人账号")
        self.client.post("/accounts/login/unified/confirm/", {"action": "confirm"})
        user = self.signed_in_user()
        self.assertEqual(user.kind, UserKind.PERSON)
        self.assertNotIn(user.pk, (self.enterprise.pk, self.acceptor.pk))
        self.assertEqual(list(UnifiedIdentityLink.objects.values_list("user_id", flat=True)), [user.pk])

    def test_an_identity_held_by_an_unverified_account_is_refused(self):
        # Someone registered this number while the real-name source was down: not proven to
        # be the person the platform signed in, and whoever it was knows its password.
        User.objects.filter(pk=self.other_applicant.pk).update(real_name_verified_at=None)
        self.as_person(sub="platform-user-5005", name="李娜", number=self.other_applicant.id_number)
        r = self.sign_in()
        self.assert_refused(r, UNIFIED_HELD_UNVERIFIED)
        self.assertEqual(self.audit_rows(AuditAction.LOGIN_UNIFIED)[-1].subject_id, self.other_applicant.pk)
        self.assertFalse(UnifiedIdentityLink.objects.exists())
        self.other_applicant.refresh_from_db()
        self.assertIsNone(self.other_applicant.real_name_verified_at)
        self.assertEqual(self.client.get("/accounts/login/unified/confirm/").status_code, 302)

    def test_a_platform_subject_linked_to_another_account_is_refused(self):
        UnifiedIdentityLink.objects.create(
            user=self.other_applicant, issuer=self.provider.issuer, subject="platform-user-1001"
        )
        r = self.sign_in()  # the platform now says this subject is 张伟
        self.assert_refused(r, UNIFIED_SUBJECT_ELSEWHERE)
        self.assertEqual(self.audit_rows(AuditAction.LOGIN_UNIFIED)[-1].subject_id, self.other_applicant.pk)
        self.assertEqual(UnifiedIdentityLink.objects.get().user, self.other_applicant)

    # --- what the portal checks of the platform's answer ---------------------------------

    def test_a_token_that_fails_its_checks_is_refused(self):
        for tamper in ("signature", "nonce", "expired", "audience", "issuer", "no_id_token"):
            with self.subTest(tamper=tamper):
                self.provider.tamper = {tamper}
                r = self.sign_in()
                self.assert_refused(r, unified.REFUSED_TOKEN)
                self.assertEqual(self.client.get("/accounts/login/unified/confirm/").status_code, 302)
        self.assertFalse(UnifiedIdentityLink.objects.exists())
        self.assertEqual(len(self.audit_rows(AuditAction.LOGIN_UNIFIED)), 6)

    def test_a_state_this_browser_did_not_start_is_refused(self):
        # The platform's answer to someone else's sign-in, brought to this browser.
        other = self.client_class()
        start = other.get("/accounts/login/unified/")
        back = requests.get(start["Location"], allow_redirects=False, timeout=5)
        url = urlsplit(back.headers["Location"])
        self.client.get("/accounts/login/unified/")  # this browser has a sign-in of its own
        r = self.client.get(f"{url.path}?{url.query}")
        self.assert_refused(r, unified.REFUSED_STATE)
        self.assertEqual(self.provider.token_requests, [])  # the code was never exchanged

    def test_an_answer_replayed_is_refused(self):
        UnifiedIdentityLink.objects.create(
            user=self.applicant, issuer=self.provider.issuer, subject="platform-user-1001"
        )
        start = self.client.get("/accounts/login/unified/")
        callback = urlsplit(
            requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]
        )
        self.assertEqual(self.client.get(f"{callback.path}?{callback.query}").status_code, 302)
        self.client.post("/accounts/logout/")
        r = self.client.get(f"{callback.path}?{callback.query}")
        self.assert_refused(r, unified.REFUSED_STATE)

    def test_the_authorization_request_carries_state_nonce_and_pkce(self):
        start = self.client.get("/accounts/login/unified/")
        query = parse_qs(urlsplit(start["Location"]).query)
        self.assertEqual(query["response_type"], ["code"])
        self.assertEqual(query["code_challenge_method"], ["S256"])
        self.assertEqual(query["redirect_uri"], ["http://127.0.0.1:8000/accounts/login/unified/callback/"])
        self.assertIn("openid", query["scope"][0].split())
        self.assertGreaterEqual(len(query["state"][0]), 20)
        self.assertGreaterEqual(len(query["nonce"][0]), 20)

    def test_an_assertion_without_an_identity_is_refused(self):
        cases = {
            "no number": ({"id_number": ""}, unified.REFUSED_NO_IDENTITY),
            "no type": ({"id_type": ""}, unified.REFUSED_NO_IDENTITY),
            "no name": ({"name": ""}, unified.REFUSED_NO_IDENTITY),
            "unknown type": ({"id_type": "999"}, unified.REFUSED_ID_TYPE),
            "bad check digit": (
                {"id_number": self.applicant.id_number[:-1] + "0"},
                unified.REFUSED_ID_NUMBER,
            ),
        }
        for label, (change, reason) in cases.items():
            with self.subTest(label):
                self.provider.person = {
                    **self.provider.person,
                    "id_number": self.applicant.id_number,
                    "id_type": "111",
                    "name": "张伟",
                    **change,
                }
                self.assert_refused(self.sign_in(), reason)
        self.assertFalse(UnifiedIdentityLink.objects.exists())

    def test_identity_claims_may_come_from_userinfo_for_the_same_subject_only(self):
        self.provider.userinfo_only = {"id_type", "id_number", "name"}
        r = self.sign_in()
        self.assertRedirects(r, "/accounts/login/unified/confirm/", fetch_redirect_response=False)
        self.assertContains(self.client.get("/accounts/login/unified/confirm/"), "将关联您已有的个人账号")
        self.provider.tamper = {"userinfo_sub"}
        self.assert_refused(self.sign_in(), unified.REFUSED_TOKEN)

    def test_a_discovery_document_for_another_issuer_is_refused(self):
        # The issuer must be the platform's exactly (OpenID Connect Discovery 4.3).
        with override_settings(OIDC_ISSUER=self.provider.issuer + "/"):
            r = self.client.get("/accounts/login/unified/")
        self.assert_refused(r, unified.REFUSED_UNAVAILABLE)

    def test_a_confirmation_made_in_another_window_logs_in(self):
        self.sign_in()
        UnifiedIdentityLink.objects.create(
            user=self.applicant, issuer=self.provider.issuer, subject="platform-user-1001"
        )
        r = self.client.get("/accounts/login/unified/confirm/")
        self.assertRedirects(r, "/accounts/profile/", fetch_redirect_response=False)
        self.assertEqual(self.signed_in_as(), self.applicant.pk)
        self.assertEqual(UnifiedIdentityLink.objects.count(), 1)

    def test_a_platform_that_does_not_answer_is_refused_politely(self):
        with override_settings(
            OIDC_ISSUER="http://127.0.0.1:9",
            OIDC_DISCOVERY_URL="http://127.0.0.1:9/.well-known/openid-configuration",
            OIDC_TIMEOUT_SECONDS=2,
        ):
            r = self.client.get("/accounts/login/unified/")
        self.assert_refused(r, unified.REFUSED_UNAVAILABLE)


class UnifiedLinkLifeTestCase(BaseTestCase):
    def test_closing_the_account_removes_its_link(self):
        UnifiedIdentityLink.objects.create(user=self.applicant, issuer="https://tyrz.example", subject="u-1")
        UnifiedIdentityLink.objects.create(
            user=self.other_applicant, issuer="https://tyrz.example", subject="u-2"
        )
        account_close(user=self.applicant, password=PASSWORD)
        self.assertEqual(list(UnifiedIdentityLink.objects.values_list("subject", flat=True)), ["u-2"])

    def test_the_security_administrator_removes_a_link_on_the_record(self):
        link = UnifiedIdentityLink.objects.create(
            user=self.applicant, issuer="https://tyrz.example", subject="platform-user-1001"
        )
        self.client.force_login(self.admin)  # the 系统管理员 does not see them
        self.assertEqual(self.client.get("/admin/accounts/unifiedidentitylink/").status_code, 403)
        self.client.force_login(self.security_admin)
        self.assertContains(self.client.get("/admin/accounts/unifiedidentitylink/"), "https://tyrz.example")
        # Found by the whole subject (through its blind index), not by a part of it.
        found = self.client.get("/admin/accounts/unifiedidentitylink/", {"q": "platform-user-1001"})
        self.assertContains(found, f"/admin/accounts/unifiedidentitylink/{link.pk}/change/")
        partial = self.client.get("/admin/accounts/unifiedidentitylink/", {"q": "platform-user"})
        self.assertNotContains(partial, f"/admin/accounts/unifiedidentitylink/{link.pk}/change/")
        r = self.client.post(f"/admin/accounts/unifiedidentitylink/{link.pk}/delete/", {"post": "yes"})
        self.assertEqual(r.status_code, 302)
        self.assertFalse(UnifiedIdentityLink.objects.exists())
        self.assertTrue(User.objects.filter(pk=self.applicant.pk).exists())
        row = AuditEvent.objects.filter(action=AuditAction.ADMIN_CHANGE).latest("id")
        self.assertEqual(
            (row.actor_id, row.subject_id, row.detail["操作"]),
            (self.security_admin.pk, self.applicant.pk, "删除"),
        )
