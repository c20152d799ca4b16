"""GB/T 38540-2020 (安全电子签章密码技术规范), version 4: the electronic seal (SESeal) and the
signature data (SES_Signature) kept in an OFD file's SignedValue.dat.

The ASN.1 below follows the standard's v4 modules, field for field and in order:

    SESeal        ::= SEQUENCE { eSealInfo SES_SealInfo, cert OCTET STRING (制章者证书),
                                 signAlgID OBJECT IDENTIFIER, signedValue BIT STRING }
    SES_SealInfo  ::= SEQUENCE { header SES_Header, esID IA5String, property SES_ESPropertyInfo,
                                 picture SES_ESPictrueInfo, extDatas ExtensionDatas OPTIONAL }
    SES_Header    ::= SEQUENCE { ID IA5String ("ES"), version INTEGER (4), Vid IA5String }
    SES_ESPropertyInfo ::= SEQUENCE { type INTEGER, name UTF8String, certListType INTEGER,
                                 certList SES_CertList, createDate GeneralizedTime,
                                 validStart GeneralizedTime, validEnd GeneralizedTime }
    SES_CertList  ::= CHOICE { certs CertInfoList (SEQUENCE OF OCTET STRING),   -- certListType 1
                               certDigestList SEQUENCE OF CertDigestObj }       -- certListType 2
    SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER, height INTEGER }
    TBS_Sign      ::= SEQUENCE { version INTEGER (4), eseal SESeal, timeInfo GeneralizedTime,
                                 dataHash BIT STRING, propertyInfo IA5String,
                                 extDatas [0] EXPLICIT ExtensionDatas OPTIONAL }
    SES_Signature ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING (签章者证书),
                                 signatureAlgID OBJECT IDENTIFIER, signature BIT STRING,
                                 timeStamp [0] EXPLICIT BIT STRING OPTIONAL }

The seal maker (制章者) signs DER(SES_SealInfo); the signer signs DER(TBS_Sign). Both with SM2
and SM3 (OID 1.2.156.10197.1.501), user ID 1234567812345678 (see certificates.crypto)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import core

from certificates.crypto import OID_SM2_WITH_SM3, Signer

SES_VERSION = 4
SEAL_TYPE_ORGANISATION = 1  # 单位印章; the standard leaves the numbering to the application
CERT_LIST_CERTIFICATES = 1  # certList holds the signers' certificates themselves
CERT_LIST_DIGESTS = 2  # certList holds digests of them


class SESFormatError(ValueError):
    """Bytes that are not a GB/T 38540 v4 structure."""


class ExtensionData(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("extn_id", core.ObjectIdentifier),
        ("critical", core.Boolean, {"default": False}),
        ("extn_value", core.OctetString),
    ]


class ExtensionDatas(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    _child_spec = ExtensionData


class SESHeader(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("id", core.IA5String),
        ("version", core.Integer),
        ("vid", core.IA5String),
    ]


class CertInfoList(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    _child_spec = core.OctetString


class CertDigestObj(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("type", core.PrintableString),
        ("value", core.OctetString),
    ]


class CertDigestList(core.SequenceOf):  # type: ignore[misc]  # asn1crypto is untyped
    _child_spec = CertDigestObj


def _cert_list_spec(property_info: SESESPropertyInfo) -> tuple[type[core.SequenceOf], None]:
    # SES_CertList is a CHOICE of two SEQUENCE OFs with the same tag: certListType decides.
    # (A (spec, None) pair makes asn1crypto use the spec as the field's own, not as a re-parse.)
    if property_info["cert_list_type"].native == CERT_LIST_DIGESTS:
        return CertDigestList, None
    return CertInfoList, None


class SESESPropertyInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("type", core.Integer),
        ("name", core.UTF8String),
        ("cert_list_type", core.Integer),
        ("cert_list", CertInfoList),
        ("create_date", core.GeneralizedTime),
        ("valid_start", core.GeneralizedTime),
        ("valid_end", core.GeneralizedTime),
    ]
    _spec_callbacks = {"cert_list": _cert_list_spec}


# "Pictrue" is the standard's own spelling.
class SESESPictrueInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("type", core.IA5String),
        ("data", core.OctetString),
        ("width", core.Integer),
        ("height", core.Integer),
    ]


class SESSealInfo(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("header", SESHeader),
        ("es_id", core.IA5String),
        ("property", SESESPropertyInfo),
        ("picture", SESESPictrueInfo),
        ("ext_datas", ExtensionDatas, {"optional": True}),
    ]


class SESeal(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("e_seal_info", SESSealInfo),
        ("cert", core.OctetString),
        ("sign_alg_id", core.ObjectIdentifier),
        ("signed_value", core.OctetBitString),
    ]


class TBSSign(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("version", core.Integer),
        ("eseal", SESeal),
        ("time_info", core.GeneralizedTime),
        ("data_hash", core.OctetBitString),
        ("property_info", core.IA5String),
        ("ext_datas", ExtensionDatas, {"explicit": 0, "optional": True}),
    ]


class SESSignature(core.Sequence):  # type: ignore[misc]  # asn1crypto is untyped
    _fields = [
        ("to_sign", TBSSign),
        ("cert", core.OctetString),
        ("signature_alg_id", core.ObjectIdentifier),
        ("signature", core.OctetBitString),
        ("time_stamp", core.OctetBitString, {"explicit": 0, "optional": True}),
    ]


def _utc_seconds(when: datetime) -> datetime:
    # DER GeneralizedTime in UTC with whole seconds: what every reader parses.
    if when.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return when.astimezone(UTC).replace(microsecond=0)


def seal_build(
    *,
    maker: Signer,
    es_id: str,
    name: str,
    signer_certificates: list[bytes],
    picture_png: bytes,
    picture_width_mm: int,
    picture_height_mm: int,
    created: datetime,
    valid_start: datetime,
    valid_end: datetime,
    vid: str,
    seal_type: int = SEAL_TYPE_ORGANISATION,
) -> bytes:
    """A DER SESeal: the seal information signed by the seal maker (制章者)."""
    seal_info = SESSealInfo(
        {
            "header": {"id": "ES", "version": SES_VERSION, "vid": vid},
            "es_id": es_id,
            "property": {
                "type": seal_type,
                "name": name,
                "cert_list_type": CERT_LIST_CERTIFICATES,
                "cert_list": signer_certificates,
                "create_date": _utc_seconds(created),
                "valid_start": _utc_seconds(valid_start),
                "valid_end": _utc_seconds(valid_end),
            },
            "picture": {
                "type": "PNG",
                "data": picture_png,
                "width": picture_width_mm,
                "height": picture_height_mm,
            },
        }
    )
    seal = SESeal(
        {
            "e_seal_info": seal_info,
            "cert": maker.certificate_der,
            "sign_alg_id": OID_SM2_WITH_SM3,
            "signed_value": maker.sign(seal_info.dump()),
        }
    )
    der: bytes = seal.dump()
    return der


def ses_signature_build(
    *, seal_der: bytes, signer: Signer, data_hash: bytes, property_info: str, when: datetime
) -> bytes:
    """A DER SES_Signature: TBS_Sign (the seal, time, dataHash, propertyInfo) signed by `signer`."""
    to_sign = TBSSign(
        {
            "version": SES_VERSION,
            # Loaded, not rebuilt: the seal goes in byte for byte, so the maker's signature holds.
            "eseal": SESeal.load(seal_der),
            "time_info": _utc_seconds(when),
            "data_hash": data_hash,
            "property_info": property_info,
        }
    )
    signature = SESSignature(
        {
            "to_sign": to_sign,
            "cert": signer.certificate_der,
            "signature_alg_id": OID_SM2_WITH_SM3,
            "signature": signer.sign(to_sign.dump()),
        }
    )
    der: bytes = signature.dump()
    return der


def ses_signature_time_stamp_add(signature_der: bytes, *, time_stamp: bytes) -> bytes:
    """The SES_Signature with `time_stamp` (a DER TimeStampToken of RFC 3161 over its
    signature value, as GB/T 38540 has it: 「对签名值的时间戳」) in its timeStamp field. Every
    other field stays byte for byte what the signer signed."""
    signature = SESSignature.load(signature_der)
    if signature["time_stamp"].native is not None:
        raise ValueError("the signature is stamped already")
    signature["time_stamp"] = time_stamp
    der: bytes = signature.dump(force=False)
    return der


# --- parsing, for the verifier --------------------------------------------------------------


@dataclass(frozen=True)
class ParsedSeal:
    seal_info_der: bytes  # exactly as encoded: what the maker signed
    maker_certificate_der: bytes
    sign_alg_id: str
    signed_value: bytes
    es_id: str
    name: str
    cert_list_type: int
    cert_list: list[bytes]  # certificates (type 1) or their digests (type 2)
    valid_start: datetime
    valid_end: datetime
    picture_type: str
    picture: bytes
    picture_width_mm: int
    picture_height_mm: int


@dataclass(frozen=True)
class ParsedSignature:
    version: int
    tbs_der: bytes  # exactly as encoded: what the signer signed
    seal: ParsedSeal
    time: datetime
    data_hash: bytes
    property_info: str
    signer_certificate_der: bytes
    signature_alg_id: str
    signature: bytes
    # The DER TimeStampToken (RFC 3161) over `signature`, when the signature was stamped.
    time_stamp: bytes | None = None


# Parsed once per seal: every copy is sealed with the same one, and parsing it twice a copy
# (the seal's size, then the signature) cost more than the SM2 signature. Keyed by the bytes,
# so a replaced seal file is parsed anew; treat the result as read-only.
@functools.lru_cache(maxsize=8)
def seal_parse(data: bytes) -> ParsedSeal:
    try:
        return _seal_from(SESeal.load(data, strict=True))
    except (ValueError, TypeError, KeyError) as e:
        raise SESFormatError(f"not a GB/T 38540 v4 SESeal: {e}") from e


def _seal_from(seal: SESeal) -> ParsedSeal:
    info = seal["e_seal_info"]
    header = info["header"]
    if header["id"].native != "ES" or header["version"].native != SES_VERSION:
        raise SESFormatError(f"seal header {header['id'].native!r} v{header['version'].native}, not ES v4")
    prop = info["property"]
    cert_list_type = prop["cert_list_type"].native
    if cert_list_type == CERT_LIST_DIGESTS:
        cert_list = [item["value"].native for item in prop["cert_list"]]
    else:
        cert_list = [item.native for item in prop["cert_list"]]
    picture = info["picture"]
    return ParsedSeal(
        seal_info_der=info.dump(),
        maker_certificate_der=seal["cert"].native,
        sign_alg_id=seal["sign_alg_id"].dotted,
        signed_value=seal["signed_value"].native,
        es_id=info["es_id"].native,
        name=prop["name"].native,
        cert_list_type=cert_list_type,
        cert_list=cert_list,
        valid_start=prop["valid_start"].native,
        valid_end=prop["valid_end"].native,
        picture_type=picture["type"].native,
        picture=picture["data"].native,
        picture_width_mm=picture["width"].native,
        picture_height_mm=picture["height"].native,
    )


def ses_signature_parse(data: bytes) -> ParsedSignature:
    """The parts of a DER SES_Signature v4; SESFormatError when it is anything else."""
    try:
        signature = SESSignature.load(data, strict=True)
        to_sign = signature["to_sign"]
        version = to_sign["version"].native
        if version != SES_VERSION:
            raise SESFormatError(f"SES_Signature version {version}, not 4")
        return ParsedSignature(
            version=version,
            tbs_der=to_sign.dump(),
            seal=_seal_from(to_sign["eseal"]),
            time=to_sign["time_info"].native,
            data_hash=to_sign["data_hash"].native,
            property_info=to_sign["property_info"].native,
            signer_certificate_der=signature["cert"].native,
            signature_alg_id=signature["signature_alg_id"].dotted,
            signature=signature["signature"].native,
            time_stamp=signature["time_stamp"].native if signature["time_stamp"].native is not None else None,
        )
    except SESFormatError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise SESFormatError(f"not a GB/T 38540 v4 SES_Signature: {e}") from e
