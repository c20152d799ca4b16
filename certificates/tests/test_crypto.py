"""SM2 / SM3 cross-checked against the openssl command line (3.0), in both directions.

openssl 3.0 uses an empty SM2 user ID unless told otherwise, so every call passes
distid:1234567812345678, the ID a standard OFD reader assumes."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase, override_settings

from certificates import crypto
from certificates.crypto import (
    CryptoError,
    LocalSigner,
    certificate_public_key,
    get_signer,
    private_key_generate,
    private_key_load,
    private_key_pem,
    public_key_der,
    public_key_load_der,
    sm2_verify,
    sm3,
)

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
DISTID = "distid:1234567812345678"


def openssl(
    *args: str | Path, data: bytes | None = None, check: bool = True
) -> subprocess.CompletedProcess[bytes]:
    """Run the openssl command line; the arguments are the test's own, never user input."""
    return subprocess.run(  # noqa: S603
        [OPENSSL, *map(str, args)], input=data, capture_output=True, check=check, timeout=30
    )


class OpenSslTestCase(SimpleTestCase):
    """A temporary folder, and an SM2 key pair as files openssl can read."""

    dir: Path
    key: crypto.PrivateKey
    key_file: Path
    public_key: crypto.PublicKey
    pub_file: Path

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        if not Path(OPENSSL).exists():
            raise RuntimeError("these tests need the openssl command line (Debian package openssl)")
        cls.dir = Path(tempfile.mkdtemp(prefix="sm2-"))
        cls.addClassCleanup(shutil.rmtree, cls.dir)
        cls.key = private_key_generate()
        cls.key_file = cls.dir / "key.pem"
        cls.key_file.write_bytes(private_key_pem(cls.key))
        cls.public_key = cls.key.public_key()
        cls.pub_file = cls.dir / "pub.pem"
        openssl("pkey", "-in", cls.key_file, "-pubout", "-out", cls.pub_file)

    def write(self, name: str, data: bytes) -> Path:
        path: Path = self.dir / name
        path.write_bytes(data)
        return path


class Sm3TestCase(OpenSslTestCase):
    def test_it_matches_the_standard_example(self):
        # GB/T 32905-2016, appendix A, example 1.
        self.assertEqual(
            sm3(b"abc").hex(), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        )

    def test_it_matches_openssl_dgst(self):
        for data in (b"", b"abc", "中华人民共和国二级建造师注册证书".encode(), bytes(range(256)) * 4099):
            with self.subTest(length=len(data)):
                expected = openssl("dgst", "-sm3", "-binary", data=data).stdout
                self.assertEqual(sm3(data), expected)


class OurSignaturesTestCase(OpenSslTestCase):
    message = "<ofd:Signature>签章</ofd:Signature>".encode()

    def test_openssl_pkeyutl_accepts_it(self):
        msg = self.write("msg", self.message)
        sig = self.write("sig", crypto.sm2_sign(private_key=self.key, data=self.message))
        result = openssl(
            "pkeyutl", "-verify", "-pubin", "-inkey", self.pub_file, "-rawin", "-in", msg,
            "-sigfile", sig, "-digest", "sm3", "-pkeyopt", DISTID, check=False,
        )  # fmt: skip
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"Signature Verified Successfully", result.stdout)

    def test_openssl_dgst_accepts_a_signers_signature(self):
        certificate = _self_signed(self.key)
        signer = LocalSigner(private_key=self.key, certificate_der=certificate)
        msg = self.write("msg2", self.message)
        sig = self.write("sig2", signer.sign(self.message))
        result = openssl(
            "dgst", "-sm3", "-verify", self.pub_file, "-sigopt", DISTID, "-signature", sig, msg, check=False
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(b"Verified OK", result.stdout)

    def test_it_carries_the_user_id_not_an_empty_one(self):
        # openssl 3.0's own default is an empty ID: refusing there shows Z used 1234567812345678.
        msg = self.write("msg3", self.message)
        sig = self.write("sig3", crypto.sm2_sign(private_key=self.key, data=self.message))
        result = openssl(
            "pkeyutl", "-verify", "-pubin", "-inkey", self.pub_file, "-rawin", "-in", msg,
            "-sigfile", sig, "-digest", "sm3", check=False,
        )  # fmt: skip
        self.assertNotEqual(result.returncode, 0)

    def test_two_signatures_of_one_message_differ(self):
        # A fresh random nonce each time: a repeated nonce would give away the key.
        first = crypto.sm2_sign(private_key=self.key, data=self.message)
        second = crypto.sm2_sign(private_key=self.key, data=self.message)
        self.assertNotEqual(first, second)
        self.assertTrue(sm2_verify(public_key=self.public_key, data=self.message, signature=first))
        self.assertTrue(sm2_verify(public_key=self.public_key, data=self.message, signature=second))


class OpenSslSignaturesTestCase(OpenSslTestCase):
    def openssl_signature(self, message: bytes) -> bytes:
        msg = self.write("omsg", message)
        return openssl(
            "pkeyutl",
            "-sign",
            "-inkey",
            self.key_file,
            "-rawin",
            "-in",
            msg,
            "-digest",
            "sm3",
            "-pkeyopt",
            DISTID,
        ).stdout

    def test_ours_accepts_it(self):
        message = "辽宁省住房和城乡建设厅".encode() * 100
        signature = self.openssl_signature(message)
        self.assertTrue(sm2_verify(public_key=self.public_key, data=message, signature=signature))

    def test_ours_accepts_openssl_dgst_signatures_too(self):
        message = b"Doc_0/Signs/Sign_0/Signature.xml"
        msg = self.write("dmsg", message)
        signature = openssl("dgst", "-sm3", "-sign", self.key_file, "-sigopt", DISTID, msg).stdout
        self.assertTrue(sm2_verify(public_key=self.public_key, data=message, signature=signature))

    def test_ours_refuses_another_message(self):
        signature = self.openssl_signature(b"original")
        self.assertFalse(sm2_verify(public_key=self.public_key, data=b"originaL", signature=signature))

    def test_ours_refuses_another_key(self):
        signature = self.openssl_signature(b"original")
        other = private_key_generate().public_key()
        self.assertFalse(sm2_verify(public_key=other, data=b"original", signature=signature))

    def test_a_damaged_signature_is_a_no_not_an_error(self):
        signature = self.openssl_signature(b"original")
        flipped = bytearray(signature)
        flipped[-1] ^= 0x01
        for bad in (b"", b"\x30\x00", b"garbage" * 10, signature[:-1], signature + b"\x00", bytes(flipped)):
            with self.subTest(bad=bad[:8]):
                self.assertFalse(sm2_verify(public_key=self.public_key, data=b"original", signature=bad))


class KeyFilesTestCase(OpenSslTestCase):
    def test_openssl_reads_our_private_key_as_sm2(self):
        text = openssl("pkey", "-in", self.key_file, "-noout", "-text").stdout
        self.assertIn(b"ASN1 OID: SM2", text)

    def test_an_openssl_key_loads(self):
        path = self.dir / "openssl.key"
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", path)
        key = private_key_load(path.read_bytes())
        signature = crypto.sm2_sign(private_key=key, data=b"x")
        self.assertTrue(sm2_verify(public_key=key.public_key(), data=b"x", signature=signature))

    def test_a_key_on_another_curve_is_refused(self):
        path = self.dir / "p256.key"
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
        with self.assertRaises(CryptoError):
            private_key_load(path.read_bytes())
        public = openssl("pkey", "-in", path, "-pubout", "-outform", "DER").stdout
        with self.assertRaises(CryptoError):
            public_key_load_der(public)

    def test_the_public_key_comes_out_of_a_certificate(self):
        certificate = _self_signed(self.key)
        self.assertEqual(public_key_der(certificate_public_key(certificate)), public_key_der(self.public_key))

    def test_a_signer_refuses_a_certificate_for_another_key(self):
        with self.assertRaises(CryptoError):
            LocalSigner(private_key=private_key_generate(), certificate_der=_self_signed(self.key))


def _self_signed(key: crypto.PrivateKey) -> bytes:
    from datetime import UTC, datetime, timedelta

    from certificates.keys import certificate_build
    from certificates.profiles import CertificateRole

    now = datetime.now(UTC)
    return certificate_build(
        subject={"common_name": "测试"},
        subject_public_key_der=public_key_der(key.public_key()),
        issuer_key=key,
        issuer_certificate_der=None,
        not_before=now,
        not_after=now + timedelta(days=1),
        role=CertificateRole.CA,
    )


def _signer_for_tests() -> LocalSigner:
    key = private_key_generate()
    return LocalSigner(private_key=key, certificate_der=_self_signed(key))


class GetSignerTestCase(SimpleTestCase):
    def setUp(self):
        crypto.signer_cache_clear()
        self.addCleanup(crypto.signer_cache_clear)
        self.dir = Path(tempfile.mkdtemp(prefix="signer-"))
        self.addCleanup(shutil.rmtree, self.dir)

    def test_a_missing_key_is_a_clear_configuration_error(self):
        missing = override_settings(
            CERT_SIGNING_KEY=self.dir / "no.key", CERT_SIGNING_CERT=self.dir / "no.pem"
        )
        with missing, self.assertRaises(ImproperlyConfigured) as raised:
            get_signer()
        message = str(raised.exception)
        self.assertIn("CERT_SIGNING_KEY", message)
        self.assertIn("certificate_keys", message)
        self.assertIn("make run", message)
        self.assertIn("密钥文件不存在", message)

    def test_it_loads_the_files_once(self):
        key = private_key_generate()
        (self.dir / "k.pem").write_bytes(private_key_pem(key))
        (self.dir / "c.pem").write_bytes(crypto.certificate_pem(_self_signed(key)))
        with override_settings(CERT_SIGNING_KEY=self.dir / "k.pem", CERT_SIGNING_CERT=self.dir / "c.pem"):
            signer = get_signer()
            self.assertIs(get_signer(), signer)
        signature = signer.sign(b"data")
        self.assertTrue(sm2_verify(public_key=key.public_key(), data=b"data", signature=signature))

    def test_a_mismatched_pair_is_a_configuration_error(self):
        (self.dir / "k.pem").write_bytes(private_key_pem(private_key_generate()))
        (self.dir / "c.pem").write_bytes(crypto.certificate_pem(_self_signed(private_key_generate())))
        mismatched = override_settings(
            CERT_SIGNING_KEY=self.dir / "k.pem", CERT_SIGNING_CERT=self.dir / "c.pem"
        )
        with mismatched, self.assertRaises(ImproperlyConfigured) as raised:
            get_signer()
        self.assertIn("不匹配", str(raised.exception))

    @override_settings(CERT_SIGNER="certificates.tests.test_crypto._signer_for_tests")
    def test_a_signing_service_adapter_replaces_the_local_files(self):
        signer = get_signer()
        self.assertIsInstance(signer, LocalSigner)
        self.assertTrue(
            sm2_verify(
                public_key=certificate_public_key(signer.certificate_der),
                data=b"d",
                signature=signer.sign(b"d"),
            )
        )
