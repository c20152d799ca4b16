from __future__ import annotations

import io
import shutil
import tempfile
import warnings
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import override_settings

from certificates.crypto import LocalSigner, get_signer, private_key_generate, public_key_der
from certificates.keys import (
    SEAL_NAME,
    ca_certificate_der,
    certificate_build,
    key_material_create,
    key_paths,
    key_settings_in,
    seal_der,
)
from certificates.profiles import CertificateRole
from certificates.ses import seal_build, seal_parse
from certificates.signing import SIGNATURE_PATH, SIGNATURES_PATH, SIGNED_VALUE_PATH, ofd_sign
from certificates.tests.test_keys import KeysTestCase
from certificates.tests.test_signing import BOUNDARY, PAGE_ID, STAMP_ID, minimal_package, ofd_zip, sign
from certificates.verify import Verification, verify_ofd

CONTENT = "Doc_0/Pages/Page_0/Content.xml"


def flipped(data: bytes, index: int | None = None) -> bytes:
    changed = bytearray(data)
    index = len(data) // 2 if index is None else index
    changed[index] ^= 0x01
    return bytes(changed)


class VerifyTestCase(KeysTestCase):
    files: dict[str, bytes]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.files = sign(minimal_package())

    def verify(self, files: dict[str, bytes]) -> Verification:
        return verify_ofd(ofd_zip(files))

    def assertRefused(self, result: Verification, *fragments: str) -> None:
        self.assertFalse(result.ok)
        text = "\n".join(result.problems)
        for fragment in fragments:
            self.assertIn(fragment, text)


class ValidTestCase(VerifyTestCase):
    def test_a_sealed_package_is_valid(self):
        result = self.verify(self.files)
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.problems, [])
        self.assertEqual(result.signatures, 1)
        self.assertEqual(result.seal_name, SEAL_NAME)
        self.assertIn("CN=辽宁省住房和城乡建设厅电子印章", result.signer_subject)
        assert result.signed_at is not None
        self.assertLess(abs(datetime.now(UTC) - result.signed_at), timedelta(minutes=1))

    def test_the_ca_comes_from_settings_or_the_caller(self):
        self.assertTrue(verify_ofd(ofd_zip(self.files), ca_certificate_der=ca_certificate_der()).ok)

    def test_the_command_says_it_is_valid(self):
        path = self.key_dir / "good.ofd"
        path.write_bytes(ofd_zip(self.files))
        out = io.StringIO()
        call_command("verify_certificate", str(path), stdout=out)
        self.assertIn("验证通过", out.getvalue())
        self.assertIn(SEAL_NAME, out.getvalue())


class TamperedTestCase(VerifyTestCase):
    def test_one_byte_changed_in_any_file_is_found_and_named(self):
        for path, data in self.files.items():
            for index in (len(data) // 2, len(data) - 3):
                with self.subTest(path=path, index=index):
                    result = self.verify({**self.files, path: flipped(data, index)})
                    self.assertFalse(result.ok)
                    self.assertIn(path, "\n".join(result.problems))

    def test_a_changed_page_is_named_with_the_reason(self):
        result = self.verify(
            {**self.files, CONTENT: self.files[CONTENT].replace("张伟".encode(), "李娜".encode())}
        )
        self.assertEqual(result.problems, [f"文件 {CONTENT} 已被修改（SM3校验值不符）"])

    def test_a_signature_xml_rewritten_to_match_a_change_is_named(self):
        # The forger updates the CheckValue too: the signature value no longer matches.
        changed = self.files[CONTENT].replace("张伟".encode(), "李娜".encode())
        forged = sign({p: d for p, d in minimal_package().items()} | {CONTENT: changed})
        result = self.verify({**self.files, CONTENT: changed, SIGNATURE_PATH: forged[SIGNATURE_PATH]})
        self.assertEqual(result.problems, [f"文件 {SIGNATURE_PATH} 已被修改（与签名值中的杂凑值不符）"])

    def test_a_replaced_signed_value_is_named(self):
        result = self.verify({**self.files, SIGNED_VALUE_PATH: b"\x30\x03\x02\x01\x04"})
        self.assertRefused(result, f"签名值文件 {SIGNED_VALUE_PATH} 不是有效的电子签章数据")

    def test_a_signed_value_from_another_signing_is_named(self):
        other = sign(minimal_package(), when=datetime.now(UTC) - timedelta(hours=1))
        result = self.verify({**self.files, SIGNED_VALUE_PATH: other[SIGNED_VALUE_PATH]})
        self.assertRefused(result, f"文件 {SIGNATURE_PATH} 已被修改")

    def test_a_changed_seal_picture_breaks_the_makers_signature(self):
        value = self.files[SIGNED_VALUE_PATH]
        start = value.index(b"\x89PNG")
        result = self.verify({**self.files, SIGNED_VALUE_PATH: flipped(value, start + 200)})
        self.assertRefused(result, "印章制作者签名无效", SIGNED_VALUE_PATH, "签名值无效")

    def test_an_added_file_is_named(self):
        result = self.verify({**self.files, "Doc_0/Res/extra.png": b"\x89PNG..."})
        self.assertEqual(
            result.problems,
            ["文件 Doc_0/Res/extra.png 不在签章保护范围内（签章后被添加），且阅读器可能把它显示为文件内容"],
        )

    def test_a_removed_file_is_named(self):
        files = dict(self.files)
        del files["Doc_0/Res/photo.png"]
        result = self.verify(files)
        self.assertEqual(result.problems, ["文件 Doc_0/Res/photo.png 缺失（签章时存在）"])

    def test_a_damaged_zip_entry_is_named(self):
        data = bytearray(ofd_zip(self.files))
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            info = archive.getinfo(CONTENT)
        # The local header is 30 bytes plus the name and the extra field; then the deflated data.
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        data[start + info.compress_size // 2] ^= 0x55
        result = verify_ofd(bytes(data))
        self.assertRefused(result, CONTENT)

    def test_two_entries_with_one_name_are_refused(self):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about the duplicate: that is the point
            for path, data in self.files.items():
                archive.writestr(path, data)
            archive.writestr(CONTENT, b"<ofd:Page/>")
        self.assertRefused(verify_ofd(out.getvalue()), f"两个名为 {CONTENT} 的文件")

    def test_the_command_fails_and_says_why(self):
        path = self.key_dir / "bad.ofd"
        path.write_bytes(ofd_zip({**self.files, CONTENT: flipped(self.files[CONTENT])}))
        out = io.StringIO()
        with self.assertRaises(CommandError) as raised:
            call_command("verify_certificate", str(path), stdout=out)
        self.assertIn("验证未通过", str(raised.exception))
        self.assertIn(f"文件 {CONTENT} 已被修改（SM3校验值不符）", out.getvalue())


class UntrustedTestCase(VerifyTestCase):
    """Keys that are not ours: a whole second set, under its own CA."""

    other_dir: Path
    other_signed: dict[str, bytes]
    other_seal: bytes
    other_signer: LocalSigner

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.other_dir = Path(tempfile.mkdtemp(prefix="other-keys-"))
        cls.addClassCleanup(shutil.rmtree, cls.other_dir)
        with override_settings(**key_settings_in(cls.other_dir)):
            key_material_create()
            cls.other_signed = sign(minimal_package())
            cls.other_seal = seal_der()
            cls.other_signer = LocalSigner.from_files(
                key_path=key_paths().signing_key, certificate_path=key_paths().signing_certificate
            )

    def test_a_package_sealed_under_another_ca_is_refused(self):
        result = self.verify(self.other_signed)
        self.assertRefused(result, "签名证书不是由受信任的机构签发", "印章制作者证书不是由受信任的机构签发")

    def test_our_seal_with_another_key_is_refused(self):
        files = ofd_sign(
            minimal_package(),
            signer=self.other_signer,
            seal_der=seal_der(),
            page_id=PAGE_ID,
            stamp_boundary=BOUNDARY,
            when=datetime.now(UTC),
            next_id=STAMP_ID,
        )
        result = self.verify(files)
        self.assertRefused(result, "签名证书不是由受信任的机构签发", "签名证书不属于该电子印章")

    def test_a_key_certified_by_our_ca_but_not_in_the_seal_is_refused(self):
        paths = key_paths()
        from certificates.crypto import private_key_load

        ca_key = private_key_load(paths.ca_key.read_bytes())
        key = private_key_generate()
        now = datetime.now(UTC)
        certificate = certificate_build(
            subject={"common_name": "别的单位"},
            subject_public_key_der=public_key_der(key.public_key()),
            issuer_key=ca_key,
            issuer_certificate_der=ca_certificate_der(),
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=30),
            role=CertificateRole.SIGNER,
        )
        files = ofd_sign(
            minimal_package(),
            signer=LocalSigner(private_key=key, certificate_der=certificate),
            seal_der=seal_der(),
            page_id=PAGE_ID,
            stamp_boundary=BOUNDARY,
            when=now,
            next_id=STAMP_ID,
        )
        result = self.verify(files)
        self.assertEqual(len(result.problems), 1, result.problems)
        self.assertRefused(result, "签名证书不属于该电子印章")

    def issued_by_our_ca(self, role: CertificateRole, key):
        from certificates.crypto import private_key_load

        now = datetime.now(UTC)
        return certificate_build(
            subject={"common_name": "没有签名用途的证书"},
            subject_public_key_der=public_key_der(key.public_key()),
            issuer_key=private_key_load(key_paths().ca_key.read_bytes()),
            issuer_certificate_der=ca_certificate_der(),
            not_before=now - timedelta(days=1),
            not_after=now + timedelta(days=30),
            role=role,
        )

    def test_a_signer_whose_key_usage_forbids_signing_is_refused(self):
        # What Java says 「Wrong key usage」 to: keyUsage critical, without digitalSignature.
        key = private_key_generate()
        signer = LocalSigner(private_key=key, certificate_der=self.issued_by_our_ca(CertificateRole.CA, key))
        files = ofd_sign(
            minimal_package(),
            signer=signer,
            seal_der=seal_der(),
            page_id=PAGE_ID,
            stamp_boundary=BOUNDARY,
            when=datetime.now(UTC),
            next_id=STAMP_ID,
        )
        self.assertRefused(
            self.verify(files), f"签名证书的密钥用法不允许数字签名（文件 {SIGNED_VALUE_PATH}）"
        )

    def test_a_seal_whose_makers_key_usage_forbids_signing_is_refused(self):
        key = private_key_generate()
        maker = LocalSigner(private_key=key, certificate_der=self.issued_by_our_ca(CertificateRole.CA, key))
        seal = seal_parse(seal_der())
        now = datetime.now(UTC)
        bad_seal = seal_build(
            maker=maker,
            es_id=seal.es_id,
            name=seal.name,
            signer_certificates=seal.cert_list,
            picture_png=seal.picture,
            picture_width_mm=seal.picture_width_mm,
            picture_height_mm=seal.picture_height_mm,
            created=now,
            valid_start=seal.valid_start,
            valid_end=seal.valid_end,
            vid="LNZWFW",
        )
        files = ofd_sign(
            minimal_package(),
            signer=get_signer(),
            seal_der=bad_seal,
            page_id=PAGE_ID,
            stamp_boundary=BOUNDARY,
            when=now,
            next_id=STAMP_ID,
        )
        result = self.verify(files)
        self.assertEqual(len(result.problems), 1, result.problems)
        self.assertRefused(result, "印章制作者证书的密钥用法不允许数字签名")

    def test_a_signing_time_outside_the_certificate_is_refused(self):
        files = sign(minimal_package(), when=datetime.now(UTC) - timedelta(days=30))
        self.assertRefused(
            self.verify(files), "签章时间不在签名证书有效期内", "签章时间不在电子印章的有效期内"
        )

    def test_the_signers_own_ca_would_accept_it(self):
        with override_settings(**key_settings_in(self.other_dir)):
            self.assertTrue(self.verify(self.other_signed).ok)
        self.assertIsNot(get_signer(), self.other_signer)


class NotOfdTestCase(VerifyTestCase):
    def test_a_file_that_is_not_a_zip(self):
        result = verify_ofd(b"%PDF-1.7 not an OFD file")
        self.assertEqual(result.problems, ["文件不是有效的OFD文件（无法作为ZIP压缩包打开）"])
        self.assertFalse(result.ok)

    def test_an_empty_file(self):
        self.assertRefused(verify_ofd(b""), "文件不是有效的OFD文件")

    def test_a_zip_without_ofd_xml(self):
        self.assertRefused(
            verify_ofd(ofd_zip({"readme.txt": b"hello"})), "文件不是有效的OFD文件（缺少 OFD.xml）"
        )

    def test_an_unsigned_package(self):
        files = minimal_package()
        files["OFD.xml"] = files["OFD.xml"].replace(
            b"<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures>", b""
        )
        self.assertRefused(self.verify(files), "文件未加盖电子印章")

    def test_a_package_whose_signature_files_are_gone(self):
        files = {p: d for p, d in self.files.items() if not p.startswith("Doc_0/Signs/")}
        self.assertRefused(self.verify(files), f"签名列表文件 {SIGNATURES_PATH} 缺失")

    def test_xml_entities_are_not_expanded(self):
        files = dict(self.files)
        files["OFD.xml"] = (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>'
            b"<ofd:Signatures>&x;</ofd:Signatures></ofd:DocBody></ofd:OFD>"
        )
        result = self.verify(files)
        self.assertFalse(result.ok)
        self.assertNotIn("root:", "\n".join(result.problems))
