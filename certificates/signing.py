"""Seal an OFD package: add the electronic signature files of GB/T 33190-2016 §18 holding a
GB/T 38540-2020 v4 SES_Signature.

The package comes in as the OFD writer's dict of path → bytes, whose OFD.xml already points
its DocBody at Doc_0/Signs/Signatures.xml; this module only adds files:

    Doc_0/Signs/Signatures.xml          the list of signatures (MaxSignId, Signature BaseLoc)
    Doc_0/Signs/Sign_0/Signature.xml    SignedInfo: SM3 CheckValue of every other file,
                                        StampAnnot placing the seal on the page
    Doc_0/Signs/Sign_0/SignedValue.dat  DER SES_Signature; TBS_Sign.dataHash = SM3(Signature.xml)

Paths inside Signature.xml are absolute within the package ("/Doc_0/Document.xml"), as
GB/T 33190's ST_Loc allows and as readers write them.

Signature.xml lists every file of the package including Signatures.xml (ofdrw calls this
"WholeProtected"): a certificate is sealed once and never signed again (a new 加注 copy is a new
file), so nothing is left that could change unnoticed; Signature.xml itself is protected by
dataHash and SignedValue.dat by the SM2 signatures inside it."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from certificates.crypto import OID_SM2_WITH_SM3, OID_SM3, Signer, sm3
from certificates.ses import (
    seal_parse,
    ses_signature_build,
    ses_signature_parse,
    ses_signature_time_stamp_add,
)

OFD_NS = "http://www.ofdspec.org/2016"
SIGNS_DIR = "Doc_0/Signs"
SIGNATURES_PATH = f"{SIGNS_DIR}/Signatures.xml"
SIGN_DIR = f"{SIGNS_DIR}/Sign_0"
SIGNATURE_PATH = f"{SIGN_DIR}/Signature.xml"
SIGNED_VALUE_PATH = f"{SIGN_DIR}/SignedValue.dat"
PROVIDER = {
    "ProviderName": "辽宁政务服务网电子证照签章",
    "Company": "辽宁省住房和城乡建设厅",
    "Version": "1.0",
}


class SigningError(ValueError):
    """The package cannot be sealed as given."""


def _element(
    parent: etree._Element | None, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    # The namespace on elements only: OFD attributes are unqualified.
    tag = f"{{{OFD_NS}}}{name}"
    element = etree.Element(tag, nsmap={"ofd": OFD_NS}) if parent is None else etree.SubElement(parent, tag)
    for key, value in attributes.items():
        element.set(key, value)
    if text is not None:
        element.text = text
    return element


def _xml(root: etree._Element) -> bytes:
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def signature_xml(
    *,
    files: dict[str, bytes],
    page_id: int,
    stamp_id: int,
    stamp_boundary: tuple[float, float, float, float],
    when: datetime,
) -> bytes:
    """Doc_0/Signs/Sign_0/Signature.xml for `files` (every one listed with its SM3)."""
    root = _element(None, "Signature")
    signed_info = _element(root, "SignedInfo")
    _element(signed_info, "Provider", **PROVIDER)
    _element(signed_info, "SignatureMethod", OID_SM2_WITH_SM3)
    _element(signed_info, "SignatureDateTime", when.astimezone(UTC).strftime("%Y%m%d%H%M%SZ"))
    references = _element(signed_info, "References", CheckMethod=OID_SM3)
    for path, data in files.items():
        reference = _element(references, "Reference", FileRef=f"/{path}")
        _element(reference, "CheckValue", base64.b64encode(sm3(data)).decode("ascii"))
    _element(
        signed_info,
        "StampAnnot",
        ID=str(stamp_id),
        PageRef=str(page_id),
        Boundary=" ".join(_number(v) for v in stamp_boundary),
    )
    _element(root, "SignedValue", f"/{SIGNED_VALUE_PATH}")
    return _xml(root)


def signatures_xml() -> bytes:
    """Doc_0/Signs/Signatures.xml listing the one seal."""
    root = _element(None, "Signatures")
    _element(root, "MaxSignId", "1")
    _element(root, "Signature", ID="1", Type="Seal", BaseLoc=f"/{SIGNATURE_PATH}")
    return _xml(root)


def ofd_sign(
    files: dict[str, bytes],
    *,
    signer: Signer,
    seal_der: bytes,
    page_id: int,
    stamp_boundary: tuple[float, float, float, float],
    when: datetime,
    next_id: int,
    time_stamp: Callable[[bytes], bytes] | None = None,
) -> dict[str, bytes]:
    """The package with the seal added: `files` plus the three signature files, the first two
    of them and every file of `files` protected by the signature.

    `page_id` is the ID of the page the seal is shown on, `stamp_boundary` its box there
    (x, y, width, height in mm), `next_id` an object ID the writer left free for the stamp
    annotation (counted in Document.xml's MaxUnitID), `when` the signing time. `time_stamp`,
    when given, returns an RFC 3161 token over the signature value (`certificates.timestamps`),
    which goes in SES_Signature.timeStamp; whatever it raises fails the signing."""
    if "OFD.xml" not in files:
        raise SigningError("the package has no OFD.xml")
    if any(path.startswith(f"{SIGNS_DIR}/") for path in files):
        raise SigningError(f"the package already has files under {SIGNS_DIR}/")
    if when.tzinfo is None:
        raise SigningError("the signing time must be timezone-aware")
    seal = seal_parse(seal_der)
    declared = (float(seal.picture_width_mm), float(seal.picture_height_mm))
    if (stamp_boundary[2], stamp_boundary[3]) != declared:
        # A StampAnnot of another size than the seal's picture makes readers stretch the seal.
        raise SigningError(
            f"the stamp is {stamp_boundary[2]}×{stamp_boundary[3]} mm, "
            f"the seal declares {declared[0]}×{declared[1]} mm"
        )
    signatures = signatures_xml()
    signature = signature_xml(
        files={**files, SIGNATURES_PATH: signatures},
        page_id=page_id,
        stamp_id=next_id,
        stamp_boundary=stamp_boundary,
        when=when,
    )
    signed_value = ses_signature_build(
        seal_der=seal_der,
        signer=signer,
        data_hash=sm3(signature),
        property_info=f"/{SIGNATURE_PATH}",  # what the signature protects, as readers write it
        when=when,
    )
    if time_stamp is not None:
        token = time_stamp(ses_signature_parse(signed_value).signature)
        signed_value = ses_signature_time_stamp_add(signed_value, time_stamp=token)
    return {
        **files,
        SIGNATURES_PATH: signatures,
        SIGNATURE_PATH: signature,
        SIGNED_VALUE_PATH: signed_value,
    }
