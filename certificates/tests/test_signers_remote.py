"""Signing through a signing service over HTTP (certificates.signers.remote, docs/signing.md):
the app host holds no private key, the copies it seals verify everywhere, and a service that
refuses, hangs or lies fails the attempt (the copy stays 加注中 for the retry) instead of
producing a file."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command

from certificates.crypto import (
    LocalSigner,
    SignerError,
    certificate_load,
    certificate_public_key,
    get_signer,
    private_key_generate,
    private_key_load,
    public_key_der,
    sm2_digest,
    sm2_sign,
    sm2_sign_digest,
    sm2_verify,
)
from certificates.keys import certificate_build, key_material_check, key_paths
from certificates.models import CertificateCopy, CopyStatus
from certificates.profiles import CertificateRole
from certificates.services import certificate_copy_make, certificate_copy_request
from certificates.signers import contract
from certificates.signers.remote import HttpSigner
from certificates.signers.service import Answer
from certificates.tests.helpers import ensure_keys, granted_registration
from certificates.tests.signing_service import KEY_ID, SECRET, app_host_using, signing_service
from certificates.verify import verify_ofd
from lib.dates import add_years_to_datetime
from notifications.testing import drain_task_queue
from portal.test import BaseTestCase


class SignedElsewhereTestCase(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()

    def setUp(self) -> None:
        super().setUp()
        self.nowhere = Path(tempfile.mkdtemp(prefix="app-host-keys-"))
        self.addCleanup(shutil.rmtree, self.nowhere, ignore_errors=True)


class SealingThroughTheServiceTests(SignedElsewhereTestCase):
    def request_copy(self) -> CertificateCopy:
        _, certificate = granted_registration(self)
        return certificate_copy_request(certificate=certificate, user=self.applicant)

    def test_a_copy_sealed_through_the_service_verifies_with_verify_certificate(self):
        copy = self.request_copy()
        with signing_service() as (_, url), app_host_using(url, nowhere=self.nowhere):
            self.assertFalse(Path(settings.CERT_SIGNING_KEY).exists())
            self.assertFalse(any(self.nowhere.iterdir()))  # no key file on the app host
            drain_task_queue()
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.READY)
        with copy.file.open("rb") as f:
            content = f.read()
        self.assertTrue(verify_ofd(content).ok)
        path = self.nowhere / "copy.ofd"
        path.write_bytes(content)
        out = StringIO()
        call_command("verify_certificate", str(path), stdout=out)  # another host's verifier
        self.assertIn("辽宁省住房和城乡建设厅", out.getvalue())

    def assert_failed_attempt(self, copy, reason: str) -> None:
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.PENDING)  # 加注中: the sweep hands it out again
        self.assertIsNone(copy.claimed_at)
        self.assertEqual(copy.attempts, 1)
        self.assertFalse(copy.file)
        self.assertIn(reason, copy.error)

    def test_a_wrong_credential_fails_the_attempt_with_a_clear_reason(self):
        copy = self.request_copy()
        with (
            signing_service() as (_, url),
            app_host_using(url, secret="another-secret-of-enough-length-0123456789", nowhere=self.nowhere),
        ):
            certificate_copy_make(copy_id=copy.pk)
        self.assert_failed_attempt(copy, "签名服务拒绝了本机的凭据（HTTP 401）")

    def test_a_service_that_does_not_answer_in_time_fails_the_attempt(self):
        copy = self.request_copy()
        with signing_service() as (service, url), app_host_using(url, timeout=0.3, nowhere=self.nowhere):
            service.delay = 1.0
            certificate_copy_make(copy_id=copy.pk)
        self.assert_failed_attempt(copy, "签名服务超时（0.3秒）")

    def test_an_unreachable_service_fails_the_attempt(self):
        copy = self.request_copy()
        with signing_service() as (_, url):
            pass  # stopped: nothing listens there any more
        with app_host_using(url, nowhere=self.nowhere):
            certificate_copy_make(copy_id=copy.pk)
        self.assert_failed_attempt(copy, "无法连接签名服务")

    def test_a_signature_that_does_not_verify_is_never_used(self):
        copy = self.request_copy()
        other = sm2_sign(private_key=private_key_generate(), data=b"something else")
        with signing_service() as (service, url), app_host_using(url, nowhere=self.nowhere):
            service.forged = Answer(200, {"signature": base64.b64encode(other).decode()})
            certificate_copy_make(copy_id=copy.pk)
        self.assert_failed_attempt(copy, "签名服务返回的签名值未通过验证")

    def test_the_retry_succeeds_once_the_service_is_back(self):
        copy = self.request_copy()
        with signing_service() as (service, url), app_host_using(url, nowhere=self.nowhere):
            service.forged = Answer(500, {"error": "signing_failed", "message": "签名失败"})
            certificate_copy_make(copy_id=copy.pk)
            copy.refresh_from_db()
            self.assertIn("签名服务返回 HTTP 500", copy.error)
            service.forged = None
            certificate_copy_make(copy_id=copy.pk)
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.READY)
        self.assertEqual(copy.attempts, 2)


class TheServicesCertificateTests(SignedElsewhereTestCase):
    def service_with_certificate(self, certificate_der: bytes, key) -> tuple[HttpSigner, object]:
        """A signer talking to a service that signs with `key` and reports `certificate_der`."""
        stranger = LocalSigner(private_key=key, certificate_der=certificate_der)
        return HttpSigner(
            url="http://127.0.0.1:9/",
            key_id=KEY_ID,
            secret=SECRET,
            timeout=1,
            post=lambda **kw: _answer_as(stranger, **kw),
        ), stranger

    def test_a_certificate_the_ca_did_not_issue_is_refused(self):
        key = private_key_generate()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        self_made = certificate_build(
            subject={"common_name": "冒充的签章者"},
            subject_public_key_der=public_key_der(key.public_key()),
            issuer_key=key,
            issuer_certificate_der=None,
            not_before=start,
            not_after=add_years_to_datetime(start, 1),
            role=CertificateRole.SIGNER,
        )
        signer, _ = self.service_with_certificate(self_made, key)
        with self.assertRaises(SignerError) as raised:
            signer.sign(b"TBS_Sign")
        self.assertIn("签名服务提供的签章者证书不可用", str(raised.exception))
        self.assertIn("不是由根证书", str(raised.exception))
        self.assertIn("电子印章", str(raised.exception))

    def test_the_signature_covers_z_and_the_message(self):
        paths = key_paths()
        signer, _ = self.service_with_certificate(
            certificate_load(paths.signing_certificate.read_bytes()),
            private_key_load(paths.signing_key.read_bytes()),
        )
        signature = signer.sign(b"TBS_Sign bytes")
        public_key = certificate_public_key(signer.certificate_der)
        self.assertTrue(sm2_verify(public_key=public_key, data=b"TBS_Sign bytes", signature=signature))


def _answer_as(stranger: LocalSigner, *, url: str, body: bytes, headers, timeout, peer) -> object:
    """The contract answered in process by a service holding `stranger`'s key."""
    if url.endswith(contract.CERTIFICATE_ENDPOINT):
        return {"certificate": base64.b64encode(stranger.certificate_der).decode()}
    digest = bytes.fromhex(json.loads(body)["digest"])
    return {"signature": base64.b64encode(stranger.sign_digest(digest)).decode()}


class DigestSigningTests(SignedElsewhereTestCase):
    def test_a_signature_of_e_verifies_as_a_signature_of_the_message(self):
        key = private_key_generate()
        e = sm2_digest(public_key=key.public_key(), data=b"message")
        signature = sm2_sign_digest(private_key=key, digest=e)
        self.assertTrue(sm2_verify(public_key=key.public_key(), data=b"message", signature=signature))
        self.assertFalse(sm2_verify(public_key=key.public_key(), data=b"messagE", signature=signature))


class ServiceContractTests(SignedElsewhereTestCase):
    """The reference service as any client meets it over HTTP."""

    def post(self, url: str, endpoint: str, payload: object, *, headers=None, body: bytes | None = None):
        data = body if body is not None else json.dumps(payload).encode()
        auth = contract.request_headers(
            key_id=KEY_ID, secret=SECRET, endpoint=endpoint, body=data, now=time.time()
        )
        request = urllib.request.Request(  # noqa: S310 - the test's own loopback service
            url + endpoint, data=data, method="POST", headers={**auth, **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def sign_payload(self, service) -> dict[str, str]:
        from lib.sm3 import sm3

        return {
            "algorithm": "SM2-SM3",
            "digest": "ab" * 32,
            "certificate_sm3": sm3(service.signer.certificate_der).hex(),
        }

    def test_it_signs_an_authenticated_request(self):
        with signing_service() as (service, url):
            status, answer = self.post(url, "v1/sign", self.sign_payload(service))
        self.assertEqual(status, 200)
        signature = base64.b64decode(answer["signature"])
        self.assertEqual(signature[0], 0x30)  # DER SEQUENCE {r, s}

    def test_what_it_refuses(self):
        with signing_service() as (service, url):
            good = self.sign_payload(service)
            cases = {
                "bad_digest": self.post(url, "v1/sign", {**good, "digest": "ab" * 31}),
                "bad_algorithm": self.post(url, "v1/sign", {**good, "algorithm": "SM2"}),
                "certificate_mismatch": self.post(url, "v1/sign", {**good, "certificate_sm3": "00" * 32}),
                "not_found": self.post(url, "v1/other", {}),
                "bad_credential": self.post(
                    url, "v1/sign", good, headers={contract.HEADER_SIGNATURE: "00" * 32}
                ),
                "unauthenticated": self.post(url, "v1/sign", good, headers={contract.HEADER_NONCE: "x"}),
                "too_large": self.post(url, "v1/sign", None, body=b" " * (contract.MAX_REQUEST_BYTES + 1)),
            }
            with self.assertRaises(urllib.error.HTTPError) as get:
                urllib.request.urlopen(url + "v1/sign", timeout=5)  # noqa: S310 - loopback
        expected_status = {
            "bad_digest": 400,
            "bad_algorithm": 400,
            "certificate_mismatch": 409,
            "not_found": 404,
            "bad_credential": 401,
            "unauthenticated": 401,
            "too_large": 413,
        }
        for code, (status, answer) in cases.items():
            self.assertEqual((status, answer["error"]), (expected_status[code], code))
            self.assertTrue(answer["message"])
        self.assertEqual(get.exception.code, 405)

    def test_a_replayed_or_stale_request_is_refused(self):
        with signing_service(clock=lambda: 1_000_000.0) as (service, _url):
            body = json.dumps(self.sign_payload(service)).encode()
            stale = contract.request_headers(
                key_id=KEY_ID, secret=SECRET, endpoint="v1/sign", body=body, now=1_000_000 - 301
            )
            fresh = contract.request_headers(
                key_id=KEY_ID, secret=SECRET, endpoint="v1/sign", body=body, now=1_000_000
            )
            statuses = []
            for headers in (stale, fresh, fresh):
                answer = service.answer(endpoint="v1/sign", headers=headers, body=body, client="test")
                statuses.append((answer.status, answer.body.get("error", "")))
        self.assertEqual(statuses, [(401, "clock_skew"), (200, ""), (401, "replayed")])


class KeyCheckWithTheServiceTests(SignedElsewhereTestCase):
    def test_the_check_takes_the_services_certificate_and_needs_no_key_file(self):
        with signing_service() as (_, url), app_host_using(url, nowhere=self.nowhere):
            check = key_material_check()
            out = StringIO()
            call_command("certificate_keys", "--check", stdout=out)
            self.assertEqual(get_signer().certificate_der[:1], b"\x30")
        self.assertEqual(check.problems, [])
        self.assertTrue(check.signing_fingerprint)
        self.assertIn("签名证书 SHA-256 指纹", out.getvalue())
        self.assertIn("本机不需要签名私钥", out.getvalue())

    def test_create_refuses_on_a_host_whose_key_is_elsewhere(self):
        with (
            signing_service() as (_, url),
            app_host_using(url, nowhere=self.nowhere),
            self.assertRaises(CommandError) as raised,
        ):
            call_command("certificate_keys", "--create", stdout=StringIO())
        self.assertIn("私钥不在本机", str(raised.exception))
        self.assertFalse(any(self.nowhere.iterdir()))

    def test_the_check_names_a_service_it_cannot_reach(self):
        with signing_service() as (_, url):
            pass
        with app_host_using(url, nowhere=self.nowhere):
            problems = key_material_check().problems
        self.assertEqual(len(problems), 1)
        self.assertIn(
            "签名器（CERT_SIGNER=certificates.signers.remote.http_signer）不可用：无法连接签名服务",
            problems[0],
        )


class ServeSigningCommandTests(SignedElsewhereTestCase):
    """`manage.py serve_signing` as an operator starts it on the signer host."""

    def start(self, *arguments: str, secret: str = SECRET) -> tuple[subprocess.Popen[str], str]:
        environment = {
            **os.environ,
            "CERT_KEY_DIR": str(settings.CERT_KEY_DIR),
            "CERT_SIGNING_KEY": str(key_paths().signing_key),
            "CERT_SIGNING_CERT": str(key_paths().signing_certificate),
            "CERT_SIGNER_KEY_ID": KEY_ID,
            "CERT_SIGNER_SECRET": secret,
        }
        process = subprocess.Popen(  # noqa: S603 - this project's own command
            [sys.executable, "manage.py", "serve_signing", "--port", "0", *arguments],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(process.wait, 10)
        self.addCleanup(process.terminate)
        return process, process.stdout.readline() if process.stdout else ""

    def test_it_serves_the_contract_with_this_hosts_key(self):
        _, first_line = self.start()
        url = first_line.split("：", 1)[1].split("（", 1)[0]
        self.assertTrue(url.startswith("http://127.0.0.1:"), first_line)
        signer = HttpSigner(url=url, key_id=KEY_ID, secret=SECRET, timeout=5)
        signature = signer.sign(b"TBS_Sign")
        public_key = certificate_public_key(signer.certificate_der)
        self.assertTrue(sm2_verify(public_key=public_key, data=b"TBS_Sign", signature=signature))

    def test_it_refuses_to_start_with_a_short_secret(self):
        process, _ = self.start(secret="short")
        _, errors = process.communicate(timeout=30)
        self.assertNotEqual(process.returncode, 0)
        self.assertIn("至少32个字符的 CERT_SIGNER_SECRET", errors)
