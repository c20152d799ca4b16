"""Trusted time for a seal: an RFC 3161 time-stamp token over the SES_Signature's signature
value (GB/T 38540 v4, SES_Signature.timeStamp: 「对签名值的时间戳」), asked of a time-stamping
service (TSA) behind an adapter, and checked by the verifier.

A token proves that the signature value existed at the TSA's time: a copy stamped before its
signer certificate was revoked or expired is known to have been sealed while the certificate
was good (ADR 0032).

Settings: CERT_TSA = "none" (the default: no stamp) or "rfc3161"; CERT_TSA_URL, the service's
address (HTTP POST of application/timestamp-query); CERT_TSA_TIMEOUT_SECONDS; CERT_TSA_DIGEST,
the digest of the imprint ("sm3" or "sha256"); CERT_TSA_POLICY, a policy OID to ask for (empty:
the TSA's default); CERT_TSA_CA, a PEM file of the certificates a TSA's chain must end in (the
trust anchors: checked when stamping and when verifying).

The token is a CMS SignedData (RFC 5652) holding a TSTInfo. Its check: the TSTInfo's imprint is
the digest of the signature value; the SignerInfo's messageDigest is that of the TSTInfo; the
TSA's signature over the signed attributes verifies with the TSA certificate's key (RSA,
ECDSA through `cryptography`, SM2 through `certificates.crypto`); that certificate is for
time-stamping (extended key usage), valid at the token's time, and chains to an anchor."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from asn1crypto import algos, cms, core, pem, tsp, x509
from cryptography import x509 as cx509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from certificates.crypto import (
    OID_SM2_WITH_SM3,
    OID_SM3,
    CryptoError,
    certificate_public_key,
    sm2_verify,
    sm3,
)
from lib.httpclient import PostFailed, binary_post, url_check

TSA_NONE = "none"
TSA_RFC3161 = "rfc3161"
PEER = "时间戳服务"
MALFORMED = "时间戳格式错误，无法解析"
UNAVAILABLE = "时间戳服务暂不可用，证书文件未生成，请稍后重新加注"
OID_SM2_SIGN = "1.2.156.10197.1.301.1"  # the SM2 key OID some writers put as the signature algorithm
MAX_CHAIN = 5

# Digests an imprint or a SignerInfo may use: name, OID. SHA-1 and MD5 are refused.
_DIGESTS = {
    "sm3": OID_SM3,
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
}
_DIGEST_BY_OID = {oid: name for name, oid in _DIGESTS.items()}
_CRYPTOGRAPHY_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


class TimestampError(Exception):
    """No token could be had (the service is down, refused, or answered something unusable).
    `str()` is a short Chinese reason for the copy's error."""


def digest(name: str, data: bytes) -> bytes:
    if name == "sm3":
        return sm3(data)
    return hashlib.new(name, data).digest()


# --- the check --------------------------------------------------------------------------------


@dataclass
class TimestampCheck:
    """What a token proves: `time` when it checked out, `problems` when it is not a good token
    for this signature (each makes the file invalid), `notes` when it could not be judged."""

    time: datetime | None = None
    tsa_name: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def tsa_anchors() -> list[bytes]:
    """The DER certificates in CERT_TSA_CA (PEM, one or more): empty when it is not set."""
    path = str(getattr(settings, "CERT_TSA_CA", "") or "")
    if not path:
        return []
    return list(_anchors_in(path))


@functools.lru_cache(maxsize=4)
def _anchors_cached(path: str, mtime_ns: int) -> tuple[bytes, ...]:
    data = Path(path).read_bytes()
    if not pem.detect(data):
        return (data,)
    return tuple(der for _, _, der in pem.unarmor(data, multiple=True))


def _anchors_in(path: str) -> tuple[bytes, ...]:
    try:
        return _anchors_cached(path, Path(path).stat().st_mtime_ns)
    except OSError as e:
        raise ImproperlyConfigured(f"CERT_TSA_CA={path}: {e}") from e


def timestamp_check(
    token: bytes, *, signature: bytes, anchors: list[bytes], nonce: int | None = None
) -> TimestampCheck:
    """Check `token` (a DER TimeStampToken) as the stamp of `signature` (the signature value).
    The token comes from anyone who uploads a file: whatever part of it does not parse makes
    it a malformed token, never an error of the page."""
    try:
        return _timestamp_check(token, signature=signature, anchors=anchors, nonce=nonce)
    except (ValueError, TypeError, KeyError, AttributeError, UnsupportedAlgorithm):
        return TimestampCheck(problems=[MALFORMED])


def _timestamp_check(
    token: bytes, *, signature: bytes, anchors: list[bytes], nonce: int | None
) -> TimestampCheck:
    result = TimestampCheck()
    try:
        content_info = cms.ContentInfo.load(token, strict=True)
        if content_info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = content_info["content"]
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise ValueError("not a TSTInfo")
        tst_bytes: bytes = encap["content"].contents  # the eContent's octets, as signed
        tst_info = tsp.TSTInfo.load(tst_bytes, strict=True)
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise ValueError("not one SignerInfo")
        signer_info = signer_infos[0]
        gen_time: datetime = tst_info["gen_time"].native
        imprint = tst_info["message_imprint"]
        imprint_oid = imprint["hash_algorithm"]["algorithm"].dotted
        imprint_value: bytes = imprint["hashed_message"].native
        token_nonce = tst_info["nonce"].native
    except (ValueError, TypeError, KeyError, AttributeError):
        result.problems.append(MALFORMED)
        return result
    imprint_digest = _DIGEST_BY_OID.get(imprint_oid)
    if imprint_digest is None:
        result.problems.append(f"时间戳使用了不支持的摘要算法 {imprint_oid}")
        return result
    if digest(imprint_digest, signature) != imprint_value:
        result.problems.append("时间戳与签名值不符（时间戳所证明的不是该签名值）")
        return result
    if nonce is not None and token_nonce != nonce:
        result.problems.append("时间戳的随机数与请求不符")
        return result
    certificates = _certificates_of(signed_data)
    tsa_certificate = _signer_certificate(signer_info, certificates)
    if tsa_certificate is None:
        result.problems.append("时间戳中没有时间戳服务机构的证书")
        return result
    result.tsa_name = _common_name(tsa_certificate)
    if problem := _signer_info_problem(signer_info, tst_bytes, tsa_certificate):
        result.problems.append(problem)
        return result
    if not _for_time_stamping(tsa_certificate):
        result.problems.append("时间戳服务机构的证书不是时间戳专用证书")
        return result
    validity = x509.Certificate.load(tsa_certificate)["tbs_certificate"]["validity"]
    if not validity["not_before"].native <= gen_time <= validity["not_after"].native:
        result.problems.append("时间戳的时间不在时间戳服务机构证书的有效期内")
        return result
    if not anchors:
        result.notes.append("本系统未配置时间戳服务机构的根证书，时间戳未作核验，签章时间以签章者所填为准")
        return result
    if not _chains_to(tsa_certificate, certificates, anchors):
        result.problems.append("时间戳不是由受信任的时间戳服务机构签发")
        return result
    result.time = gen_time
    return result


def token_time(token: bytes) -> datetime:
    """The TSA's time in a token, read without judging it (for a token just checked)."""
    signed_data = cms.ContentInfo.load(token)["content"]
    tst_info = tsp.TSTInfo.load(signed_data["encap_content_info"]["content"].contents)
    gen_time: datetime = tst_info["gen_time"].native
    return gen_time


def _certificates_of(signed_data: cms.SignedData) -> list[bytes]:
    found: list[bytes] = []
    for choice in signed_data["certificates"] or []:
        if choice.name == "certificate":
            found.append(choice.chosen.dump())
    return found


def _signer_certificate(signer_info: cms.SignerInfo, certificates: list[bytes]) -> bytes | None:
    sid = signer_info["sid"]
    for der in certificates:
        certificate = x509.Certificate.load(der)
        if sid.name == "issuer_and_serial_number":
            if (
                certificate.serial_number == sid.chosen["serial_number"].native
                and certificate.issuer == sid.chosen["issuer"]
            ):
                return der
        elif certificate.key_identifier == sid.chosen.native:
            return der
    return None


def _common_name(certificate_der: bytes) -> str:
    name: str = x509.Certificate.load(certificate_der).subject.native.get("common_name", "")
    return name


def _signer_info_problem(signer_info: cms.SignerInfo, tst_bytes: bytes, certificate_der: bytes) -> str | None:
    """Why the SignerInfo does not prove the TSTInfo with this certificate's key, or None."""
    digest_oid = signer_info["digest_algorithm"]["algorithm"].dotted
    digest_name = _DIGEST_BY_OID.get(digest_oid)
    if digest_name is None:
        return f"时间戳使用了不支持的摘要算法 {digest_oid}"
    attributes = signer_info["signed_attrs"]
    if not attributes:
        return "时间戳缺少签名属性"
    message_digests = [a["values"][0].native for a in attributes if a["type"].native == "message_digest"]
    content_types = [a["values"][0].native for a in attributes if a["type"].native == "content_type"]
    if content_types != ["tst_info"] or len(message_digests) != 1:
        return "时间戳的签名属性不完整"
    if message_digests[0] != digest(digest_name, tst_bytes):
        return "时间戳内容已被修改（与时间戳服务机构签名的摘要不符）"
    # What was signed: the attributes as a SET OF (RFC 5652 §5.4), not with their [0] tag.
    signed = b"\x31" + attributes.dump()[1:]
    algorithm = signer_info["signature_algorithm"]["algorithm"].dotted
    if not _signature_valid(certificate_der, signed, signer_info["signature"].native, algorithm, digest_name):
        return "时间戳服务机构的签名无效"
    return None


def _signature_valid(
    certificate_der: bytes, data: bytes, signature: bytes, algorithm: str, digest_name: str
) -> bool:
    if algorithm in (OID_SM2_WITH_SM3, OID_SM2_SIGN):
        try:
            return digest_name == "sm3" and sm2_verify(
                public_key=certificate_public_key(certificate_der), data=data, signature=signature
            )
        except CryptoError:
            return False
    hash_algorithm = _CRYPTOGRAPHY_HASHES.get(digest_name)
    if hash_algorithm is None:
        return False
    try:
        key = cx509.load_der_x509_certificate(certificate_der).public_key()
        signature_algo = algos.SignedDigestAlgorithm({"algorithm": algorithm}).signature_algo
        if isinstance(key, rsa.RSAPublicKey) and signature_algo == "rsassa_pkcs1v15":
            key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and signature_algo == "ecdsa":
            key.verify(signature, data, ec.ECDSA(hash_algorithm))
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError, KeyError):
        return False
    return True


def _for_time_stamping(certificate_der: bytes) -> bool:
    # RFC 3161 §2.3: the TSA's certificate has extendedKeyUsage id-kp-timeStamping (critical).
    usage = x509.Certificate.load(certificate_der).extended_key_usage_value
    return usage is not None and "time_stamping" in usage.native


def _issued_by(certificate_der: bytes, issuer_der: bytes) -> bool:
    certificate = x509.Certificate.load(certificate_der)
    if certificate["signature_algorithm"]["algorithm"].dotted == OID_SM2_WITH_SM3:
        from certificates.crypto import certificate_signed_by

        return certificate_signed_by(certificate_der=certificate_der, issuer_der=issuer_der)
    try:
        cx509.load_der_x509_certificate(certificate_der).verify_directly_issued_by(
            cx509.load_der_x509_certificate(issuer_der)
        )
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _chains_to(certificate_der: bytes, pool: list[bytes], anchors: list[bytes]) -> bool:
    """Whether `certificate_der` is an anchor or leads to one through certificates of `pool`
    (the token's own), each issued by the next."""
    current = certificate_der
    for _ in range(MAX_CHAIN):
        if current in anchors:
            return True
        if any(_issued_by(current, anchor) for anchor in anchors):
            return True
        issuers = [c for c in pool if c != current and _issued_by(current, c)]
        if not issuers:
            return False
        current = issuers[0]
    return False


# --- the adapter ------------------------------------------------------------------------------


class Stamper(Protocol):
    def stamp(self, signature: bytes) -> bytes:
        """A DER TimeStampToken over `signature`; TimestampError when none can be had."""
        ...


@dataclass(frozen=True)
class Rfc3161Stamper:
    """Asks an RFC 3161 service over HTTP, then checks the answer as the verifier will."""

    url: str
    timeout: float
    digest_name: str
    policy: str
    anchors: tuple[bytes, ...]

    def stamp(self, signature: bytes) -> bytes:
        nonce = secrets.randbits(63) + 1
        request = {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": _DIGESTS[self.digest_name]},
                "hashed_message": digest(self.digest_name, signature),
            },
            "nonce": nonce,
            "cert_req": True,
        }
        if self.policy:
            request["req_policy"] = self.policy
        try:
            answer = binary_post(
                url=self.url,
                body=tsp.TimeStampReq(request).dump(),
                content_type="application/timestamp-query",
                accept="application/timestamp-reply",
                timeout=self.timeout,
                peer=PEER,
            )
        except PostFailed as e:
            raise TimestampError(f"{UNAVAILABLE}（{e}）") from None
        try:
            response = tsp.TimeStampResp.load(answer, strict=True)
            status = response["status"]["status"].native
            token = response["time_stamp_token"]
        except (ValueError, TypeError, KeyError):
            raise TimestampError(f"{PEER}应答格式错误") from None
        if status not in ("granted", "granted_with_mods") or isinstance(token, core.Void):
            texts = response["status"]["status_string"].native or []
            raise TimestampError(
                f"{PEER}拒绝签发时间戳（{status}{'：' + '；'.join(texts) if texts else ''}）"
            )
        token_der: bytes = token.dump()
        check = timestamp_check(token_der, signature=signature, anchors=list(self.anchors), nonce=nonce)
        if check.problems or check.time is None:
            raise TimestampError(f"{PEER}签发的时间戳无法通过核验：{'；'.join(check.problems + check.notes)}")
        return token_der


def stamper() -> Stamper | None:
    """The configured time-stamping adapter, or None when CERT_TSA is "none"."""
    kind = getattr(settings, "CERT_TSA", TSA_NONE)
    if kind == TSA_NONE:
        return None
    if kind != TSA_RFC3161:
        raise ImproperlyConfigured(f"CERT_TSA must be {TSA_NONE} or {TSA_RFC3161}, not {kind!r}")
    url = settings.CERT_TSA_URL
    url_check(url, setting="CERT_TSA_URL")
    digest_name = settings.CERT_TSA_DIGEST
    if digest_name not in _DIGESTS:
        raise ImproperlyConfigured(
            f"CERT_TSA_DIGEST must be one of {', '.join(_DIGESTS)}, not {digest_name!r}"
        )
    anchors = tuple(tsa_anchors())
    if not anchors:
        raise ImproperlyConfigured(
            "CERT_TSA=rfc3161 needs CERT_TSA_CA: the time-stamping service's root certificate"
        )
    return Rfc3161Stamper(
        url=url,
        timeout=float(settings.CERT_TSA_TIMEOUT_SECONDS),
        digest_name=digest_name,
        policy=settings.CERT_TSA_POLICY,
        anchors=anchors,
    )
