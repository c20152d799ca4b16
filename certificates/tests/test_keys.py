from __future__ import annotations

import io
import shutil
import stat
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings
from PIL import Image

from certificates.crypto import (
    LocalSigner,
    certificate_load,
    certificate_pem,
    certificate_public_key,
    certificate_signed_by,
    certificate_validity,
    get_signer,
    private_key_load,
    public_key_der,
    signer_cache_clear,
    sm2_verify,
)
from certificates.keys import (
    SEAL_NAME,
    ca_certificate_der,
    certificate_build,
    fingerprint,
    key_material_check,
    key_material_create,
    key_paths,
    key_settings_in,
    seal_der,
)
from certificates.profiles import CertificateRole, certificate_profile_problems
from certificates.sealimage import seal_picture_png
from certificates.ses import seal_build, seal_parse
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
    def test_it_creates_the_ca_the_signing_key_the_maker_and_the_seal(self):
        paths = key_paths()
        expected = [
            paths.ca_key,
            paths.ca_certificate,
            paths.signing_key,
            paths.signing_certificate,
            paths.maker_key,
            paths.maker_certificate,
            paths.seal,
        ]
        self.assertEqual(self.created, [str(p) for p in expected])
        for path in expected:
            self.assertTrue(path.is_file(), path)

    def test_private_keys_are_readable_by_the_owner_only(self):
        paths = key_paths()
        for path in (paths.ca_key, paths.signing_key, paths.maker_key):
            self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600, path)
        for path in (paths.signing_certificate, paths.maker_certificate, paths.seal):
            self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o644, path)

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

    def test_openssl_reads_the_makers_certificate(self):
        text = self.openssl_text(key_paths().maker_certificate)
        self.assertIn("CN=辽宁政务服务网电子印章制章者（仅供测试）", text)
        self.assertIn("X509v3 Basic Constraints: critical\n                CA:FALSE", text)
        self.assertIn("X509v3 Key Usage: critical\n                Digital Signature\n", text)

    def test_openssl_verifies_the_chain(self):
        paths = key_paths()
        for certificate in (paths.signing_certificate, paths.maker_certificate):
            result = openssl(
                "verify", "-CAfile", paths.ca_certificate, "-vfyopt", DISTID, "-purpose", "any",
                "-x509_strict", certificate, check=False,
            )  # fmt: skip
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertIn(b": OK", result.stdout)

    def test_every_certificate_has_the_usages_of_its_role(self):
        paths = key_paths()
        for path, role in (
            (paths.ca_certificate, CertificateRole.CA),
            (paths.signing_certificate, CertificateRole.SIGNER),
            (paths.maker_certificate, CertificateRole.MAKER),
        ):
            der = certificate_load(path.read_bytes())
            self.assertEqual(certificate_profile_problems(certificate_der=der, role=role), [], role)
        self.assertEqual(key_material_check().problems, [])

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
        # A maker of its own, issued by the CA: not the CA itself (issue 15).
        self.assertEqual(
            seal.maker_certificate_der, certificate_load(key_paths().maker_certificate.read_bytes())
        )
        self.assertNotEqual(seal.maker_certificate_der, ca_certificate_der())
        self.assertTrue(
            certificate_signed_by(certificate_der=seal.maker_certificate_der, issuer_der=ca_certificate_der())
        )
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
        pub = openssl("x509", "-in", key_paths().maker_certificate, "-pubkey", "-noout").stdout
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

    def test_without_the_ca_key_no_certificate_can_be_issued(self):
        # Production: the CA's certificate is there to verify with, its key is not.
        key_material_create()
        paths = key_paths()
        paths.ca_key.unlink()
        for path in (paths.maker_key, paths.maker_certificate, paths.seal):
            path.unlink()
        with self.assertRaises(ImproperlyConfigured) as raised:
            key_material_create()
        self.assertIn("CERT_CA_KEY", str(raised.exception))
        self.assertIn("制章者证书", str(raised.exception))
        self.assertFalse(paths.seal.exists())

    def test_the_maker_makes_a_seal_without_the_ca_key(self):
        # The CA's key can stay offline: making a seal needs only the maker's.
        key_material_create()
        paths = key_paths()
        paths.ca_key.unlink()
        paths.seal.unlink()
        self.assertEqual(key_material_create(), [str(paths.seal)])
        self.assertEqual(key_material_check().problems, [])

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
        seal = str(self.first / "seal.esl")
        self.assertEqual(
            check.problems,
            [
                f"电子印章 {seal} 不是为签名证书 {self.first / 'issuer.pem'} 制作的："
                "请从第一台主机重新复制全部文件",
                f"电子印章 {seal} 的制章者证书不是由根证书 {self.first / 'ca.pem'} 签发的",
                f"制章者证书 {self.first / 'maker.pem'}（CERT_MAKER_CERT）不是电子印章 {seal} 的制章者",
            ],
        )
        ca_der = certificate_load((self.first / "ca.pem").read_bytes())
        self.assertEqual(check.ca_fingerprint, fingerprint(ca_der))

    def test_create_never_replaces_what_the_first_host_made(self):
        before = {p.name: p.read_bytes() for p in self.first.iterdir()}
        with self.on(self.first):
            out = self.command("--create")
        self.assertIn("已存在，未改动", out)
        self.assertEqual({p.name: p.read_bytes() for p in self.first.iterdir()}, before)


def make_seal_the_old_way() -> bytes:
    """What versions before issue 15 left in CERT_KEY_DIR: a seal the CA signed itself, and no
    maker's files. Returns the old seal's bytes."""
    paths = key_paths()
    ca = LocalSigner.from_files(key_path=paths.ca_key, certificate_path=paths.ca_certificate)
    now = datetime.now(UTC).replace(microsecond=0)
    signer_der = certificate_load(paths.signing_certificate.read_bytes())
    old = seal_build(
        maker=ca,
        es_id="21000020250000001",
        name=SEAL_NAME,
        signer_certificates=[signer_der],
        picture_png=seal_picture_png(authority="辽宁省住房和城乡建设厅", purpose="审批专用章", size_mm=40),
        picture_width_mm=40,
        picture_height_mm=40,
        created=now,
        valid_start=now - timedelta(days=1),
        valid_end=certificate_validity(signer_der)[1],
        vid="LNZWFW",
    )
    paths.seal.write_bytes(old)
    paths.maker_key.unlink()
    paths.maker_certificate.unlink()
    return old


class OlderFolderTestCase(SimpleTestCase):
    """A key folder made before the maker had a certificate of its own (maker = CA)."""

    def setUp(self):
        self.key_dir = Path(tempfile.mkdtemp(prefix="cert-keys-old-"))
        self.addCleanup(shutil.rmtree, self.key_dir)
        overrides = override_settings(**key_settings_in(self.key_dir))
        overrides.enable()
        self.addCleanup(overrides.disable)
        self.addCleanup(signer_cache_clear)
        key_material_create()
        self.old_seal = make_seal_the_old_way()

    def sealed_with_the_current_seal(self) -> bytes:
        from certificates.tests.test_signing import minimal_package, ofd_zip, sign

        return ofd_zip(sign(minimal_package()))

    def test_check_names_the_old_seal_and_what_to_do(self):
        problems = key_material_check().problems
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("由根证书直接签署（旧版本制作）", problems[0])
        self.assertIn("Wrong key usage", problems[0])
        with self.assertRaises(CommandError) as raised:
            call_command("certificate_keys", "--check", stdout=io.StringIO())
        self.assertIn("`certificate_keys --create`", str(raised.exception))

    def test_create_adds_the_maker_and_makes_the_seal_again_keeping_the_ca_and_the_signer(self):
        paths = key_paths()
        kept = {
            p: p.read_bytes()
            for p in (paths.ca_key, paths.ca_certificate, paths.signing_key, paths.signing_certificate)
        }
        out = io.StringIO()
        call_command("certificate_keys", "--create", stdout=out)
        legacy = self.key_dir / "seal.esl.ca-made"
        self.assertIn(f"已生成 {paths.maker_key}", out.getvalue())
        self.assertIn(f"已生成 {paths.maker_certificate}", out.getvalue())
        self.assertIn("已由新的制章者证书重新制作", out.getvalue())
        self.assertIn("请把新的印章文件复制到其他每一台主机", out.getvalue())
        self.assertIn("印章与证书一致", out.getvalue())  # and --check passes at once
        self.assertEqual({p: p.read_bytes() for p in kept}, kept)
        self.assertEqual(legacy.read_bytes(), self.old_seal)
        seal = seal_parse(paths.seal.read_bytes())
        self.assertEqual(seal.maker_certificate_der, certificate_load(paths.maker_certificate.read_bytes()))
        self.assertEqual(seal.cert_list, [certificate_load(paths.signing_certificate.read_bytes())])
        self.assertEqual(key_material_check().problems, [])
        self.assertEqual(key_material_create(), [])  # and only once

    def test_what_the_old_seal_sealed_verifies_before_and_after(self):
        from certificates.verify import verify_ofd

        old_file = self.sealed_with_the_current_seal()
        self.assertTrue(verify_ofd(old_file).ok, verify_ofd(old_file).problems)
        key_material_create()
        self.assertTrue(verify_ofd(old_file).ok, verify_ofd(old_file).problems)
        new_file = self.sealed_with_the_current_seal()
        self.assertNotEqual(seal_parse(seal_der()).seal_info_der, seal_parse(self.old_seal).seal_info_der)
        self.assertTrue(verify_ofd(new_file).ok, verify_ofd(new_file).problems)

    def test_without_the_ca_key_the_old_seal_is_left_alone(self):
        paths = key_paths()
        paths.ca_key.unlink()
        with self.assertRaises(ImproperlyConfigured) as raised:
            key_material_create()
        self.assertIn("CERT_CA_KEY", str(raised.exception))
        self.assertEqual(paths.seal.read_bytes(), self.old_seal)
        self.assertFalse((self.key_dir / "seal.esl.ca-made").exists())


class UsagesTestCase(PartialTestCase):
    """`--check` holds every certificate to what a strict verifier expects of its role."""

    def reissue_signer(self, role: CertificateRole) -> None:
        paths = key_paths()
        ca_key = private_key_load(paths.ca_key.read_bytes())
        key = private_key_load(paths.signing_key.read_bytes())
        now = datetime.now(UTC)
        der = certificate_build(
            subject={"common_name": "辽宁省住房和城乡建设厅电子印章"},
            subject_public_key_der=public_key_der(key.public_key()),
            issuer_key=ca_key,
            issuer_certificate_der=ca_certificate_der(),
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=30),
            role=role,
        )
        paths.signing_certificate.write_bytes(certificate_pem(der))
        paths.seal.unlink()
        key_material_create()  # a seal for the new certificate

    def test_a_signer_without_non_repudiation_is_named(self):
        key_material_create()
        self.reissue_signer(CertificateRole.MAKER)
        self.assertEqual(
            key_material_check().problems, ["签章者证书的密钥用法缺少：不可否认（nonRepudiation）"]
        )

    def test_a_signer_that_is_a_ca_is_named(self):
        key_material_create()
        self.reissue_signer(CertificateRole.CA)
        self.assertEqual(
            key_material_check().problems,
            [
                "签章者证书是CA证书（basicConstraints CA:TRUE），应为终端实体证书",
                "签章者证书的密钥用法缺少：数字签名（digitalSignature）、不可否认（nonRepudiation）",
            ],
        )

    def test_a_critical_extension_pkix_does_not_know_is_named(self):
        key_material_create()
        certificate = x509.Certificate.load(certificate_load(key_paths().signing_certificate.read_bytes()))
        certificate["tbs_certificate"]["extensions"].append(
            {"extn_id": "1.2.156.112562.2.1.1.1", "critical": True, "extn_value": b"\x05\x00"}
        )
        der = certificate.dump(force=True)
        self.assertEqual(
            certificate_profile_problems(certificate_der=der, role=CertificateRole.SIGNER),
            ["签章者证书含有严格验证器不认识的关键扩展：1.2.156.112562.2.1.1.1"],
        )

    def test_a_ca_without_key_cert_sign_is_named(self):
        key_material_create()
        maker = certificate_load(key_paths().maker_certificate.read_bytes())
        self.assertEqual(
            certificate_profile_problems(certificate_der=maker, role=CertificateRole.CA),
            [
                "根证书缺少 basicConstraints CA:TRUE，不能签发证书",
                "根证书的密钥用法缺少：证书签名（keyCertSign）",
            ],
        )
