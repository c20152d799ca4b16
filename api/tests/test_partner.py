"""What a relying party may call and how much: scopes, its own limits, suspension at once,
and answers that carry only what the scope needs."""

from __future__ import annotations

from typing import Any

from api.models import ApiScope, RelyingParty
from api.services import relying_party_secret_reset, relying_party_suspend
from api.tests.helpers import ApiTestCase, party_make
from audit.models import AuditAction, AuditEvent, AuditResult
from certificates.models import Certificate
from registry.models import Registration
from registry.tests.builders import registration_granted

QUERY = "/api/v1/partner/register/query"


def by_license(license_id: str) -> str:
    return f"/api/v1/partner/certificates/by-license-id/{license_id}"


class PartnerTest(ApiTestCase):
    registration: Registration
    certificate: Certificate
    register_only: RelyingParty
    register_only_secret: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.registration = registration_granted(cls)
        cls.certificate = Certificate.objects.get(registration=cls.registration)
        cls.register_only, cls.register_only_secret = party_make(
            cls.admin, scopes=(ApiScope.REGISTER_READ,), name="某项目审批系统"
        )

    def query(self) -> Any:
        return self.signed_post_json(QUERY, {"name": "张伟", "number": self.registration.number})

    def test_it_verifies_a_certificate_by_license_id_and_audits_whose_it_is(self):
        r = self.signed_get(by_license(self.certificate.license_id))
        self.assertEqual(r.status_code, 200, r.content)
        body = r.json()
        self.assertEqual((body["verdict"], body["valid"]), ("valid", True))
        self.assertEqual(body["license_id"], self.certificate.license_id)
        self.assertEqual(body["holder_name"], "张*")
        self.assertIsNone(body["usage_valid_until"])
        row = AuditEvent.objects.get(action=AuditAction.API_CERTIFICATE_VERIFY)
        self.assertEqual((row.result, row.subject_id), (AuditResult.SUCCESS, self.applicant.pk))
        self.assertEqual(row.detail["方式"], "电子证照标识")

    def test_an_unknown_license_id_is_a_json_404_audited_as_failure(self):
        r = self.signed_get(by_license("1.2.156.3005.2.X.Y.Z.001.0"))
        self.assertEqual((r.status_code, r.json()["code"]), (404, "not_found"))
        row = AuditEvent.objects.get(action=AuditAction.API_CERTIFICATE_VERIFY)
        self.assertEqual(row.result, AuditResult.FAILURE)

    def test_a_scope_the_party_lacks_is_refused_and_audited(self):
        path = by_license(self.certificate.license_id)
        r = self.signed_get(path, party=self.register_only, secret=self.register_only_secret)
        self.assertEqual((r.status_code, r.json()["code"]), (403, "scope_denied"))
        row = AuditEvent.objects.get(action=AuditAction.API_CERTIFICATE_VERIFY)
        self.assertEqual((row.result, row.detail["拒绝原因"]), (AuditResult.DENIED, "scope_denied"))
        # …while the scope it holds is served.
        r = self.signed_post_json(
            QUERY,
            {"name": "张伟", "number": self.registration.number},
            party=self.register_only,
            secret=self.register_only_secret,
        )
        self.assertEqual(r.status_code, 200)

    def test_the_register_answer_carries_no_certificate_and_the_certificate_answer_no_register_extras(self):
        register = self.query().json()
        self.assertEqual(
            set(register),
            {
                "holder_name",
                "registration_number",
                "status",
                "status_label",
                "employer_name",
                "specialties",
                "issued_on",
            },
        )
        certificate = self.signed_get(by_license(self.certificate.license_id)).json()
        self.assertNotIn("status", certificate)
        for answer in (register, certificate):
            text = str(answer)
            self.assertNotIn(self.applicant.id_number, text)
            self.assertNotIn(self.applicant.mobile, text)
            self.assertNotIn("张伟", text)

    def test_the_per_minute_limit_refuses_and_audits(self):
        self.party.per_minute = 2
        self.party.save(update_fields=["per_minute"])
        codes = [self.query().status_code for _ in range(3)]
        self.assertEqual(codes, [200, 200, 429])
        r = self.query()
        self.assertEqual(r.json()["code"], "rate_limited")
        results = list(
            AuditEvent.objects.filter(action=AuditAction.API_REGISTER_QUERY).values_list("result", flat=True)
        )
        self.assertEqual(results, [AuditResult.SUCCESS] * 2 + [AuditResult.DENIED] * 2)

    def test_the_per_day_limit_refuses(self):
        self.party.per_day = 1
        self.party.save(update_fields=["per_day"])
        self.assertEqual([self.query().status_code for _ in range(2)], [200, 429])

    def test_limits_are_per_party(self):
        self.party.per_minute = 1
        self.party.save(update_fields=["per_minute"])
        self.assertEqual(self.query().status_code, 200)
        self.assertEqual(self.query().status_code, 429)
        other = self.signed_post_json(
            QUERY,
            {"name": "张伟", "number": self.registration.number},
            party=self.register_only,
            secret=self.register_only_secret,
        )
        self.assertEqual(other.status_code, 200)

    def test_suspension_takes_effect_with_the_next_call(self):
        self.assertEqual(self.query().status_code, 200)
        relying_party_suspend(party=self.party, suspended=True, actor=self.admin)
        r = self.query()
        self.assertEqual((r.status_code, r.json()["code"]), (403, "client_suspended"))
        self.assertEqual(
            AuditEvent.objects.filter(action=AuditAction.API_CLIENT_CHANGE, detail__操作="暂停").count(), 1
        )
        relying_party_suspend(party=self.party, suspended=False, actor=self.admin)
        self.assertEqual(self.query().status_code, 200)

    def test_a_reset_secret_replaces_the_old_one_at_once(self):
        new = relying_party_secret_reset(party=self.party, actor=self.admin)
        self.assertNotEqual(new, self.secret)
        self.assertEqual(self.query().json()["code"], "signature_invalid")
        r = self.signed_post_json(QUERY, {"name": "张伟", "number": self.registration.number}, secret=new)
        self.assertEqual(r.status_code, 200)

    def test_the_secret_is_stored_encrypted(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT secret, contact FROM api_relyingparty WHERE id = %s", [self.party.pk])
            secret, contact = cursor.fetchone()
        self.assertTrue(secret.startswith("sm4:"))
        self.assertNotIn(self.secret, secret)
        self.assertTrue(contact.startswith("sm4:"))

    def test_a_wrong_name_and_a_wrong_number_look_alike(self):
        for data in (
            {"name": "李娜", "number": self.registration.number},
            {"name": "张伟", "number": "辽000000000000"},
        ):
            r = self.signed_post_json(QUERY, data)
            self.assertEqual(r.status_code, 404)
            self.assertEqual(
                r.json(), {"code": "not_found", "message": "未查询到符合条件的注册人员，请核对姓名和注册编号"}
            )
        self.assertEqual(
            AuditEvent.objects.filter(
                action=AuditAction.API_REGISTER_QUERY, result=AuditResult.FAILURE
            ).count(),
            2,
        )
