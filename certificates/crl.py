"""The CA's certificate revocation list (RFC 5280 §5): which signer or seal-maker certificates
the CA has revoked, and when.

The verifier reads the list in CERT_CRL_FILE (DER or PEM) and trusts it only when the CA of
CERT_CA_CERT signed it (SM2 with SM3). What it does when it cannot use the list (ADR 0032):
no CERT_CRL_FILE set, no check and nothing said; a list that is missing, unreadable or not
signed by the CA, a note that revocation could not be checked (the verdict stands: the seal
itself still verifies); a list past its nextUpdate, its entries still count (a revocation
stays a revocation) and a note says the list is out of date.

`crl_revoke` (`certificate_crl --revoke`) adds a serial to the list and signs it again with
the CA key (the test CA of `certificate_keys --create`, or the CA's own key where it is kept);
`crl_fetch` (`certificate_crl --fetch`, and run_periodic) replaces the file by the list at
CERT_CRL_URL once it has checked the new one."""

from __future__ import annotations

import functools
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import crl, pem, x509
from django.conf import settings

from certificates.crypto import (
    OID_SM2_WITH_SM3,
    CryptoError,
    PrivateKey,
    certificate_public_key,
    sm2_sign,
    sm2_verify,
)
from lib.httpclient import PostFailed, binary_get, url_check

logger = logging.getLogger(__name__)

PEER = "证书吊销列表服务"
MAX_CRL_BYTES = 10 * 1024 * 1024
DEFAULT_DAYS = 7

# RFC 5280 §5.3.1 CRLReason, as asn1crypto names them, in Chinese.
REASONS = {
    "unspecified": "未说明原因",
    "key_compromise": "密钥泄露",
    "ca_compromise": "认证机构密钥泄露",
    "affiliation_changed": "隶属关系改变",
    "superseded": "已被替换",
    "cessation_of_operation": "停止使用",
    "certificate_hold": "暂停使用",
    "privilege_withdrawn": "权限被撤回",
}


class CrlError(Exception):
    """A list that cannot be used: `str()` says why, in Chinese."""


@dataclass(frozen=True)
class Revocation:
    revoked_at: datetime
    reason: str  # a key of REASONS

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class RevocationList:
    this_update: datetime
    next_update: datetime | None
    number: int
    revoked: dict[int, Revocation]


@dataclass(frozen=True)
class RevocationState:
    """What the verifier gets: the list when one could be used, and a note when it could not
    be used or is out of date (empty when all is well or no list is configured)."""

    crl: RevocationList | None
    note: str = ""
    configured: bool = False

    def revocation(self, certificate_der: bytes) -> Revocation | None:
        try:
            serial: int = x509.Certificate.load(certificate_der).serial_number
        except (ValueError, TypeError, KeyError):
            return None
        return self.revocation_of(serial)

    def revocation_of(self, serial: int) -> Revocation | None:
        return self.crl.revoked.get(serial) if self.crl is not None else None


def _der(data: bytes) -> bytes:
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return data


def crl_parse(data: bytes, *, ca_der: bytes) -> RevocationList:
    """The list in `data` (DER or PEM), checked to be signed by the CA `ca_der`."""
    try:
        certificate_list = crl.CertificateList.load(_der(data), strict=True)
        tbs = certificate_list["tbs_cert_list"]
        issuer = x509.Certificate.load(ca_der).subject
        algorithm = certificate_list["signature_algorithm"]["algorithm"].dotted
        signature: bytes = certificate_list["signature"].native
        revoked: dict[int, Revocation] = {}
        for entry in tbs["revoked_certificates"] or []:
            revoked[entry["user_certificate"].native] = Revocation(
                revoked_at=entry["revocation_date"].native,
                reason=entry.crl_reason_value.native if entry.crl_reason_value is not None else "unspecified",
            )
        number = certificate_list.crl_number_value
        next_update = tbs["next_update"].native
        this_update = tbs["this_update"].native
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise CrlError(f"证书吊销列表格式错误（{e}）") from None
    if tbs["issuer"] != issuer:
        raise CrlError("证书吊销列表不是本系统根证书的签发机构发布的")
    try:
        ca_key = certificate_public_key(ca_der)
    except CryptoError as e:
        raise CrlError(f"根证书无法读取（{e}）") from None
    if algorithm != OID_SM2_WITH_SM3 or not sm2_verify(
        public_key=ca_key, data=tbs.dump(), signature=signature
    ):
        raise CrlError("证书吊销列表的签名无效（不是根证书签发机构签署的）")
    return RevocationList(
        this_update=this_update,
        next_update=next_update,
        number=number.native if number is not None else 0,
        revoked=revoked,
    )


@functools.lru_cache(maxsize=4)
def _parsed(path: str, mtime_ns: int, size: int, ca_der: bytes) -> RevocationList | CrlError:
    try:
        return crl_parse(Path(path).read_bytes(), ca_der=ca_der)
    except OSError as e:
        return CrlError(f"无法读取证书吊销列表（{e.strerror}）")
    except CrlError as e:
        return e


def crl_version() -> str:
    """What changes when the configured list changes (for keys of kept answers): empty when
    no list is configured."""
    path = str(getattr(settings, "CERT_CRL_FILE", "") or "")
    if not path:
        return ""
    try:
        stat = Path(path).stat()
    except OSError:
        return "missing"
    return f"{stat.st_mtime_ns}-{stat.st_size}"


def crl_state(*, ca_der: bytes, now: datetime) -> RevocationState:
    """The configured list as the verifier uses it (read again when the file changes)."""
    path = str(getattr(settings, "CERT_CRL_FILE", "") or "")
    if not path:
        return RevocationState(crl=None)
    try:
        stat = Path(path).stat()
    except OSError:
        logger.warning("CERT_CRL_FILE %s is missing", path)
        return RevocationState(
            crl=None, note="未能检查签章证书是否已被吊销：证书吊销列表缺失", configured=True
        )
    found = _parsed(path, stat.st_mtime_ns, stat.st_size, ca_der)
    if isinstance(found, CrlError):
        logger.warning("CERT_CRL_FILE %s cannot be used: %s", path, found)
        return RevocationState(crl=None, note=f"未能检查签章证书是否已被吊销：{found}", configured=True)
    if found.next_update is not None and found.next_update < now:
        local = found.next_update.astimezone().strftime("%Y-%m-%d %H:%M")
        return RevocationState(
            crl=found,
            note=f"证书吊销列表已过期（应于 {local} 前更新），其后的吊销可能未被列入",
            configured=True,
        )
    return RevocationState(crl=found, configured=True)


# --- making a list (the CA's side) ---------------------------------------------------------------


def crl_build(
    *,
    ca_key: PrivateKey,
    ca_der: bytes,
    revoked: dict[int, Revocation],
    this_update: datetime,
    next_update: datetime,
    number: int,
) -> bytes:
    """A DER CRL v2 of the CA `ca_der`, signed SM2-with-SM3 by `ca_key`."""
    ca = x509.Certificate.load(ca_der)
    entries = []
    for serial, revocation in sorted(revoked.items()):
        entries.append(
            {
                "user_certificate": serial,
                "revocation_date": _time(revocation.revoked_at),
                "crl_entry_extensions": [{"extn_id": "crl_reason", "extn_value": revocation.reason}],
            }
        )
    extensions: list[dict[str, object]] = [{"extn_id": "crl_number", "extn_value": number}]
    if ca.key_identifier is not None:
        extensions.append(
            {"extn_id": "authority_key_identifier", "extn_value": {"key_identifier": ca.key_identifier}}
        )
    tbs = crl.TbsCertList(
        {
            "version": "v2",
            "signature": {"algorithm": OID_SM2_WITH_SM3},
            "issuer": ca.subject,
            "this_update": _time(this_update),
            "next_update": _time(next_update),
            "revoked_certificates": entries or None,
            "crl_extensions": extensions,
        }
    )
    certificate_list = crl.CertificateList(
        {
            "tbs_cert_list": tbs,
            "signature_algorithm": {"algorithm": OID_SM2_WITH_SM3},
            "signature": sm2_sign(private_key=ca_key, data=tbs.dump()),
        }
    )
    der: bytes = certificate_list.dump()
    return der


def _time(value: datetime) -> x509.Time:
    value = value.astimezone(UTC).replace(microsecond=0)
    if value.year < 2050:
        return x509.Time({"utc_time": value})
    return x509.Time({"general_time": value})


def crl_revoke(
    *,
    ca_key: PrivateKey,
    ca_der: bytes,
    path: Path,
    serials: list[int],
    reason: str,
    revoked_at: datetime,
    now: datetime,
    days: int = DEFAULT_DAYS,
) -> RevocationList:
    """Sign again the list at `path` (a new one when there is none) with `serials` added as
    revoked at `revoked_at` for `reason`, valid `days` from `now`; written in place atomically.
    With no serials, the list is only renewed (a new thisUpdate and nextUpdate)."""
    if reason not in REASONS:
        raise CrlError(f"吊销原因应为 {', '.join(REASONS)} 之一")
    revoked: dict[int, Revocation] = {}
    number = 0
    if path.exists():
        current = crl_parse(path.read_bytes(), ca_der=ca_der)
        revoked, number = dict(current.revoked), current.number
    for serial in serials:
        revoked.setdefault(serial, Revocation(revoked_at=revoked_at, reason=reason))
    data = crl_build(
        ca_key=ca_key,
        ca_der=ca_der,
        revoked=revoked,
        this_update=now,
        next_update=now + timedelta(days=days),
        number=number + 1,
    )
    _replace(path, data)
    return crl_parse(data, ca_der=ca_der)


def _replace(path: Path, data: bytes) -> None:
    # Written beside it and renamed: a verifier never reads half a list.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


# When this process may fetch each address again (time.monotonic()): a file's mtime is not
# used, since it is another clock than the process's and is lost with the file.
_next_fetch: dict[str, float] = {}
RETRY_SECONDS = 300  # after a failed fetch, however long the refresh interval


def crl_fetch(*, ca_der: bytes, force: bool = False) -> bool:
    """Fetch CERT_CRL_URL into CERT_CRL_FILE when this process last did so more than
    CERT_CRL_REFRESH_SECONDS ago (or never, or `force`); the new list replaces the old only
    when the CA signed it and it is not older than the one kept. Whether the file was replaced;
    CrlError when the list could not be had (tried again after RETRY_SECONDS)."""
    url = settings.CERT_CRL_URL
    if not url:
        return False
    url_check(url, setting="CERT_CRL_URL")
    path = Path(settings.CERT_CRL_FILE)
    clock = time.monotonic()
    if not force and clock < _next_fetch.get(url, 0.0):
        return False
    _next_fetch[url] = clock + min(RETRY_SECONDS, settings.CERT_CRL_REFRESH_SECONDS)
    try:
        data = binary_get(
            url=url,
            accept="application/pkix-crl",
            timeout=settings.CERT_CRL_TIMEOUT_SECONDS,
            peer=PEER,
            max_bytes=MAX_CRL_BYTES,
        )
    except PostFailed as e:
        raise CrlError(str(e)) from None
    fetched = crl_parse(data, ca_der=ca_der)
    if path.exists():
        try:
            kept = crl_parse(path.read_bytes(), ca_der=ca_der)
        except CrlError:
            kept = None
        if kept is not None and (fetched.number, fetched.this_update) < (kept.number, kept.this_update):
            raise CrlError("获取的证书吊销列表比本机已有的更旧，未替换")
    _replace(path, data)
    _next_fetch[url] = clock + settings.CERT_CRL_REFRESH_SECONDS
    return True


def crl_refresh() -> bool:
    """run_periodic's sweep: fetch CERT_CRL_URL when the kept list is due (never raises for a
    list that could not be had: the old one stays, and the verifier's note says when it is out
    of date). Whether the file was replaced."""
    if not settings.CERT_CRL_URL:
        return False
    from certificates.keys import ca_certificate_der

    try:
        return crl_fetch(ca_der=ca_certificate_der())
    except CrlError as e:
        logger.warning("revocation list not fetched from %s: %s", settings.CERT_CRL_URL, e)
        return False
