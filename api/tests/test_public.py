"""The public endpoints: the verification page's verdict and the register query's answer as
JSON, with the pages' limits (the same counters), and JSON for every refusal."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from api.auth import party_audit
from api.tests.helpers import ApiTestCase, sign
from audit.models import AuditAction, AuditEvent, AuditResult
from certificates.services import certificate_copy_request, certificate_revoke
from certificates.tests.helpers import approved_case, ensure_keys
from certificates.tests.test_views_verify import flip_a_byte_inside
from notifications.testing import drain_task_queue
from registry.models import Registration

BY_TOKEN = "/api/v1/public/certificates/by-token/{}"
BY_LICENSE = "/api/v1/public/certificates/by-license-id/{}"
CHECK_FILE = "/api/v1/public/certificates/check-file"
QUERY = "/api/v1/public/register/query"
PARTNER_PATH = "/api/v1/partner/certificates/by-license-id/1.2.156.3005.2.X"


class PublicCertificateTest(ApiTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def setUp(self) -> None:
        cache.clear()
        _, self.certificate = approved_case(self)
        self.copy = certificate_copy_request(certificate=self.certificate, user=self.applicant)
        drain_task_queue()
        self.copy.refresh_from_db()
        with self.copy.file.open("rb") as f:
            self.content = f.read()

    def upload(self, content: bytes, name: str = "证书.ofd"):
        return self.client.post(CHECK_FILE, {"file": SimpleUploadedFile(name, content)})

    def test_by_token_it_answers_the_pages_verdict(self):
        r = self.client.get(BY_TOKEN.format(self.copy.token))
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual((body["verdict"], body["verdict_label"], body["valid"]), ("valid", "有效", True))
        self.assertEqual(body["holder_name"], "张*")
        self.assertEqual(body["usage_valid_until"], self.copy.usage_valid_until.isoformat())
        self.assertEqual(body["registration_number"], self.certificate.registration.number)
        page = self.client.get(reverse("certificates:verify", args=[self.copy.token]))
        self.assertContains(page, body["verdict_note"])
        self.assertNotIn("张伟", r.content.decode())

    def test_a_void_certificate_says_so_with_its_date(self):
        certificate_revoke(registration=self.certificate.registration, reason="证书信息有误")
        body = self.client.get(BY_TOKEN.format(self.copy.token)).json()
        self.assertEqual((body["verdict"], body["valid"]), ("void", False))
        self.assertIn("证书信息有误", body["verdict_note"])
        self.assertIsNotNone(body["revoked_on"])
        by_license = self.client.get(BY_LICENSE.format(self.certificate.license_id)).json()
        self.assertEqual(by_license["verdict"], "void")

    def test_an_unknown_or_malformed_token_is_json(self):
        r = self.client.get(BY_TOKEN.format("5b0e6f7c-0000-4000-8000-000000000000"))
        self.assertEqual((r.status_code, r.json()["code"]), (404, "not_found"))
        r = self.client.get(BY_TOKEN.format("not-a-uuid"))
        self.assertEqual((r.status_code, r.json()["code"]), (422, "invalid_request"))
        self.assertIn("token", r.json()["message"])

    def test_the_file_check_gives_the_seal_and_the_record(self):
        r = self.upload(self.content)
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual((body["seal_valid"], body["found"], body["problems"]), (True, True, []))
        self.assertEqual(body["certificate"]["license_id"], self.certificate.license_id)

    def test_a_changed_file_is_invalid_with_its_reasons(self):
        r = self.upload(flip_a_byte_inside(self.content, "Doc_0/Pages/Page_0/Content.xml"))
        body = r.json()
        self.assertEqual((r.status_code, body["seal_valid"], body["found"]), (200, False, False))
        self.assertTrue(body["problems"])
        self.assertIsNone(body["certificate"])

    def test_a_file_that_is_no_ofd_and_an_empty_one(self):
        body = self.upload(b"%PDF-1.7 not an ofd").json()
        self.assertFalse(body["seal_valid"])
        self.assertTrue(body["problems"][0].startswith("文件不是有效的OFD文件"))
        r = self.upload(b"")
        self.assertEqual((r.status_code, r.json()["code"]), (422, "invalid_request"))
        self.assertEqual(r.json()["message"], "所选文件是空的")

    def test_the_file_check_shares_the_pages_limit(self):
        with self.settings(RATE_LIMITS={"verify_upload.client": (2, 60)}):
            page = self.client.post(
                reverse("certificates:verify_upload"), {"file": SimpleUploadedFile("a.ofd", b"x")}
            )
            self.assertEqual(page.status_code, 200)
            self.assertEqual(self.upload(b"x").status_code, 200)
            r = self.upload(b"x")
        self.assertEqual((r.status_code, r.json()["code"]), (429, "rate_limited"))
        self.assertEqual(r.json()["message"], "核验过于频繁，请稍后再试")

    def test_by_license_id_is_limited_per_address(self):
        with self.settings(RATE_LIMITS={"verify_license.client": (2, 60)}):
            codes = [
                self.client.get(BY_LICENSE.format(self.certificate.license_id)).status_code for _ in range(3)
            ]
        self.assertEqual(codes, [200, 200, 429])


class PublicRegisterTest(ApiTestCase):
    registration: Registration

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from registry.tests.builders import registration_granted

        cls.registration = registration_granted(cls)

    def test_it_answers_the_query_masked(self):
        # Typed as people type it: spaces around the name, inside the number, lower case.
        number = " ".join([self.registration.number[:4], self.registration.number[4:].lower()])
        r = self.client.post(QUERY, {"name": " 张伟 ", "number": number}, content_type="application/json")
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual(
            (body["holder_name"], body["status"], body["status_label"]), ("张*", "valid", "有效")
        )
        self.assertEqual(body["specialties"][0]["specialty_label"], "建筑工程")

    def test_not_found_looks_alike_for_name_and_number(self):
        for data in ({"name": "李娜", "number": self.registration.number}, {"name": "张伟", "number": "辽0"}):
            r = self.client.post(QUERY, data, content_type="application/json")
            self.assertEqual(r.status_code, 404)
            self.assertEqual(r.json()["message"], "未查询到符合条件的注册人员，请核对姓名和注册编号")

    def test_a_missing_field_and_a_body_that_is_no_json(self):
        r = self.client.post(QUERY, {"name": "张伟"}, content_type="application/json")
        self.assertEqual((r.status_code, r.json()["code"]), (422, "invalid_request"))
        self.assertIn("number", r.json()["message"])
        r = self.client.post(QUERY, b"{not json", content_type="application/json")
        self.assertEqual(r.status_code // 100, 4)
        self.assertEqual(r.json()["code"], "invalid_request")
        r = self.client.post(QUERY, {"name": "   ", "number": "x"}, content_type="application/json")
        self.assertEqual((r.status_code, r.json()["message"]), (422, "请输入姓名"))

    def test_it_shares_the_pages_limit(self):
        data = {"name": "张伟", "number": self.registration.number}
        with self.settings(RATE_LIMITS={"register_query.client": (2, 60)}):
            self.client.post(reverse("registry:query"), data)
            self.assertEqual(self.client.post(QUERY, data, content_type="application/json").status_code, 200)
            r = self.client.post(QUERY, data, content_type="application/json")
        self.assertEqual((r.status_code, r.json()["message"]), (429, "查询过于频繁，请稍后再试"))


class JsonEverywhereTest(ApiTestCase):
    def test_an_unknown_address_and_a_wrong_method_are_json(self):
        r = self.client.get("/api/v1/nothing-here")
        self.assertEqual((r.status_code, r.json()["code"]), (404, "not_found"))
        r = self.client.get(QUERY)
        self.assertEqual((r.status_code, r.json()["code"]), (405, "method_not_allowed"))
        self.assertIn("POST", r["Allow"])

    def test_every_refusal_says_json_in_utf_8(self):
        for r in (self.client.get("/api/v1/nothing-here"), self.client.get(QUERY)):
            self.assertEqual(r["Content-Type"], "application/json; charset=utf-8")
        r = self.client.get(BY_LICENSE.format("1.2.156.3005.2.X"))
        self.assertEqual((r.status_code, r["Content-Type"]), (404, "application/json; charset=utf-8"))

    def test_the_root_with_or_without_the_slash_is_json(self):
        for path in ("/api/v1", "/api/v1/"):
            r = self.client.get(path)
            self.assertEqual((r.status_code, r["Content-Type"]), (200, "application/json; charset=utf-8"))
            body = r.json()
            self.assertEqual((body["openapi"], body["docs"]), ("/api/v1/openapi.json", "/api/v1/docs"))
            self.assertEqual(self.client.get(body["openapi"]).status_code, 200)
        r = self.client.post("/api/v1")
        self.assertEqual((r.status_code, r.json()["code"]), (405, "method_not_allowed"))

    def test_an_unexpected_error_is_a_json_500(self):
        from unittest import mock

        with (
            mock.patch(
                "api.endpoints.registry_selectors.registration_for_public_query", side_effect=RuntimeError
            ),
            self.assertLogs("api.endpoints", "ERROR"),
        ):
            r = self.client.post(QUERY, {"name": "张伟", "number": "x"}, content_type="application/json")
        self.assertEqual((r.status_code, r.json()["code"]), (500, "internal_error"))


class ControlCharacterTest(ApiTestCase):
    """A NUL anywhere the API reads (path, query, its headers) is a 422 before any query: on
    PostgreSQL it was a 500 ("PostgreSQL text fields cannot contain NUL"). CI runs these there."""

    def assertRefused(self, r: Any, where: str) -> None:
        self.assertEqual((r.status_code, r["Content-Type"]), (422, "application/json; charset=utf-8"))
        body = r.json()
        self.assertEqual(body["code"], "invalid_request")
        self.assertIn(f"{where}中含有控制字符", body["message"])
        self.assertEqual(r["Cache-Control"], "private, no-store")

    def test_a_nul_in_a_public_path_or_query(self):
        self.assertRefused(self.client.get(BY_LICENSE.format("a%00b")), "地址")
        self.assertRefused(self.client.get(BY_TOKEN.format(uuid.uuid4()) + "?x=%00"), "查询参数")
        self.assertRefused(self.client.get(BY_LICENSE.format("a%1Fb")), "地址")

    def test_a_nul_in_my_case_number(self):
        self.client.force_login(self.applicant)
        self.assertRefused(self.client.get("/api/v1/me/cases/a%00b"), "地址")

    def test_a_nul_in_a_partner_path_is_refused_before_anything_is_audited(self):
        r = self.signed_get("/api/v1/partner/certificates/by-license-id/a%00b")
        self.assertRefused(r, "地址")
        self.assertFalse(AuditEvent.objects.filter(action=AuditAction.API_CERTIFICATE_VERIFY).exists())

    def test_a_nul_in_the_api_headers(self):
        headers = sign(app_key=self.party.app_key, secret=self.secret, method="GET", path=PARTNER_PATH)
        for name in ("X-Api-Key", "X-Api-Nonce", "X-Api-Signature", "X-Api-Timestamp"):
            with self.subTest(header=name):
                r = self.client.get(PARTNER_PATH, headers={**headers, name: headers[name][:4] + "\x00"})
                self.assertRefused(r, f"请求头“{name}”")

    def test_an_app_key_that_is_not_hex_is_unknown_without_a_lookup(self):
        headers = sign(app_key="NOT-A-KEY;", secret=self.secret, method="GET", path=PARTNER_PATH)
        with self.assertNumQueries(0):
            r = self.client.get(PARTNER_PATH, headers=headers)
        self.assertEqual((r.status_code, r.json()["code"]), (401, "unknown_app_key"))

    def test_path_parameters_have_strict_patterns(self):
        r = self.client.get(BY_LICENSE.format("1.2.156;DROP"))
        self.assertEqual((r.status_code, r.json()["code"]), (422, "invalid_request"))
        self.client.force_login(self.applicant)
        r = self.client.get("/api/v1/me/cases/LN-2026")
        self.assertEqual((r.status_code, r.json()["code"]), (422, "invalid_request"))

    def test_a_nul_in_the_register_query_is_said_once_in_chinese(self):
        r = self.client.post(QUERY, {"name": "张\x00伟", "number": "a\x00b"}, content_type="application/json")
        self.assertEqual(r.status_code, 422)
        self.assertEqual(r.json()["message"], "含有不可见的空字符（NUL），请删除后重新输入")

    def test_the_audit_row_of_a_call_never_holds_a_raw_nul(self):
        request = RequestFactory().get("/api/v1/partner/certificates/by-license-id/a%00b")
        party_audit(
            request=request,
            party=self.party,
            action=AuditAction.API_CERTIFICATE_VERIFY,
            result=AuditResult.FAILURE,
            label=f"{self.party.name}\x00",
        )
        event = AuditEvent.objects.get(action=AuditAction.API_CERTIFICATE_VERIFY)
        self.assertEqual(event.detail["接口"], "/api/v1/partner/certificates/by-license-id/a\\x00b")
        self.assertEqual(event.object_label, f"{self.party.name}\\x00")
