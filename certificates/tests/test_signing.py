from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from certificates.crypto import get_signer, sm3
from certificates.keys import key_paths, seal_der
from certificates.ofd.writer import zip_package
from certificates.ses import ses_signature_parse
from certificates.signing import (
    OFD_NS,
    SIGNATURE_PATH,
    SIGNATURES_PATH,
    SIGNED_VALUE_PATH,
    SigningError,
    ofd_sign,
)
from certificates.tests.test_crypto import DISTID, openssl
from certificates.tests.test_keys import KeysTestCase

NS = {"ofd": OFD_NS}
PAGE_ID = 3
STAMP_ID = 12
BOUNDARY = (131.5, 217.0, 40.0, 40.0)


def minimal_package() -> dict[str, bytes]:
    """A small unsigned OFD package shaped like the writer's: OFD.xml already points at the
    signatures the signer adds."""
    ofd = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>
<ofd:DocID>0f1e2d3c</ofd:DocID><ofd:Title>中华人民共和国二级建造师注册证书</ofd:Title></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>
<ofd:Signatures>Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>"""
    document = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData><ofd:MaxUnitID>{STAMP_ID}</ofd:MaxUnitID>
<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>
<ofd:Pages><ofd:Page ID="{PAGE_ID}" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>"""
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="4"><ofd:TextObject ID="5" Boundary="20 20 100 10"
Font="1" Size="5"><ofd:TextCode X="0" Y="5" DeltaX="5 5">张伟</ofd:TextCode></ofd:TextObject></ofd:Layer>
</ofd:Content></ofd:Page>"""
    return {
        "OFD.xml": ofd.encode(),
        "Doc_0/Document.xml": document.encode(),
        "Doc_0/Pages/Page_0/Content.xml": content.encode(),
        "Doc_0/Res/photo.png": bytes(range(256)) * 8,
        "Doc_0/Attachments/certificate.json": '{"姓名": "张伟"}'.encode(),
    }


def ofd_zip(files: dict[str, bytes]) -> bytes:
    # Packed as every certificate is, since the verifier checks the container too.
    return zip_package(files)


def sign(files: dict[str, bytes], *, when: datetime | None = None) -> dict[str, bytes]:
    return ofd_sign(
        files,
        signer=get_signer(),
        seal_der=seal_der(),
        page_id=PAGE_ID,
        stamp_boundary=BOUNDARY,
        when=when or datetime.now(UTC),
        next_id=STAMP_ID,
    )


class SignTestCase(KeysTestCase):
    unsigned: dict[str, bytes]
    when: datetime
    signed: dict[str, bytes]
    signature: etree._Element

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.unsigned = minimal_package()
        cls.when = datetime(2026, 3, 2, 17, 30, 5, 123456, tzinfo=timezone(timedelta(hours=8)))
        cls.signed = sign(cls.unsigned, when=cls.when)
        cls.signature = etree.fromstring(cls.signed[SIGNATURE_PATH])

    def test_it_only_adds_the_three_signature_files(self):
        added = set(self.signed) - set(self.unsigned)
        self.assertEqual(added, {SIGNATURES_PATH, SIGNATURE_PATH, SIGNED_VALUE_PATH})
        for path, data in self.unsigned.items():
            self.assertEqual(self.signed[path], data)

    def test_the_list_of_signatures_points_at_the_seal(self):
        signatures = etree.fromstring(self.signed[SIGNATURES_PATH])
        self.assertEqual(signatures.tag, f"{{{OFD_NS}}}Signatures")
        self.assertEqual(signatures.findtext("ofd:MaxSignId", namespaces=NS), "1")
        entry = signatures.find("ofd:Signature", NS)
        self.assertEqual(
            dict(entry.attrib), {"ID": "1", "Type": "Seal", "BaseLoc": "/Doc_0/Signs/Sign_0/Signature.xml"}
        )

    def test_every_file_is_listed_with_its_sm3(self):
        references = self.signature.find("ofd:SignedInfo/ofd:References", NS)
        self.assertEqual(references.get("CheckMethod"), "1.2.156.10197.1.401")
        listed = {
            ref.get("FileRef"): base64.b64decode(ref.findtext("ofd:CheckValue", namespaces=NS))
            for ref in references.findall("ofd:Reference", NS)
        }
        # Signatures.xml too: a certificate is never signed twice, so nothing is left unprotected.
        expected = {f"/{path}": sm3(self.signed[path]) for path in [*self.unsigned, SIGNATURES_PATH]}
        self.assertEqual(listed, expected)

    def test_signed_info_is_in_the_schemas_order(self):
        signed_info = self.signature.find("ofd:SignedInfo", NS)
        names = [etree.QName(child).localname for child in signed_info]
        self.assertEqual(
            names, ["Provider", "SignatureMethod", "SignatureDateTime", "References", "StampAnnot"]
        )
        self.assertEqual(signed_info.findtext("ofd:SignatureMethod", namespaces=NS), "1.2.156.10197.1.501")
        self.assertEqual(signed_info.findtext("ofd:SignatureDateTime", namespaces=NS), "20260302093005Z")
        self.assertEqual(
            self.signature.findtext("ofd:SignedValue", namespaces=NS), "/Doc_0/Signs/Sign_0/SignedValue.dat"
        )

    def test_the_stamp_is_placed_on_the_page(self):
        stamp = self.signature.find("ofd:SignedInfo/ofd:StampAnnot", NS)
        self.assertEqual(dict(stamp.attrib), {"ID": "12", "PageRef": "3", "Boundary": "131.5 217 40 40"})

    def test_the_namespace_is_on_elements_only(self):
        for path in (SIGNATURES_PATH, SIGNATURE_PATH):
            for element in etree.fromstring(self.signed[path]).iter():
                self.assertEqual(etree.QName(element).namespace, OFD_NS)
                self.assertEqual(element.prefix, "ofd")
                self.assertFalse([name for name in element.attrib if name.startswith("{")], path)

    def test_the_signed_value_is_a_v4_ses_signature_over_signature_xml(self):
        parsed = ses_signature_parse(self.signed[SIGNED_VALUE_PATH])
        self.assertEqual(parsed.version, 4)
        self.assertEqual(parsed.data_hash, sm3(self.signed[SIGNATURE_PATH]))
        self.assertEqual(parsed.property_info, "/Doc_0/Signs/Sign_0/Signature.xml")
        self.assertEqual(parsed.time, datetime(2026, 3, 2, 9, 30, 5, tzinfo=UTC))
        self.assertEqual(parsed.signer_certificate_der, get_signer().certificate_der)
        self.assertEqual(parsed.signature_alg_id, "1.2.156.10197.1.501")
        self.assertEqual(parsed.seal.name, "辽宁省住房和城乡建设厅审批专用章")

    def test_openssl_parses_it_and_verifies_the_signature_over_tbs_sign(self):
        parsed = ses_signature_parse(self.signed[SIGNED_VALUE_PATH])
        value = self.key_dir / "SignedValue.dat"
        value.write_bytes(self.signed[SIGNED_VALUE_PATH])
        structure = openssl("asn1parse", "-inform", "DER", "-in", value).stdout.decode()
        self.assertIn("IA5STRING         :ES", structure)
        self.assertIn("GENERALIZEDTIME   :20260302093005Z", structure)
        self.assertIn("IA5STRING         :/Doc_0/Signs/Sign_0/Signature.xml", structure)
        tbs = self.key_dir / "tbs.der"
        tbs.write_bytes(parsed.tbs_der)
        sig = self.key_dir / "tbs.sig"
        sig.write_bytes(parsed.signature)
        pub = self.key_dir / "signer.pub"
        pub.write_bytes(openssl("x509", "-in", key_paths().signing_certificate, "-pubkey", "-noout").stdout)
        result = openssl(
            "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", tbs,
            "-sigfile", sig, "-digest", "sm3", "-pkeyopt", DISTID, check=False,
        )  # fmt: skip
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_signing_is_repeatable_and_fresh(self):
        again = sign(self.unsigned, when=self.when)
        self.assertEqual(again[SIGNATURE_PATH], self.signed[SIGNATURE_PATH])  # same input, same XML
        self.assertNotEqual(again[SIGNED_VALUE_PATH], self.signed[SIGNED_VALUE_PATH])  # fresh nonce


class RefusalsTestCase(KeysTestCase):
    def test_a_package_without_ofd_xml_is_refused(self):
        files = minimal_package()
        del files["OFD.xml"]
        with self.assertRaises(SigningError):
            sign(files)

    def test_a_package_signed_already_is_refused(self):
        with self.assertRaises(SigningError):
            sign(sign(minimal_package()))

    def test_a_time_without_a_zone_is_refused(self):
        with self.assertRaises(SigningError):
            sign(minimal_package(), when=datetime(2026, 3, 2, 9, 0))

    def test_a_stamp_of_another_size_than_the_seal_is_refused(self):
        # The seal declares 40×40 mm; a 42 mm StampAnnot would make readers stretch it.
        with self.assertRaisesMessage(
            SigningError, "the stamp is 42.0×42.0 mm, the seal declares 40.0×40.0 mm"
        ):
            ofd_sign(
                minimal_package(),
                signer=get_signer(),
                seal_der=seal_der(),
                page_id=PAGE_ID,
                stamp_boundary=(130.5, 216.0, 42.0, 42.0),
                when=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                next_id=STAMP_ID,
            )
