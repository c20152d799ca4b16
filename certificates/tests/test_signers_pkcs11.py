"""The PKCS#11 signer (certificates.signers.pkcs11), tested as far as this machine honestly can.

SoftHSM2 (Debian softhsm2) is a real PKCS#11 module but has no SM2. So the plumbing runs against
it for real: loading the module, finding the token by label, logging in (a wrong PIN refused
with a Chinese reason), finding the key and the certificate by label, and SoftHSM2's own refusal
of the configured SM2 mechanism. The SM2 signature itself comes from a test double at the
library boundary: the real SoftHSM2 session with only its `sign` call replaced by Tongsuo
holding the test key, answering as a vendor's raw SM2 mechanism does (r ‖ s of e = SM3(Z ‖ M)).
What is not tested here: any vendor's real SM2 mechanism (docs/operations.md says how to check
one with `certificate_keys --check`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from unittest import skipUnless

import PyKCS11  # type: ignore[import-untyped]
from asn1crypto import algos, x509
from django.test import override_settings

from certificates.crypto import (
    SignerError,
    certificate_load,
    private_key_load,
    signer_cache_clear,
    sm2_sign_digest,
)
from certificates.keys import key_material_check, key_paths
from certificates.models import CopyStatus
from certificates.services import certificate_copy_make, certificate_copy_request
from certificates.signers.pkcs11 import Pkcs11Signer
from certificates.tests.helpers import ensure_keys, granted_registration
from certificates.verify import verify_ofd
from portal.test import BaseTestCase

SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN = "lnzwfw-test"
PIN = "123456"
KEY_LABEL = "seal-signer"
VENDOR_SM2 = 0x80000000 + 0x2A01  # a made-up vendor mechanism number, as in a vendor's manual
P256 = bytes.fromhex("06082a8648ce3d030107")  # the OID of the curve SoftHSM2 can make


_token_dir: Path | None = None


def softhsm_token() -> None:
    """One SoftHSM2 token for the test run (SoftHSM2 reads its configuration once per process),
    holding an EC key and the run's signer certificate under KEY_LABEL."""
    global _token_dir
    if _token_dir is not None:
        return
    _token_dir = Path(tempfile.mkdtemp(prefix="softhsm-"))
    config = _token_dir / "softhsm2.conf"
    (_token_dir / "tokens").mkdir()
    config.write_text(f"directories.tokendir = {_token_dir / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(config)
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            "/usr/bin/softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            TOKEN,
            "--pin",
            PIN,
            "--so-pin",
            "87654321",
        ],
        check=True,
        capture_output=True,
    )
    lib = PyKCS11.PyKCS11Lib().load(str(SOFTHSM))
    slot = next(s for s in lib.getSlotList(tokenPresent=True) if lib.getTokenInfo(s).label.strip() == TOKEN)
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(PIN)
    label = [(PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_LABEL, KEY_LABEL)]
    session.generateKeyPair(
        [*label, (PyKCS11.CKA_EC_PARAMS, P256), (PyKCS11.CKA_VERIFY, True)],
        [*label, (PyKCS11.CKA_PRIVATE, True), (PyKCS11.CKA_SIGN, True)],
        mecha=PyKCS11.Mechanism(PyKCS11.CKM_EC_KEY_PAIR_GEN),
    )
    certificate = certificate_load(key_paths().signing_certificate.read_bytes())
    session.createObject(
        [
            *label,
            (PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE),
            (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509),
            (PyKCS11.CKA_SUBJECT, x509.Certificate.load(certificate).subject.dump()),
            (PyKCS11.CKA_VALUE, certificate),
        ]
    )
    session.logout()
    session.closeSession()


class TongsuoAtTheSignCall:
    """The library boundary: SoftHSM2 for everything, but `sign` with the configured vendor
    mechanism answered by Tongsuo holding the run's SM2 key (e in, r ‖ s out). `tamper`
    changes the answer's last byte, as a faulty token would."""

    def __init__(self, *, tamper: bool = False) -> None:
        self.private_key = private_key_load(key_paths().signing_key.read_bytes())
        self.tamper = tamper
        self.signed: list[bytes] = []

    def __call__(self, module: str) -> Any:
        lib = PyKCS11.PyKCS11Lib().load(module)
        double = self

        class Library:
            def __getattr__(self, name: str) -> Any:
                return getattr(lib, name)

            def openSession(self, slot: Any, flags: int = 0) -> Any:
                return Session(lib.openSession(slot, flags))

        class Session:
            def __init__(self, real: Any) -> None:
                self.real = real

            def __getattr__(self, name: str) -> Any:
                return getattr(self.real, name)

            def sign(self, key: Any, data: bytes, mechanism: Any) -> list[int]:
                if mechanism.to_native().mechanism != VENDOR_SM2:
                    return list(self.real.sign(key, data, mechanism))
                double.signed.append(bytes(data))
                parsed = algos.DSASignature.load(
                    sm2_sign_digest(private_key=double.private_key, digest=bytes(data))
                )
                raw = parsed["r"].native.to_bytes(32, "big") + parsed["s"].native.to_bytes(32, "big")
                return list(raw[:-1] + bytes([raw[-1] ^ 1]) if double.tamper else raw)

        return Library()


@skipUnless(SOFTHSM.exists(), "SoftHSM2 is not installed (scripts/system-packages.sh test)")
class Pkcs11SignerTests(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()
        softhsm_token()

    def setUp(self) -> None:
        super().setUp()
        # A login is the token's for the whole process (PKCS#11): close what earlier tests left
        # open, so that each test logs in afresh.
        lib = PyKCS11.PyKCS11Lib().load(str(SOFTHSM))
        for slot in lib.getSlotList(tokenPresent=True):
            lib.closeAllSessions(slot)

    def signer(self, **overrides: Any) -> Pkcs11Signer:
        arguments: dict[str, Any] = {
            "module": str(SOFTHSM),
            "token_label": TOKEN,
            "pin": PIN,
            "key_label": KEY_LABEL,
            "mechanism": VENDOR_SM2,
            "library": TongsuoAtTheSignCall(),
        }
        return Pkcs11Signer(**{**arguments, **overrides})

    # --- against SoftHSM2 itself --------------------------------------------------------------

    def test_it_logs_in_and_reads_the_certificate_of_the_key_label(self):
        signer = self.signer(library=lambda module: PyKCS11.PyKCS11Lib().load(module))
        self.assertEqual(
            signer.certificate_der, certificate_load(key_paths().signing_certificate.read_bytes())
        )

    def test_a_wrong_pin_is_refused_in_chinese(self):
        with self.assertRaises(SignerError) as raised:
            _ = self.signer(pin="000000").certificate_der
        self.assertEqual(str(raised.exception), "密码机口令错误（CERT_PKCS11_PIN）")

    def test_an_unknown_token_names_the_tokens_present(self):
        with self.assertRaises(SignerError) as raised:
            _ = self.signer(token_label="另一个令牌").certificate_der
        self.assertIn("找不到标签为「另一个令牌」的密码机令牌", str(raised.exception))
        self.assertIn(TOKEN, str(raised.exception))

    def test_a_missing_key_label_is_named(self):
        with self.assertRaises(SignerError) as raised:
            _ = self.signer(key_label="nope").certificate_der
        self.assertIn("没有标签为「nope」的私钥", str(raised.exception))

    def test_softhsm_refuses_an_sm2_mechanism_it_does_not_have(self):
        # SoftHSM2 has no SM2: its own answer to the vendor number, explained.
        signer = self.signer(library=lambda module: PyKCS11.PyKCS11Lib().load(module))
        with self.assertRaises(SignerError) as raised:
            signer.sign(b"TBS_Sign")
        self.assertIn("密码机不支持配置的签名机制（CERT_PKCS11_MECHANISM）", str(raised.exception))

    def test_a_module_that_cannot_be_loaded_is_named(self):
        with self.assertRaises(SignerError) as raised:
            _ = self.signer(
                module="/nonexistent/libvendor.so", library=lambda m: PyKCS11.PyKCS11Lib().load(m)
            ).certificate_der
        self.assertIn("无法加载 PKCS#11 模块 /nonexistent/libvendor.so", str(raised.exception))

    # --- the SM2 path, with Tongsuo at the sign call ------------------------------------------

    def test_the_mechanism_is_given_e_and_the_signature_verifies(self):
        double = TongsuoAtTheSignCall()
        signer = self.signer(library=double)
        signature = signer.sign(b"TBS_Sign")
        self.assertEqual(len(double.signed), 1)
        self.assertEqual(len(double.signed[0]), 32)  # e = SM3(Z || M), not the message
        self.assertEqual(signature[0], 0x30)

    def test_a_wrong_signature_from_the_token_is_never_used(self):
        with self.assertRaises(SignerError) as raised:
            self.signer(library=TongsuoAtTheSignCall(tamper=True)).sign(b"TBS_Sign")
        self.assertIn("密码机返回的签名值未通过验证", str(raised.exception))

    def test_a_lost_session_fails_one_attempt_and_the_next_opens_a_new_one(self):
        signer = self.signer()
        signer.sign(b"first")
        lib = PyKCS11.PyKCS11Lib().load(str(SOFTHSM))
        for slot in lib.getSlotList(tokenPresent=True):
            lib.closeAllSessions(slot)  # as when the HSM restarts
        with self.assertRaises(SignerError) as raised:
            signer.sign(b"second")
        self.assertEqual(str(raised.exception), "与密码机的会话已失效")
        self.assertEqual(signer.sign(b"third")[0], 0x30)

    def hsm_settings(self, directory: Path, **extra: Any) -> Any:
        values: dict[str, Any] = {
            "CERT_SIGNER": "certificates.signers.pkcs11.pkcs11_signer",
            "CERT_PKCS11_MODULE": str(SOFTHSM),
            "CERT_PKCS11_TOKEN_LABEL": TOKEN,
            "CERT_PKCS11_PIN": PIN,
            "CERT_PKCS11_KEY_LABEL": KEY_LABEL,
            "CERT_PKCS11_MECHANISM": hex(VENDOR_SM2),
            "CERT_SIGNING_KEY": directory / "issuer.key",
            "CERT_SIGNING_CERT": directory / "issuer.pem",
        }
        return override_settings(**{**values, **extra})

    def test_a_copy_sealed_by_the_hsm_verifies_and_the_host_has_no_key(self):
        _, certificate = granted_registration(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        nowhere = Path(tempfile.mkdtemp(prefix="app-host-keys-"))
        self.addCleanup(shutil.rmtree, nowhere, ignore_errors=True)
        signer_cache_clear()
        self.addCleanup(signer_cache_clear)
        double = TongsuoAtTheSignCall()
        with (
            self.hsm_settings(nowhere),
            override_settings(CERT_SIGNER="certificates.tests.test_signers_pkcs11.hsm_signer_for_tests"),
        ):
            _hsm_double["library"] = double
            certificate_copy_make(copy_id=copy.pk)
            problems = key_material_check().problems
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.READY, copy.error)
        with copy.file.open("rb") as f:
            self.assertTrue(verify_ofd(f.read()).ok)
        self.assertFalse(any(nowhere.iterdir()))
        self.assertEqual(problems, [])
        self.assertEqual(len(double.signed), 2)  # the copy and the check's probe

    def test_a_locked_out_hsm_fails_the_attempt_with_the_reason(self):
        _, certificate = granted_registration(self)
        copy = certificate_copy_request(certificate=certificate, user=self.applicant)
        nowhere = Path(tempfile.mkdtemp(prefix="app-host-keys-"))
        self.addCleanup(shutil.rmtree, nowhere, ignore_errors=True)
        signer_cache_clear()
        self.addCleanup(signer_cache_clear)
        with self.hsm_settings(nowhere, CERT_PKCS11_PIN="000000"):
            certificate_copy_make(copy_id=copy.pk)
        copy.refresh_from_db()
        self.assertEqual(copy.status, CopyStatus.PENDING)
        self.assertFalse(copy.file)
        self.assertEqual(copy.error, "密码机口令错误（CERT_PKCS11_PIN）")


_hsm_double: dict[str, Any] = {}


def hsm_signer_for_tests() -> Pkcs11Signer:
    """pkcs11_signer() from the settings, with the test double at the library boundary."""
    from certificates.signers import pkcs11

    signer = pkcs11.pkcs11_signer()
    signer._library = _hsm_double["library"]
    return signer
