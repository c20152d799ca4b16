from __future__ import annotations

import io
import shutil
import stat
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings
from PIL import Image

from certificates.crypto import (
    certificate_load,
    certificate_public_key,
    certificate_signed_by,
    get_signer,
    signer_cache_clear,
    sm2_verify,
)
from certificates.keys import (
    SEAL_NAME,
    ca_certificate_der,
    fingerprint,
    key_material_check,
    key_material_create,
    key_paths,
    key_settings_in,
    seal_der,
)
from certificates.sealimage import seal_picture_png
from certificates.ses import seal_parse
from certificates.tests.test_crypto import DISTID, openssl


class KeysTestCase(SimpleTestCase):
    """Key material made once per class, in a temporary CERT_KEY_DIR."""

    key_dir: Path
    created: list[str]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.key_dir = Path(tempfile.mkdtemp(prefix="cert-keys-"))
        cls.addClassCleanup(shutil.rmtree, cls.key_dir)
        overrides = override_settings(**key_settings_in(cls.key_dir))
        overrides.enable()
        cls.addClassCleanup(overrides.disable)
        cls.addClassCleanup(signer_cache_clear)
        cls.created = key_material_create()


class CreateTestCase(KeysTestCase):
    def test_it_creates_the_ca_the_signing_key_and_the_seal(self):
        paths = key_paths()
        expected = [
            paths.ca_key,
            paths.ca_certificate,
            paths.signing_key,
            paths.signing_certificate,
            paths.seal,
        ]
        self.assertEqual(self.created, [str(p) for p in expected])
        for path in expected:
            self.assertTrue(path.is_file(), path)

    def test_private_keys_are_readable_by_the_owner_only(self):
        paths = key_paths()
        for path in (paths.ca_key, paths.signing_key):
            self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600, path)
        self.assertEqual(stat.S_IMODE(paths.signing_certificate.stat().st_mode), 0o644)

    def test_running_again_changes_nothing(self):
        paths = key_paths()
        before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in self.key_dir.iterdir()}
        self.assertEqual(key_material_create(), [])
        after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in self.key_dir.iterdir()}
        self.assertEqual(before, after)
        self.assertEqual([p for p in self.key_dir.iterdir() if p.name.startswith(".")], [])  # no temporary
        self.assertTrue(paths.seal.exists())

    def test_the_signer_and_the_ca_load_from_settings(self):
        signer = get_signer()
        self.assertEqual(
            signer.certificate_der, certificate_load(key_paths().signing_certificate.read_bytes())
        )
        self.assertTrue(
            certificate_signed_by(certificate_der=signer.certificate_der, issuer_der=ca_certificate_der())
        )


class CertificatesTestCase(KeysTestCase):
    def openssl_text(self, path: Path) -> str:
        der = self.key_dir / f"{path.stem}.der"
        der.write_bytes(certificate_load(path.read_bytes()))
        return openssl(
            "x509", "-in", der, "-inform", "DER", "-noout", "-text", "-nameopt", "utf8"
        ).stdout.decode()

    def test_openssl_reads_the_ca_certificate(self):
        text = self.openssl_text(key_paths().ca_certificate)
        self.assertIn("Signature Algorithm: SM2-with-SM3", text)
        self.assertIn("ASN1 OID: SM2", text)
        self.assertIn("CA:TRUE", text)
        self.assertIn("Certificate Sign", text)

    def test_openssl_reads_the_signing_certificate(self):
        text = self.openssl_text(key_paths().signing_certificate)
        self.assertIn("O=辽宁省住房和城乡建设厅, CN=辽宁省住房和城乡建设厅电子印章", text)
        self.assertIn("CA:FALSE", text)
        self.assertIn("Digital Signature, Non Repudiation", text)

    def test_openssl_verifies_the_chain(self):
        paths = key_paths()
        result = openssl(
            "verify",
            "-CAfile",
            paths.ca_certificate,
            "-vfyopt",
            DISTID,
            paths.signing_certificate,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn(b": OK", result.stdout)

    def test_openssl_refuses_the_chain_without_the_user_id(self):
        # openssl 3.0 verifies with an empty ID by default: the signature really uses 1234567812345678.
        paths = key_paths()
        result = openssl("verify", "-CAfile", paths.ca_certificate, paths.signing_certificate, check=False)
        self.assertNotEqual(result.returncode, 0)

    def test_a_certificate_openssl_issues_under_our_ca_verifies_with_ours(self):
        paths = key_paths()
        leaf_key = self.key_dir / "leaf.key"
        csr = self.key_dir / "leaf.csr"
        leaf = self.key_dir / "leaf.pem"
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", leaf_key)
        openssl("req", "-new", "-key", leaf_key, "-subj", "/CN=leaf", "-sm3", "-sigopt", DISTID, "-out", csr)
        openssl(
            "x509", "-req", "-in", csr, "-CA", paths.ca_certificate, "-CAkey", paths.ca_key,
            "-set_serial", "7", "-days", "2", "-sm3", "-sigopt", DISTID, "-vfyopt", DISTID, "-out", leaf,
        )  # fmt: skip
        for path in (leaf_key, csr, leaf):
            self.addCleanup(path.unlink)
        leaf_der = certificate_load(leaf.read_bytes())
        self.assertTrue(certificate_signed_by(certificate_der=leaf_der, issuer_der=ca_certificate_der()))
        other_ca = certificate_load(key_paths().signing_certificate.read_bytes())
        self.assertFalse(certificate_signed_by(certificate_der=leaf_der, issuer_der=other_ca))


class SealTestCase(KeysTestCase):
    def test_the_seal_is_signed_by_its_maker_for_the_signing_certificate(self):
        seal = seal_parse(seal_der())
        self.assertEqual(seal.name, SEAL_NAME)
        self.assertEqual(seal.cert_list, [get_signer().certificate_der])
        self.assertEqual(seal.maker_certificate_der, ca_certificate_der())
        self.assertTrue(
            sm2_verify(
                public_key=certificate_public_key(seal.maker_certificate_der),
                data=seal.seal_info_der,
                signature=seal.signed_value,
            )
        )
        self.assertLess(seal.valid_start, datetime.now(UTC))
        self.assertGreater(seal.valid_end, datetime.now(UTC) + timedelta(days=365))

    def test_openssl_verifies_the_seal_makers_signature(self):
        seal = seal_parse(seal_der())
        info = self.key_dir / "sealinfo.der"
        sig = self.key_dir / "sealinfo.sig"
        info.write_bytes(seal.seal_info_der)
        sig.write_bytes(seal.signed_value)
        pub = openssl("x509", "-in", key_paths().ca_certificate, "-pubkey", "-noout").stdout
        (self.key_dir / "maker.pub").write_bytes(pub)
        result = openssl(
            "pkeyutl", "-verify", "-pubin", "-inkey", self.key_dir / "maker.pub", "-rawin", "-in", info,
            "-sigfile", sig, "-digest", "sm3", "-pkeyopt", DISTID, check=False,
        )  # fmt: skip
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_the_picture_is_a_40_mm_png_with_a_transparent_background(self):
        seal = seal_parse(seal_der())
        self.assertEqual((seal.picture_type, seal.picture_width_mm, seal.picture_height_mm), ("PNG", 40, 40))
        image = Image.open(io.BytesIO(seal.picture))
        self.assertEqual(image.format, "PNG")
        self.assertEqual(image.size, (472, 472))  # 40 mm at 300 dpi
        rgba = image.convert("RGBA")
        corner: tuple[int, ...] = rgba.getpixel((2, 2))  # type: ignore[assignment]
        self.assertEqual(corner[3], 0)  # transparent
        centre: tuple[int, ...] = rgba.getpixel((236, 236))  # type: ignore[assignment]  # the star
        red, green, blue, alpha = centre
        self.assertEqual(alpha, 255)
        self.assertGreater(red, 200)
        self.assertLess(max(green, blue), 60)
        self.assertLess(len(seal.picture), 40_000)  # it travels inside every certificate


class PartialTestCase(SimpleTestCase):
    def setUp(self):
        self.key_dir = Path(tempfile.mkdtemp(prefix="cert-keys-"))
        self.addCleanup(shutil.rmtree, self.key_dir)
        overrides = override_settings(**key_settings_in(self.key_dir))
        overrides.enable()
        self.addCleanup(overrides.disable)

    def test_only_the_missing_seal_is_made_again(self):
        key_material_create()
        paths = key_paths()
        kept = {p: p.read_bytes() for p in (paths.ca_key, paths.signing_key, paths.signing_certificate)}
        old_seal = paths.seal.read_bytes()
        paths.seal.unlink()
        self.assertEqual(key_material_create(), [str(paths.seal)])
        self.assertEqual({p: p.read_bytes() for p in kept}, kept)
        self.assertNotEqual(paths.seal.read_bytes(), old_seal)  # a new esID and dates

    def test_a_certificate_without_its_key_is_refused(self):
        key_material_create()
        key_paths().signing_key.unlink()
        with self.assertRaises(ImproperlyConfigured) as raised:
            key_material_create()
        self.assertIn("CERT_SIGNING_KEY", str(raised.exception))

    def test_without_the_ca_key_nothing_can_be_issued(self):
        # Production: the CA's certificate is there to verify with, its key is not.
        key_material_create()
        paths = key_paths()
        paths.ca_key.unlink()
        paths.seal.unlink()
        with self.assertRaises(ImproperlyConfigured) as raised:
            key_material_create()
        self.assertIn("CERT_CA_KEY", str(raised.exception))

    def test_the_command_says_what_it_made(self):
        out = io.StringIO()
        call_command("certificate_keys", "--create", stdout=out)
        self.assertIn("已生成", out.getvalue())
        self.assertIn("seal.esl", out.getvalue())
        out = io.StringIO()
        call_command("certificate_keys", "--create", stdout=out)
        self.assertIn("已存在，未改动", out.getvalue())
        self.assertIn("根证书 SHA-256 指纹：", out.getvalue())

    def test_the_picture_is_drawn_for_another_name(self):
        png = seal_picture_png(authority="辽宁省人力资源和社会保障厅", purpose="业务专用章", size_mm=38)
        self.assertEqual(Image.open(io.BytesIO(png)).size, (449, 449))


class SeveralHostsTestCase(SimpleTestCase):
    """Keys are made on the first host and copied to the others: a second host that made its
    own would be a second CA, whose certificates the first host's verifier refuses."""

    def setUp(self):
        self.first = Path(tempfile.mkdtemp(prefix="cert-keys-first-"))
        self.second = Path(tempfile.mkdtemp(prefix="cert-keys-second-"))
        for directory in (self.first, self.second):
            self.addCleanup(shutil.rmtree, directory)
        with override_settings(**key_settings_in(self.first)):
            key_material_create()

    def on(self, directory: Path):
        return override_settings(**key_settings_in(directory))

    def command(self, *args: str) -> str:
        out = io.StringIO()
        call_command("certificate_keys", *args, stdout=out)
        return out.getvalue()

    def test_it_refuses_to_make_keys_unless_told_it_is_the_first_host(self):
        with self.on(self.second), self.assertRaises(CommandError) as raised:
            self.command()
        message = str(raised.exception)
        self.assertIn("本机缺少电子证照密钥文件", message)
        self.assertIn(str(self.second / "issuer.key"), message)
        self.assertIn("CERT_SIGNING_KEY", message)
        self.assertIn("复制到其他每一台主机", message)
        self.assertIn("切勿在第二台主机上使用 --create", message)
        self.assertEqual(list(self.second.iterdir()), [])  # nothing was made

    def test_check_refuses_missing_files_too(self):
        with self.on(self.second), self.assertRaises(CommandError) as raised:
            self.command("--check")
        self.assertIn("本机缺少电子证照密钥文件", str(raised.exception))
        self.assertEqual(list(self.second.iterdir()), [])

    def test_copied_files_check_and_print_the_fingerprint_openssl_prints(self):
        for name in ("ca.pem", "issuer.key", "issuer.pem", "seal.esl"):  # production has no ca.key
            shutil.copy2(self.first / name, self.second / name)
        with self.on(self.first):
            first = self.command("--check")
        with self.on(self.second):
            second = self.command()
        self.assertIn("电子证照密钥文件齐全", second)
        self.assertEqual(first, second)  # what operators compare between hosts
        printed = openssl("x509", "-in", self.second / "ca.pem", "-noout", "-fingerprint", "-sha256")
        self.assertIn(f"根证书 SHA-256 指纹：{printed.stdout.decode().strip().split('=', 1)[1]}", second)

    def test_a_signing_certificate_of_another_ca_is_refused(self):
        with self.on(self.second):
            key_material_create()  # the mistake: a second host that made its own
        shutil.copy2(self.first / "ca.pem", self.second / "ca.pem")
        with self.on(self.second), self.assertRaises(CommandError) as raised:
            self.command("--check")
        message = str(raised.exception)
        self.assertIn("不是由根证书", message)
        self.assertIn("请从第一台主机重新复制全部文件", message)

    def test_a_key_that_does_not_match_its_certificate_is_refused(self):
        with self.on(self.second):
            key_material_create()
        shutil.copy2(self.second / "issuer.key", self.first / "issuer.key")
        with self.on(self.first), self.assertRaises(CommandError) as raised:
            self.command("--check")
        self.assertIn("不配对", str(raised.exception))
        self.assertNotIn("不是由根证书", str(raised.exception))

    def test_a_seal_made_for_another_certificate_is_refused(self):
        with self.on(self.second):
            key_material_create()
        shutil.copy2(self.second / "seal.esl", self.first / "seal.esl")
        with self.on(self.first):
            check = key_material_check()
        self.assertEqual(len(check.problems), 1, check.problems)
        self.assertIn("电子印章", check.problems[0])
        ca_der = certificate_load((self.first / "ca.pem").read_bytes())
        self.assertEqual(check.ca_fingerprint, fingerprint(ca_der))

    def test_create_never_replaces_what_the_first_host_made(self):
        before = {p.name: p.read_bytes() for p in self.first.iterdir()}
        with self.on(self.first):
            out = self.command("--create")
        self.assertIn("已存在，未改动", out)
        self.assertEqual({p.name: p.read_bytes() for p in self.first.iterdir()}, before)
