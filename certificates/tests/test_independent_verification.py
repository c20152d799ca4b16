"""A sealed certificate checked by a second, independent SM2/SM3 implementation (gmssl, pure
Python: its own curve arithmetic, its own SM3, its own Z value), reading the file without our
parsers (generic DER and plain zipfile/lxml), and its certificates held to what Java asks of a
key before it verifies with it. Tongsuo signs; if our use of it drifted from the standard
(the user ID, Z, what is signed), this is where it shows."""

from __future__ import annotations

import base64
import io
import zipfile

from asn1crypto import core, x509
from django.test import SimpleTestCase
from django.utils import timezone
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from certificates.issuing import sealed_ofd
from certificates.keys import ca_certificate_der
from certificates.tests.helpers import ensure_keys
from certificates.tests.ofd_samples import certificate_data

SM2_WITH_SM3 = "1.2.156.10197.1.501"
OFD = "{http://www.ofdspec.org/2016}"


def gm_sm3_digest(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(list(data)))


def gm_verify(*, certificate_der: bytes, data: bytes, signature_der: bytes) -> bool:
    """SM2-with-SM3, user ID 1234567812345678, by gmssl with the certificate's public key."""
    point = x509.Certificate.load(certificate_der).public_key["public_key"].native
    assert point[:1] == b"\x04" and len(point) == 65, "an uncompressed SM2 point"
    verifier = gm_sm2.CryptSM2(private_key=None, public_key="00", asn1=True)
    # Set after construction: gmssl's constructor strips *every* leading '0' and '4' of a
    # key given with its 04 prefix, which mangles a point whose x starts with those digits.
    verifier.public_key = point[1:].hex()
    return bool(verifier.verify_with_sm3(signature_der.hex(), data))


class WrongKeyUsage(Exception):
    """What java.security.Signature.initVerify(Certificate) throws (InvalidKeyException)."""


KEY_USAGE_OID = "2.5.29.15"


def java_init_verify(certificate_der: bytes) -> None:
    """The check of `java.security.Signature.initVerify(Certificate)` (OpenJDK, Signature.java):
    when the certificate's critical extensions include keyUsage, the digitalSignature bit
    (bit 0) must be set, else InvalidKeyException("Wrong key usage"). Written from that source,
    on raw DER, so that it shares nothing with certificates.profiles."""
    certificate = x509.Certificate.load(certificate_der)
    for extension in certificate["tbs_certificate"]["extensions"]:
        if extension["extn_id"].dotted != KEY_USAGE_OID or not extension["critical"].native:
            continue
        bits = core.BitString.load(extension["extn_value"].contents)
        flags = bits.native  # asn1crypto: a tuple of 0/1 for an unnamed BIT STRING
        if not flags or flags[0] != 1:
            raise WrongKeyUsage("Wrong key usage")


# What PKIXCertPathValidator resolves when critical (its Basic/Key/Constraints/Policy checkers):
# any other critical extension makes the path fail.
PKIX_RESOLVED = {
    "2.5.29.19",  # basicConstraints
    "2.5.29.15",  # keyUsage
    "2.5.29.37",  # extendedKeyUsage (resolved by KeyChecker; judged by the application)
    "2.5.29.17",  # subjectAltName
    "2.5.29.30",  # nameConstraints
    "2.5.29.32",  # certificatePolicies
    "2.5.29.33",  # policyMappings
    "2.5.29.36",  # policyConstraints
    "2.5.29.54",  # inhibitAnyPolicy
}


def pkix_leaf_problems(certificate_der: bytes) -> list[str]:
    """An end-entity certificate as Java's PKIX validation and a strict signer check see it."""
    certificate = x509.Certificate.load(certificate_der)
    problems = []
    for extension in certificate["tbs_certificate"]["extensions"]:
        if extension["critical"].native and extension["extn_id"].dotted not in PKIX_RESOLVED:
            problems.append(f"unknown critical extension {extension['extn_id'].dotted}")
    constraints = certificate.basic_constraints_value
    if constraints is not None and constraints["ca"].native:
        problems.append("an end entity that is a CA")
    if certificate.extended_key_usage_value is not None:
        problems.append("an extendedKeyUsage restricts the key")  # none expected on ours
    return problems


class IndependentVerificationTestCase(SimpleTestCase):
    files: dict[str, bytes]
    signature_xml: bytes
    signed_value: bytes

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        ensure_keys()
        data = sealed_ofd(certificate_data(), when=timezone.now())
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            cls.files = {info.filename: archive.read(info) for info in archive.infolist()}
        signatures = etree.fromstring(cls.files["Doc_0/Signs/Signatures.xml"])
        signature_path = signatures.find(f"{OFD}Signature").get("BaseLoc").lstrip("/")
        cls.signature_xml = cls.files[signature_path]
        value_path = etree.fromstring(cls.signature_xml).find(f"{OFD}SignedValue").text.lstrip("/")
        cls.signed_value = cls.files[value_path]

    def parts(self) -> dict[str, bytes]:
        """SES_Signature read as generic DER (GB/T 38540 v4), without certificates.ses."""
        ses_signature = core.Sequence.load(self.signed_value)
        to_sign, signer_cert, algorithm, signature = (ses_signature[i] for i in range(4))
        tbs = core.Sequence.load(to_sign.dump())
        version, eseal, _time, data_hash = (tbs[i] for i in range(4))
        seal = core.Sequence.load(eseal.dump())
        seal_info, maker_cert, seal_algorithm, seal_signature = (seal[i] for i in range(4))
        self.assertEqual(core.Integer.load(version.dump()).native, 4)
        self.assertEqual(core.ObjectIdentifier.load(algorithm.dump()).dotted, SM2_WITH_SM3)
        self.assertEqual(core.ObjectIdentifier.load(seal_algorithm.dump()).dotted, SM2_WITH_SM3)
        return {
            "tbs": to_sign.dump(),
            "signature": core.BitString.load(signature.dump()).contents[1:],  # no unused bits
            "signer": core.OctetString.load(signer_cert.dump()).native,
            "data_hash": core.BitString.load(data_hash.dump()).contents[1:],
            "seal_info": seal_info.dump(),
            "seal_signature": core.BitString.load(seal_signature.dump()).contents[1:],
            "maker": core.OctetString.load(maker_cert.dump()).native,
        }

    def test_gmssl_verifies_the_signers_signature(self):
        parts = self.parts()
        self.assertTrue(
            gm_verify(certificate_der=parts["signer"], data=parts["tbs"], signature_der=parts["signature"])
        )
        self.assertEqual(parts["data_hash"], gm_sm3_digest(self.signature_xml))

    def test_gmssl_verifies_the_seal_makers_signature(self):
        parts = self.parts()
        self.assertNotEqual(parts["maker"], ca_certificate_der())  # a maker of its own
        self.assertTrue(
            gm_verify(
                certificate_der=parts["maker"], data=parts["seal_info"], signature_der=parts["seal_signature"]
            )
        )

    def test_gmssl_refuses_a_changed_byte(self):
        parts = self.parts()
        changed = bytearray(parts["seal_info"])
        changed[len(changed) // 2] ^= 1
        self.assertFalse(
            gm_verify(
                certificate_der=parts["maker"], data=bytes(changed), signature_der=parts["seal_signature"]
            )
        )

    def test_gmssl_verifies_both_certificates_under_the_ca(self):
        parts = self.parts()
        for der in (parts["signer"], parts["maker"]):
            certificate = x509.Certificate.load(der)
            self.assertEqual(certificate["signature_algorithm"]["algorithm"].dotted, SM2_WITH_SM3)
            self.assertTrue(
                gm_verify(
                    certificate_der=ca_certificate_der(),
                    data=certificate["tbs_certificate"].dump(),
                    signature_der=certificate["signature_value"].native,
                )
            )

    def test_gmssl_sm3_matches_every_check_value(self):
        references = etree.fromstring(self.signature_xml).iter(f"{OFD}Reference")
        checked = 0
        for reference in references:
            path = reference.get("FileRef").lstrip("/")
            expected = base64.b64decode(reference.find(f"{OFD}CheckValue").text)
            self.assertEqual(gm_sm3_digest(self.files[path]), expected, path)
            checked += 1
        self.assertEqual(checked, len(self.files) - 2)  # all but Signature.xml and SignedValue.dat

    def test_java_would_verify_with_both_certificates(self):
        parts = self.parts()
        for der in (parts["signer"], parts["maker"]):
            java_init_verify(der)  # raises WrongKeyUsage otherwise
            self.assertEqual(pkix_leaf_problems(der), [])

    def test_java_refuses_the_ca_as_a_signing_certificate(self):
        # Why the maker is no longer the CA (issue 15): keyCertSign and cRLSign, critical.
        with self.assertRaisesMessage(WrongKeyUsage, "Wrong key usage"):
            java_init_verify(ca_certificate_der())

    def test_the_ca_is_what_pkix_asks_of_an_issuer(self):
        ca = x509.Certificate.load(ca_certificate_der())
        self.assertTrue(ca.basic_constraints_value["ca"].native)
        self.assertIn("basic_constraints", ca.critical_extensions)
        self.assertIn("key_cert_sign", ca.key_usage_value.native)
        self.assertIsNone(ca.extended_key_usage_value)

    def test_the_signer_commits_to_the_content(self):
        usage = x509.Certificate.load(self.parts()["signer"]).key_usage_value.native
        self.assertEqual(usage, {"digital_signature", "non_repudiation"})
