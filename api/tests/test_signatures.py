"""A relying party's signed request: served when right; refused, with its own code and an
audit row, when wrong, expired, replayed or unsigned; refused when the nonce store is down."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

from django.db.models import QuerySet

from api.signing import canonical_path, canonical_query, signature_of, string_to_sign
from api.tests.helpers import ApiTestCase, sign
from audit.models import AuditAction, AuditEvent, AuditResult
from registry.models import Registration
from registry.tests.builders import registration_granted

QUERY = "/api/v1/partner/register/query"


class SignedRequestTest(ApiTestCase):
    registration: Registration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.registration = registration_granted(cls)

    def query(self, **sign_args: Any) -> Any:
        return self.signed_post_json(QUERY, {"name": "张伟", "number": self.registration.number}, **sign_args)

    def rows(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.filter(action=AuditAction.API_REGISTER_QUERY).order_by("id")

    def test_it_serves_a_signed_request_and_audits_it(self):
        r = self.query()
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(body["registration_number"], self.registration.number)
        self.assertEqual(body["holder_name"], "张*")
        self.assertEqual(body["status"], "valid")
        self.assertNotIn("张伟", r.content.decode())
        self.assertNotIn(self.applicant.id_number, r.content.decode())
        row = self.rows().get()
        self.assertEqual(row.result, AuditResult.SUCCESS)
        self.assertEqual(row.actor_name, "接口调用方：沈阳市公共资源交易平台")
        self.assertEqual(row.object_id, str(self.registration.pk))
        # The holder sees the call in 我的信息.
        self.assertEqual(row.subject_id, self.applicant.pk)
        self.assertEqual(row.detail["应用标识"], self.party.app_key)

    def test_it_refuses_a_wrong_signature(self):
        r = self.query(secret="not-the-secret")
        self.assertEqual(r.status_code, 401)
        self.assertEqual(r.json()["code"], "signature_invalid")
        self.assertEqual(r.json()["message"], "签名验证失败")
        row = self.rows().get()
        self.assertEqual((row.result, row.detail["拒绝原因"]), (AuditResult.DENIED, "signature_invalid"))
        self.assertIsNone(row.subject_id)

    def test_it_refuses_a_body_changed_after_signing(self):
        headers = sign(
            app_key=self.party.app_key,
            secret=self.secret,
            method="POST",
            path=QUERY,
            body=b'{"name":"x","number":"y"}',
        )
        r = self.client.post(
            QUERY,
            data={"name": "张伟", "number": self.registration.number},
            content_type="application/json",
            headers=headers,
        )
        self.assertEqual((r.status_code, r.json()["code"]), (401, "signature_invalid"))

    def test_it_refuses_an_expired_timestamp_and_one_from_the_future(self):
        # Ten seconds past the window, not one: a busy machine's clock may tick between the
        # stamp made here and the server's check, which brought +301 back inside the window.
        for skew in (-310, 310):
            r = self.query(timestamp=int(time.time()) + skew)
            self.assertEqual((r.status_code, r.json()["code"]), (401, "timestamp_expired"))
        self.assertEqual(self.rows().filter(result=AuditResult.DENIED).count(), 2)

    def test_it_accepts_a_timestamp_inside_the_window(self):
        r = self.query(timestamp=int(time.time()) - 290)
        self.assertEqual(r.status_code, 200)

    def test_it_refuses_a_replayed_nonce(self):
        nonce = "a1b2c3d4e5f6a7b8c9d0"
        first = self.query(nonce=nonce)
        second = self.query(nonce=nonce)
        self.assertEqual(first.status_code, 200)
        self.assertEqual((second.status_code, second.json()["code"]), (401, "nonce_replayed"))
        self.assertEqual([r.result for r in self.rows()], [AuditResult.SUCCESS, AuditResult.DENIED])

    def test_a_wrong_signature_does_not_use_up_the_nonce(self):
        nonce = "f" * 32
        self.query(nonce=nonce, secret="wrong")
        self.assertEqual(self.query(nonce=nonce).status_code, 200)

    def test_it_refuses_a_request_without_signature_headers_unaudited(self):
        r = self.client.post(QUERY, data={"name": "张伟", "number": "x"}, content_type="application/json")
        self.assertEqual((r.status_code, r.json()["code"]), (401, "signature_missing"))
        self.assertFalse(self.rows().exists())

    def test_it_refuses_an_unknown_app_key_unaudited(self):
        headers = sign(app_key="0" * 24, secret=self.secret, method="POST", path=QUERY, body=b"{}")
        r = self.client.post(QUERY, data=b"{}", content_type="application/json", headers=headers)
        self.assertEqual((r.status_code, r.json()["code"]), (401, "unknown_app_key"))
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.API_REGISTER_QUERY).exists())

    def test_it_refuses_a_malformed_nonce(self):
        r = self.query(nonce="short")
        self.assertEqual((r.status_code, r.json()["code"]), (401, "signature_invalid"))

    def test_it_fails_closed_when_the_nonce_store_is_down(self):
        with mock.patch("api.auth.cache_is_down", return_value=True):
            r = self.query()
        self.assertEqual((r.status_code, r.json()["code"]), (503, "nonce_store_unavailable"))
        self.assertEqual(r.json()["message"], "服务暂时无法校验请求，请稍后重试")

    def test_it_fails_closed_when_the_cache_raises(self):
        with mock.patch("api.auth.cache.add", side_effect=ConnectionError("redis down")):
            r = self.query()
        self.assertEqual((r.status_code, r.json()["code"]), (503, "nonce_store_unavailable"))

    def test_past_the_address_refusal_count_refusals_are_no_longer_audited(self):
        with self.settings(RATE_LIMITS={"api_auth_failure.client": (3, 60)}):
            codes = [self.query(secret="wrong").json()["code"] for _ in range(5)]
        self.assertEqual(codes, ["signature_invalid"] * 3 + ["rate_limited"] * 2)
        self.assertEqual(self.rows().count(), 3)


class SigningRulesTest(ApiTestCase):
    def test_the_query_is_sorted_and_encoded(self):
        self.assertEqual(canonical_query("b=2&a=%E5%BC%A0+x&a=1"), "a=1&a=%E5%BC%A0%20x&b=2")
        self.assertEqual(canonical_query(""), "")

    def test_the_path_is_encoded_alike_however_it_arrives(self):
        self.assertEqual(canonical_path("/api/v1/a b/证"), "/api/v1/a%20b/%E8%AF%81")
        self.assertEqual(canonical_path("/api/v1/a%20b/%E8%AF%81"), "/api/v1/a%20b/%E8%AF%81")

    def test_the_signature_is_openssls_hmac_sm3(self):
        # `printf %s "$STRING" | openssl dgst -sm3 -hmac "$SECRET"` gives the same digest.
        import shutil
        import subprocess

        text = string_to_sign(
            method="GET",
            path="/api/v1/x",
            query_string="",
            app_key="k",
            timestamp="1",
            nonce="n" * 16,
            body=b"",
        )
        out = subprocess.run(  # noqa: S603  # the test's own arguments
            [shutil.which("openssl") or "openssl", "dgst", "-sm3", "-hmac", "s3cret", "-r"],
            input=text.encode(),
            capture_output=True,
            check=True,
        )
        self.assertEqual(out.stdout.split()[0].decode(), signature_of(secret="s3cret", text=text))
