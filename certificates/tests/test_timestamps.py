"""Trusted time (RFC 3161, `openssl ts` as the service) and revocation (the CA's CRL) for
sealed files: what the stamper puts in SES_Signature.timeStamp and what the verifier makes of
it (ADR 0032)."""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import cms, tsp
from django.core.management import call_command
from django.test import override_settings

from certificates.crl import CrlError, Revocation, crl_build, crl_fetch, crl_refresh, crl_revoke, crl_state
from certificates.crypto import certificate_pem, certificate_validity, get_signer, private_key_load, sm3
from certificates.keys import ca_certificate_der, key_paths, seal_der
from certificates.ses import SESSignature, seal_parse, ses_signature_parse
from certificates.signing import SIGNED_VALUE_PATH
from certificates.tests.test_crypto import openssl
from certificates.tests.test_keys import KeysTestCase
from certificates.tests.test_signing import minimal_package, ofd_zip, sign
from certificates.tests.tsa import LoopbackTsa
from certificates.timestamps import TimestampError, stamper, token_time
from certificates.verify import Verification, moment, verify_ofd


def serial_of(certificate_der: bytes) -> int:
    from asn1crypto import x509

    serial: int = x509.Certificate.load(certificate_der).serial_number
    return serial


def with_token(files: dict[str, bytes], token: bytes) -> dict[str, bytes]:
    """`files` with the SES_Signature's timeStamp replaced by `token`."""
    signature = SESSignature.load(files[SIGNED_VALUE_PATH])
    signature["time_stamp"] = token
    return {**files, SIGNED_VALUE_PATH: signature.dump(force=False)}


class TsaTestCase(KeysTestCase):
    """Our keys, and a time-stamping service on loopback whose root CERT_TSA_CA names."""

    tsa: LoopbackTsa
    tsa_url: str
    tsa_dir: Path

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.tsa_dir = Path(tempfile.mkdtemp(prefix="tsa-"))
        cls.addClassCleanup(shutil.rmtree, cls.tsa_dir)
        cls.tsa = LoopbackTsa(cls.tsa_dir)
        cls.tsa_url = cls.enterClassContext(cls.tsa.serving())
        overrides = override_settings(
            CERT_TSA="rfc3161",
            CERT_TSA_URL=cls.tsa_url,
            CERT_TSA_CA=str(cls.tsa.anchor),
            CERT_TSA_DIGEST="sm3",
            CERT_CRL_FILE="",
        )
        overrides.enable()
        cls.addClassCleanup(overrides.disable)

    def setUp(self) -> None:
        super().setUp()
        self.tsa.down = False

    def stamped(self, files: dict[str, bytes] | None = None) -> dict[str, bytes]:
        package = files or minimal_package()
        from certificates.signing import ofd_sign
        from certificates.tests.test_signing import BOUNDARY, PAGE_ID, STAMP_ID

        found = stamper()
        assert found is not None
        return ofd_sign(
            package,
            signer=get_signer(),
            seal_der=seal_der(),
            page_id=PAGE_ID,
            stamp_boundary=BOUNDARY,
            when=datetime.now(UTC),
            next_id=STAMP_ID,
            time_stamp=found.stamp,
        )

    def verify(self, files: dict[str, bytes], *, now: datetime | None = None) -> Verification:
        return verify_ofd(ofd_zip(files), now=now)

    def token_of(self, files: dict[str, bytes]) -> bytes:
        token = ses_signature_parse(files[SIGNED_VALUE_PATH]).time_stamp
        assert token is not None
        return token


class StampTestCase(TsaTestCase):
    def test_a_stamped_seal_verifies_with_its_trusted_time(self):
        before = datetime.now(UTC).replace(microsecond=0)
        files = self.stamped()
        result = self.verify(files)
        self.assertTrue(result.ok, result.problems)
        assert result.stamped_at is not None
        self.assertLessEqual(before - timedelta(seconds=1), result.stamped_at)
        self.assertLess(result.stamped_at - before, timedelta(minutes=1))
        self.assertEqual(result.tsa_name, "测试时间戳服务")
        self.assertEqual(result.notes, [])

    def test_the_token_covers_the_signature_value_and_leaves_what_was_signed_unchanged(self):
        files = self.stamped()
        parsed = ses_signature_parse(files[SIGNED_VALUE_PATH])
        token = self.token_of(files)
        content = cms.ContentInfo.load(token)["content"]["encap_content_info"]["content"]
        info = tsp.TSTInfo.load(content.contents)
        self.assertEqual(info["message_imprint"]["hashed_message"].native, sm3(parsed.signature))
        # The signer's signature over TBS_Sign still holds: the token was added after it.
        self.assertEqual(self.verify({**files}).problems, [])

    def test_openssl_verifies_the_token_against_the_tsa_root(self):
        files = self.stamped()
        parsed = ses_signature_parse(files[SIGNED_VALUE_PATH])
        token_path = self.tsa_dir / "token.der"
        token_path.write_bytes(self.token_of(files))
        result = openssl(
            "ts", "-verify", "-digest", sm3(parsed.signature).hex(), "-token_in", "-in", token_path,
            "-CAfile", self.tsa.anchor, "-untrusted", self.tsa_dir / "tsa.pem",
        )  # fmt: skip
        self.assertIn(b"Verification: OK", result.stdout)

    def test_the_command_prints_the_trusted_time(self):
        files = self.stamped()
        path = self.tsa_dir / "stamped.ofd"
        path.write_bytes(ofd_zip(files))
        out = io.StringIO()
        call_command("verify_certificate", str(path), stdout=out)
        stamped = moment(token_time(self.token_of(files)))
        self.assertIn(f"可信时间：{stamped}（时间戳：测试时间戳服务）", out.getvalue())

    def test_an_unstamped_seal_has_no_trusted_time(self):
        result = self.verify(sign(minimal_package()))
        self.assertTrue(result.ok, result.problems)
        self.assertIsNone(result.stamped_at)


class TokenRefusedTestCase(TsaTestCase):
    def test_a_tampered_token_is_refused(self):
        files = self.stamped()
        token = self.token_of(files)
        gen_time = token_time(token).strftime("%Y%m%d%H%M%S").encode()
        self.assertEqual(token.count(gen_time), 1)
        earlier = str(int(gen_time[:4]) - 1).encode() + gen_time[4:]
        result = self.verify(with_token(files, token.replace(gen_time, earlier)))
        self.assertFalse(result.ok)
        self.assertIn(
            f"时间戳内容已被修改（与时间戳服务机构签名的摘要不符）（文件 {SIGNED_VALUE_PATH}）",
            result.problems,
        )

    def test_a_token_whose_tsa_signature_is_broken_is_refused(self):
        files = self.stamped()
        token = bytearray(self.token_of(files))
        token[-5] ^= 0x01  # inside the SignerInfo's signature, the last field
        result = self.verify(with_token(files, bytes(token)))
        self.assertFalse(result.ok)
        self.assertTrue(any("时间戳" in p for p in result.problems), result.problems)

    def test_a_byte_changed_anywhere_in_the_token_never_breaks_the_check(self):
        # Changes in parts nobody signs (the list of digest algorithms) may leave it valid;
        # anything else is refused as a time-stamp problem, never an error of the page.
        files = self.stamped()
        token = self.token_of(files)
        refused = 0
        for index in range(0, len(token), 23):
            changed = bytearray(token)
            changed[index] ^= 0x04
            result = self.verify(with_token(files, bytes(changed)))
            if not result.ok:
                refused += 1
                self.assertTrue(all("时间戳" in p for p in result.problems), (index, result.problems))
        self.assertGreater(refused, len(token) // 23 * 85 // 100)

    def test_a_token_for_another_signature_is_refused(self):
        files = self.stamped()
        other = self.stamped()
        result = self.verify(with_token(files, self.token_of(other)))
        self.assertFalse(result.ok)
        self.assertEqual(
            result.problems, [f"时间戳与签名值不符（时间戳所证明的不是该签名值）（文件 {SIGNED_VALUE_PATH}）"]
        )

    def test_garbage_in_the_time_stamp_field_is_refused(self):
        result = self.verify(with_token(self.stamped(), b"\x30\x03\x02\x01\x01"))
        self.assertFalse(result.ok)
        self.assertIn(f"时间戳格式错误，无法解析（文件 {SIGNED_VALUE_PATH}）", result.problems)

    def test_a_token_of_a_tsa_we_do_not_trust_is_refused(self):
        files = self.stamped()
        other_dir = Path(tempfile.mkdtemp(prefix="other-tsa-"))
        self.addCleanup(shutil.rmtree, other_dir)
        other = LoopbackTsa(other_dir)
        with override_settings(CERT_TSA_CA=str(other.anchor)):
            result = self.verify(files)
        self.assertFalse(result.ok)
        self.assertIn(f"时间戳不是由受信任的时间戳服务机构签发（文件 {SIGNED_VALUE_PATH}）", result.problems)

    def test_a_verifier_without_tsa_roots_says_so_and_trusts_no_time(self):
        files = self.stamped()
        with override_settings(CERT_TSA_CA=""):
            result = self.verify(files)
        self.assertTrue(result.ok, result.problems)
        self.assertIsNone(result.stamped_at)
        self.assertIn(
            "本系统未配置时间戳服务机构的根证书，时间戳未作核验，签章时间以签章者所填为准", result.notes
        )

    def test_a_tsa_certificate_not_for_time_stamping_is_refused(self):
        other_dir = Path(tempfile.mkdtemp(prefix="no-eku-tsa-"))
        self.addCleanup(shutil.rmtree, other_dir)
        other = LoopbackTsa(other_dir, eku=False)
        # openssl itself refuses to sign without the usage: the service answers no token.
        with (
            other.serving() as url,
            override_settings(CERT_TSA_URL=url, CERT_TSA_CA=str(other.anchor)),
            self.assertRaises(TimestampError),
        ):
            self.stamped()


class RsaTsaTestCase(TsaTestCase):
    def test_an_rsa_tsa_with_sha256_imprints_works(self):
        other_dir = Path(tempfile.mkdtemp(prefix="rsa-tsa-"))
        self.addCleanup(shutil.rmtree, other_dir)
        rsa_tsa = LoopbackTsa(other_dir, key="rsa")
        with (
            rsa_tsa.serving() as url,
            override_settings(CERT_TSA_URL=url, CERT_TSA_CA=str(rsa_tsa.anchor), CERT_TSA_DIGEST="sha256"),
        ):
            result = self.verify(self.stamped())
        self.assertTrue(result.ok, result.problems)
        self.assertIsNotNone(result.stamped_at)


class ServiceDownTestCase(TsaTestCase):
    def test_a_service_that_answers_an_error_gives_no_token(self):
        self.tsa.down = True
        message = "时间戳服务暂不可用，证书文件未生成，请稍后重新加注（时间戳服务返回 HTTP 503）"
        with self.assertRaisesMessage(TimestampError, message):
            self.stamped()

    def test_a_service_nobody_answers_at_gives_no_token(self):
        with (
            override_settings(CERT_TSA_URL="http://127.0.0.1:9/tsr"),
            self.assertRaisesMessage(TimestampError, "无法连接时间戳服务"),
        ):
            self.stamped()

    def test_without_a_service_nothing_is_stamped(self):
        with override_settings(CERT_TSA="none"):
            self.assertIsNone(stamper())


class CrlTestCase(TsaTestCase):
    """The CA revokes the signer's certificate at R, by its CRL in CERT_CRL_FILE."""

    def crl_with(self, revoked: dict[int, Revocation], *, now: datetime, days: int = 7) -> Path:
        path = Path(tempfile.mkdtemp(prefix="crl-")) / "ca.crl"
        self.addCleanup(shutil.rmtree, path.parent)
        path.write_bytes(
            crl_build(
                ca_key=private_key_load(key_paths().ca_key.read_bytes()),
                ca_der=ca_certificate_der(),
                revoked=revoked,
                this_update=now,
                next_update=now + timedelta(days=days),
                number=1,
            )
        )
        return path

    def signer_revoked_at(self, when: datetime, reason: str = "key_compromise") -> Path:
        serial = serial_of(get_signer().certificate_der)
        return self.crl_with({serial: Revocation(revoked_at=when, reason=reason)}, now=when)


class RevocationTestCase(CrlTestCase):
    def test_a_seal_stamped_before_the_revocation_stays_valid_and_says_when(self):
        files = self.stamped()
        stamped = token_time(self.token_of(files))
        revoked = stamped + timedelta(days=1)
        with override_settings(CERT_CRL_FILE=str(self.signer_revoked_at(revoked))):
            result = self.verify(files, now=revoked + timedelta(days=1))
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.revoked_at, revoked.replace(microsecond=0))
        self.assertIn(
            f"签章证书已于 {moment(revoked)} 吊销（密钥泄露）；"
            f"盖章时签章证书有效（可信时间 {moment(stamped)}）",
            result.notes,
        )

    def test_a_seal_stamped_after_the_revocation_is_invalid(self):
        files = self.stamped()
        stamped = token_time(self.token_of(files))
        revoked = stamped - timedelta(hours=1)
        with override_settings(CERT_CRL_FILE=str(self.signer_revoked_at(revoked))):
            result = self.verify(files)
        self.assertFalse(result.ok)
        self.assertEqual(
            result.problems,
            [
                f"签章证书已于 {moment(revoked)} 吊销（密钥泄露），"
                f"时间戳证明的盖章时间 {moment(stamped)} 在吊销之后"
            ],
        )

    def test_an_unstamped_seal_of_a_revoked_signer_is_invalid(self):
        files = sign(minimal_package())
        revoked = datetime.now(UTC) + timedelta(days=1)  # even after its claimed signing time
        with override_settings(CERT_CRL_FILE=str(self.signer_revoked_at(revoked))):
            result = self.verify(files, now=revoked + timedelta(days=1))
        self.assertFalse(result.ok)
        self.assertEqual(
            result.problems,
            [
                f"签章证书已于 {moment(revoked)} 吊销（密钥泄露），"
                "该文件没有可信时间戳，不能证明盖章在吊销之前"
            ],
        )

    def test_a_revoked_seal_maker_is_judged_the_same_way(self):
        files = self.stamped()
        stamped = token_time(self.token_of(files))
        maker = seal_parse(seal_der()).maker_certificate_der
        hour = timedelta(hours=1)
        early = self.crl_with({serial_of(maker): Revocation(stamped - hour, "superseded")}, now=stamped)
        with override_settings(CERT_CRL_FILE=str(early)):
            self.assertIn("印章制作者证书已于", "\n".join(self.verify(files).problems))
        late = self.crl_with({serial_of(maker): Revocation(stamped + hour, "superseded")}, now=stamped)
        with override_settings(CERT_CRL_FILE=str(late)):
            result = self.verify(files)
        self.assertTrue(result.ok, result.problems)
        self.assertIn("盖章时印章制作者证书有效", "\n".join(result.notes))

    def test_other_revoked_serials_change_nothing(self):
        files = self.stamped()
        now = datetime.now(UTC)
        path = self.crl_with({12345: Revocation(now, "key_compromise")}, now=now)
        with override_settings(CERT_CRL_FILE=str(path)):
            result = self.verify(files)
        self.assertTrue(result.ok, result.problems)
        self.assertEqual(result.notes, [])


class RevocationListPolicyTestCase(CrlTestCase):
    def test_a_missing_list_is_a_note_not_a_refusal(self):
        with override_settings(CERT_CRL_FILE=str(self.key_dir / "none.crl")):
            result = self.verify(self.stamped())
        self.assertTrue(result.ok, result.problems)
        self.assertIn("未能检查签章证书是否已被吊销：证书吊销列表缺失", result.notes)

    def test_a_list_not_signed_by_our_ca_is_not_believed(self):
        path = self.signer_revoked_at(datetime.now(UTC) - timedelta(days=1))
        forged = bytearray(path.read_bytes())
        forged[-3] ^= 0x01
        path.write_bytes(bytes(forged))
        with override_settings(CERT_CRL_FILE=str(path)):
            result = self.verify(sign(minimal_package()))
        self.assertTrue(result.ok, result.problems)
        self.assertIn(
            "未能检查签章证书是否已被吊销：证书吊销列表的签名无效（不是根证书签发机构签署的）", result.notes
        )

    def test_an_out_of_date_list_still_counts_and_says_it_is_old(self):
        files = sign(minimal_package())
        signed = ses_signature_parse(files[SIGNED_VALUE_PATH]).time
        path = self.signer_revoked_at(signed + timedelta(hours=1))  # valid for 7 days from then
        later = signed + timedelta(days=30)
        with override_settings(CERT_CRL_FILE=str(path)):
            result = self.verify(files, now=later)
        self.assertFalse(result.ok)
        self.assertIn("证书吊销列表已过期", "\n".join(result.notes))

    def test_the_periodic_sweep_fetches_the_published_list_and_keeps_a_good_one(self):
        published = self.signer_revoked_at(datetime.now(UTC) - timedelta(days=1))
        body = {"data": published.read_bytes()}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body["data"])))
                self.end_headers()
                self.wfile.write(body["data"])

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        kept = self.key_dir / "fetched.crl"
        url = f"http://127.0.0.1:{server.server_address[1]}/ca.crl"
        with override_settings(CERT_CRL_URL=url, CERT_CRL_FILE=str(kept), CERT_CRL_REFRESH_SECONDS=3600):
            self.assertTrue(crl_refresh())
            self.assertEqual(kept.read_bytes(), body["data"])
            self.assertFalse(crl_refresh())  # fresh enough: not fetched again
            body["data"] = body["data"][:-3] + bytes([body["data"][-3] ^ 1]) + body["data"][-2:]
            with self.assertRaisesMessage(CrlError, "签名无效"):
                crl_fetch(ca_der=ca_certificate_der(), force=True)
        self.assertEqual(kept.read_bytes(), published.read_bytes())

    def test_the_command_revokes_a_serial_and_openssl_reads_the_list(self):
        path = self.key_dir / "made.crl"
        serial = serial_of(get_signer().certificate_der)
        out = io.StringIO()
        with override_settings(CERT_CRL_FILE=str(path)):
            call_command(
                "certificate_crl", "--revoke", f"{serial:x}", "--reason", "key_compromise", stdout=out
            )
            state = crl_state(ca_der=ca_certificate_der(), now=datetime.now(UTC))
        assert state.crl is not None
        self.assertEqual(list(state.crl.revoked), [serial])
        self.assertEqual(state.note, "")
        self.assertIn(f"{serial:X}", out.getvalue())
        text = openssl("crl", "-inform", "DER", "-in", path, "-noout", "-text").stdout.decode()
        self.assertIn(f"{serial:X}", text.replace(":", "").upper())
        self.assertIn("Key Compromise", text)
        # Run again: the serial stays, the list is renewed.
        crl_revoke(
            ca_key=private_key_load(key_paths().ca_key.read_bytes()),
            ca_der=ca_certificate_der(),
            path=path,
            serials=[],
            reason="unspecified",
            revoked_at=datetime.now(UTC),
            now=datetime.now(UTC),
        )
        with override_settings(CERT_CRL_FILE=str(path)):
            renewed = crl_state(ca_der=ca_certificate_der(), now=datetime.now(UTC)).crl
        assert renewed is not None
        self.assertEqual(list(renewed.revoked), [serial])
        self.assertEqual(renewed.number, 2)


class ExpiredSignerTestCase(TsaTestCase):
    """The signer's certificate has expired since: `now` is after its notAfter."""

    def after_expiry(self) -> datetime:
        _, not_after = certificate_validity(get_signer().certificate_der)
        return not_after + timedelta(days=1)

    def test_a_stamped_seal_stays_valid_with_a_note(self):
        files = self.stamped()
        stamped = token_time(self.token_of(files))
        result = self.verify(files, now=self.after_expiry())
        self.assertTrue(result.ok, result.problems)
        _, not_after = certificate_validity(get_signer().certificate_der)
        self.assertIn(
            f"签章证书已于 {moment(not_after)} 过期；盖章时签章证书有效（可信时间 {moment(stamped)}）",
            result.notes,
        )

    def test_an_unstamped_seal_stays_valid_as_before_and_says_its_time_is_only_claimed(self):
        files = sign(minimal_package())
        result = self.verify(files, now=self.after_expiry())
        self.assertTrue(result.ok, result.problems)
        self.assertIn("该文件没有可信时间戳", "\n".join(result.notes))


def sm2_token(*, signature: bytes, gen_time: datetime) -> tuple[bytes, bytes]:
    """An RFC 3161 token over `signature` from an SM2 time-stamping service made here (openssl
    3.0's `ts` cannot sign with SM2): the token and the service's root certificate."""
    import secrets

    from asn1crypto import algos, core, keys, x509

    from certificates.crypto import OID_SM2_WITH_SM3, OID_SM3, private_key_generate, public_key_der, sm2_sign
    from certificates.keys import certificate_build
    from certificates.profiles import CertificateRole

    root_key, tsa_key = private_key_generate(), private_key_generate()
    root = certificate_build(
        subject={"common_name": "SM2 时间戳根证书"},
        subject_public_key_der=public_key_der(root_key.public_key()),
        issuer_key=root_key,
        issuer_certificate_der=None,
        not_before=gen_time - timedelta(days=1),
        not_after=gen_time + timedelta(days=365),
        role=CertificateRole.CA,
    )
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": secrets.randbits(64),
            "signature": {"algorithm": OID_SM2_WITH_SM3},
            "issuer": x509.Certificate.load(root).subject,
            "validity": {
                "not_before": x509.Time({"utc_time": gen_time - timedelta(days=1)}),
                "not_after": x509.Time({"utc_time": gen_time + timedelta(days=365)}),
            },
            "subject": x509.Name.build({"common_name": "SM2 时间戳服务"}),
            "subject_public_key_info": keys.PublicKeyInfo.load(public_key_der(tsa_key.public_key())),
            "extensions": [
                {"extn_id": "extended_key_usage", "critical": True, "extn_value": ["time_stamping"]},
            ],
        }
    )
    tsa_certificate = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": OID_SM2_WITH_SM3},
            "signature_value": sm2_sign(private_key=root_key, data=tbs.dump()),
        }
    )
    tst_info = tsp.TSTInfo(
        {
            "version": "v1",
            "policy": "1.2.3.4.1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": OID_SM3},
                "hashed_message": sm3(signature),
            },
            "serial_number": 7,
            "gen_time": gen_time.replace(microsecond=0),
        }
    )
    tst_der = tst_info.dump()
    attributes = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "message_digest", "values": [sm3(tst_der)]},
        ]
    )
    signed = sm2_sign(private_key=tsa_key, data=attributes.dump())
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": {
                "issuer_and_serial_number": {
                    "issuer": tsa_certificate.issuer,
                    "serial_number": tsa_certificate.serial_number,
                }
            },
            "digest_algorithm": {"algorithm": OID_SM3},
            "signed_attrs": attributes,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": OID_SM2_WITH_SM3}),
            "signature": signed,
        }
    )
    token = cms.ContentInfo(
        {
            "content_type": "signed_data",
            "content": {
                "version": "v3",
                "digest_algorithms": [{"algorithm": OID_SM3}],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(tst_der),
                },
                "certificates": [tsa_certificate],
                "signer_infos": [signer_info],
            },
        }
    )
    return token.dump(), root


class Sm2TsaTestCase(TsaTestCase):
    def test_a_token_signed_with_sm2_is_checked_with_the_sm2_verifier(self):
        files = sign(minimal_package())
        parsed = ses_signature_parse(files[SIGNED_VALUE_PATH])
        token, root = sm2_token(signature=parsed.signature, gen_time=parsed.time + timedelta(seconds=2))
        anchor = self.tsa_dir / "sm2-root.pem"
        anchor.write_bytes(certificate_pem(root))
        stamped = with_token(files, token)
        with override_settings(CERT_TSA_CA=str(anchor)):
            result = self.verify(stamped)
            self.assertTrue(result.ok, result.problems)
            self.assertEqual(result.stamped_at, parsed.time + timedelta(seconds=2))
            self.assertEqual(result.tsa_name, "SM2 时间戳服务")
            # One bit of the SM2 signature changed: refused.
            broken = bytearray(token)
            broken[-10] ^= 0x01
            self.assertIn(
                f"时间戳服务机构的签名无效（文件 {SIGNED_VALUE_PATH}）",
                self.verify(with_token(files, bytes(broken))).problems,
            )
