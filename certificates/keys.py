"""Key material for sealing certificates, kept in files outside the repository.

`key_material_create` (`certificate_keys --create`, run by `make run`) makes, once, what a
demo needs: a test root CA (also the seal maker, 制章者), the issuing authority's SM2 key and
certificate signed by that CA, and the authority's electronic seal (SESeal) with its picture.
It only creates files that are missing and never overwrites one. Production points the
CERT_* settings at the authority's real files and has no CA key here at all.

On several hosts the files are made on the first host only and copied to the others: keys
made on each host would be as many CAs, and a certificate sealed on one host would fail
verification on another. `key_material_check` (`certificate_keys --check`) tells whether a
host's files fit together and prints fingerprints to compare between hosts."""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys, x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from certificates.crypto import (
    OID_SM2_WITH_SM3,
    CryptoError,
    LocalSigner,
    PrivateKey,
    certificate_load,
    certificate_pem,
    certificate_public_key_der,
    certificate_signed_by,
    certificate_validity,
    private_key_generate,
    private_key_load,
    private_key_pem,
    public_key_der,
    sm2_sign,
    sm3,
)
from certificates.layout import SEAL_SIZE_MM
from certificates.sealimage import seal_picture_png
from certificates.ses import SESFormatError, seal_build, seal_parse
from lib.dates import add_years_to_datetime

AUTHORITY = "辽宁省住房和城乡建设厅"
SEAL_NAME = "辽宁省住房和城乡建设厅审批专用章"
SEAL_PURPOSE = "审批专用章"
SEAL_VENDOR_ID = "LNZWFW"  # SES_Header.Vid: who made the seal file (this portal)
CA_SUBJECT = {
    "country_name": "CN",
    "organization_name": "辽宁政务服务网（测试）",
    "common_name": "辽宁政务服务网电子证照测试根CA（仅供测试）",
}
SIGNER_SUBJECT = {
    "country_name": "CN",
    "organization_name": AUTHORITY,
    "common_name": f"{AUTHORITY}电子印章",
}
CA_YEARS = 20
SIGNER_YEARS = 10
# Certificates start a day early, so a verifier whose clock runs behind still accepts them.
BACKDATE = timedelta(days=1)


@dataclass(frozen=True)
class KeyPaths:
    ca_key: Path
    ca_certificate: Path
    signing_key: Path
    signing_certificate: Path
    seal: Path


def key_paths() -> KeyPaths:
    return KeyPaths(
        ca_key=Path(settings.CERT_CA_KEY),
        ca_certificate=Path(settings.CERT_CA_CERT),
        signing_key=Path(settings.CERT_SIGNING_KEY),
        signing_certificate=Path(settings.CERT_SIGNING_CERT),
        seal=Path(settings.CERT_SEAL_FILE),
    )


def key_settings_in(directory: Path) -> dict[str, Path]:
    """The CERT_* settings for key files in `directory` (for override_settings in tests)."""
    return {
        "CERT_KEY_DIR": directory,
        "CERT_CA_KEY": directory / "ca.key",
        "CERT_CA_CERT": directory / "ca.pem",
        "CERT_SIGNING_KEY": directory / "issuer.key",
        "CERT_SIGNING_CERT": directory / "issuer.pem",
        "CERT_SEAL_FILE": directory / "seal.esl",
    }


# --- reading ------------------------------------------------------------------------------


def _read(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImproperlyConfigured(
            f"电子证照密钥文件不存在：{path}（环境变量 {setting}）。"
            "本机演示请运行 `make run` 或 `python manage.py certificate_keys --create`；"
            "多台主机请从第一台主机复制（见 docs/operations.md「多台主机」）。 / "
            f"{path} is missing (environment variable {setting}): run `make run` or "
            "`python manage.py certificate_keys --create` on the first host and copy the files "
            "to the others, or point the variable at the real file."
        ) from None


def ca_certificate_der() -> bytes:
    """The trusted root the verifier chains signing certificates to (settings.CERT_CA_CERT)."""
    path = Path(settings.CERT_CA_CERT)
    try:
        return certificate_load(_read(path, "CERT_CA_CERT"))
    except CryptoError as e:
        raise ImproperlyConfigured(f"CERT_CA_CERT={path}: {e}") from e


def seal_der() -> bytes:
    """The authority's electronic seal, DER SESeal (settings.CERT_SEAL_FILE)."""
    return _read(Path(settings.CERT_SEAL_FILE), "CERT_SEAL_FILE")


# --- writing ------------------------------------------------------------------------------


def _write_new(path: Path, data: bytes, *, private: bool) -> None:
    """Write `data` to `path` only if nothing is there, all at once: written to a temporary
    file first and linked into place, so a second process or a crash never leaves half a key
    and an existing file is never replaced."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(temporary, path)  # fails with FileExistsError instead of overwriting
    finally:
        os.unlink(temporary)


def _time(value: datetime) -> x509.Time:
    # RFC 5280: UTCTime up to 2049, GeneralizedTime from 2050.
    if value.year < 2050:
        return x509.Time({"utc_time": value})
    return x509.Time({"general_time": value})


def _key_identifier(spki_der: bytes) -> bytes:
    # RFC 5280 §4.2.1.2 allows any method that gives unique values; SM3 keeps us off SHA-1.
    bit_string = keys.PublicKeyInfo.load(spki_der)["public_key"].contents
    return sm3(bit_string)[:20]


def certificate_build(
    *,
    subject: dict[str, str],
    subject_public_key_der: bytes,
    issuer_key: PrivateKey,
    issuer_certificate_der: bytes | None,
    not_before: datetime,
    not_after: datetime,
    ca: bool,
) -> bytes:
    """A DER X.509 v3 certificate signed SM2-with-SM3 by `issuer_key`; self-signed when
    `issuer_certificate_der` is None."""
    subject_name = x509.Name.build(subject)
    if issuer_certificate_der is None:
        issuer_name = subject_name
    else:
        issuer_name = x509.Certificate.load(issuer_certificate_der).subject
    key_usage = {"key_cert_sign", "crl_sign"} if ca else {"digital_signature", "non_repudiation"}
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": secrets.randbits(127) + 1,  # positive, unpredictable
            "signature": {"algorithm": OID_SM2_WITH_SM3},
            "issuer": issuer_name,
            "validity": {"not_before": _time(not_before), "not_after": _time(not_after)},
            "subject": subject_name,
            "subject_public_key_info": keys.PublicKeyInfo.load(subject_public_key_der),
            "extensions": [
                {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": ca}},
                {"extn_id": "key_usage", "critical": True, "extn_value": key_usage},
                {
                    "extn_id": "key_identifier",
                    "critical": False,
                    "extn_value": _key_identifier(subject_public_key_der),
                },
                {
                    "extn_id": "authority_key_identifier",
                    "critical": False,
                    "extn_value": {
                        "key_identifier": _key_identifier(public_key_der(issuer_key.public_key()))
                    },
                },
            ],
        }
    )
    certificate = x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": {"algorithm": OID_SM2_WITH_SM3},
            "signature_value": sm2_sign(private_key=issuer_key, data=tbs.dump()),
        }
    )
    der: bytes = certificate.dump()
    return der


def key_material_create(*, now: datetime | None = None) -> list[str]:
    """Create what is missing of the CA, the signing key and certificate and the seal under
    the CERT_* paths; return what was created (file paths). Never overwrites a file."""
    paths = key_paths()
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    start = now - BACKDATE
    created: list[str] = []

    def write(path: Path, data: bytes, *, private: bool) -> None:
        _write_new(path, data, private=private)
        created.append(str(path))

    # The test CA, also the seal maker.
    if paths.ca_key.exists():
        ca_key = private_key_load(paths.ca_key.read_bytes())
    elif paths.ca_certificate.exists():
        ca_key = None  # someone else's CA: fine for verifying, but we cannot issue under it
    else:
        ca_key = private_key_generate()
        write(paths.ca_key, private_key_pem(ca_key), private=True)
    if not paths.ca_certificate.exists():
        if ca_key is None:
            raise ImproperlyConfigured(f"{paths.ca_key} is missing: cannot make the CA certificate")
        ca_der = certificate_build(
            subject=CA_SUBJECT,
            subject_public_key_der=public_key_der(ca_key.public_key()),
            issuer_key=ca_key,
            issuer_certificate_der=None,
            not_before=start,
            not_after=add_years_to_datetime(now, CA_YEARS),
            ca=True,
        )
        write(paths.ca_certificate, certificate_pem(ca_der), private=False)
    ca_der = certificate_load(paths.ca_certificate.read_bytes())

    def ca_private_key() -> PrivateKey:
        if ca_key is None:
            raise ImproperlyConfigured(
                f"缺少制章者/CA私钥 {paths.ca_key}（CERT_CA_KEY），无法签发证书或制作印章。 / "
                f"The CA key {paths.ca_key} (CERT_CA_KEY) is missing: "
                "cannot issue a certificate or make a seal."
            )
        return ca_key

    # The issuing authority's signing key and certificate.
    if paths.signing_key.exists():
        signing_key = private_key_load(paths.signing_key.read_bytes())
    elif paths.signing_certificate.exists():
        raise ImproperlyConfigured(
            f"签名证书 {paths.signing_certificate} 存在，"
            f"但私钥 {paths.signing_key} 缺失（CERT_SIGNING_KEY）。 / "
            f"{paths.signing_certificate} exists but its key {paths.signing_key} "
            "(CERT_SIGNING_KEY) is missing."
        )
    else:
        signing_key = private_key_generate()
        write(paths.signing_key, private_key_pem(signing_key), private=True)
    if not paths.signing_certificate.exists():
        signer_der = certificate_build(
            subject=SIGNER_SUBJECT,
            subject_public_key_der=public_key_der(signing_key.public_key()),
            issuer_key=ca_private_key(),
            issuer_certificate_der=ca_der,
            not_before=start,
            not_after=add_years_to_datetime(now, SIGNER_YEARS),
            ca=False,
        )
        write(paths.signing_certificate, certificate_pem(signer_der), private=False)
    signer_der = certificate_load(paths.signing_certificate.read_bytes())

    # The seal: its picture, name and the signer's certificate, signed by the seal maker.
    if not paths.seal.exists():
        _, signer_not_after = certificate_validity(signer_der)
        seal = seal_build(
            maker=LocalSigner(private_key=ca_private_key(), certificate_der=ca_der),
            es_id=f"210000{now:%Y}{secrets.randbelow(10**8):08d}",  # province code, year, number
            name=SEAL_NAME,
            signer_certificates=[signer_der],
            picture_png=seal_picture_png(authority=AUTHORITY, purpose=SEAL_PURPOSE, size_mm=SEAL_SIZE_MM),
            picture_width_mm=SEAL_SIZE_MM,
            picture_height_mm=SEAL_SIZE_MM,
            created=now,
            valid_start=start,
            valid_end=signer_not_after,
            vid=SEAL_VENDOR_ID,
        )
        write(paths.seal, seal, private=False)
    return created


# --- several hosts: made once, copied, checked ---------------------------------------------

# The files every host must hold, the same bytes everywhere: (what, setting). The CA key is
# not among them: it is needed only where keys are made, and production has none at all.
SHARED_FILES = (
    ("ca_certificate", "CERT_CA_CERT"),
    ("signing_key", "CERT_SIGNING_KEY"),
    ("signing_certificate", "CERT_SIGNING_CERT"),
    ("seal", "CERT_SEAL_FILE"),
)


def key_files_missing() -> list[tuple[Path, str]]:
    """The files of SHARED_FILES that this host lacks, with their settings."""
    paths = key_paths()
    return [
        (getattr(paths, field), setting)
        for field, setting in SHARED_FILES
        if not getattr(paths, field).exists()
    ]


def fingerprint(data: bytes) -> str:
    """SHA-256 in the form `openssl x509 -noout -fingerprint -sha256` prints, so operators
    can compare hosts with either tool."""
    digest = hashlib.sha256(data).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass(frozen=True)
class KeyCheck:
    ca_fingerprint: str  # of the CA certificate's DER: the same on every host
    signing_fingerprint: str
    seal_sha256: str
    problems: list[str]


def key_material_check() -> KeyCheck:
    """Check this host's key files as a verifier of another host's certificates would: each
    one exists and is readable, the signing certificate chains to the CA, the signing key
    belongs to the signing certificate, and the seal names that certificate. Returns the
    fingerprints to compare between hosts and the problems found (empty when all is well)."""
    paths = key_paths()
    problems: list[str] = []
    contents: dict[str, bytes] = {}
    for field, setting in SHARED_FILES:
        path: Path = getattr(paths, field)
        try:
            contents[field] = path.read_bytes()
        except FileNotFoundError:
            problems.append(f"缺少 {path}（{setting}）")
        except OSError as e:
            problems.append(f"无法读取 {path}（{setting}）：{e.strerror}")
    ca_der = signer_der = b""
    if "ca_certificate" in contents:
        try:
            ca_der = certificate_load(contents["ca_certificate"])
        except CryptoError as e:
            problems.append(f"{paths.ca_certificate}（CERT_CA_CERT）不是有效的证书：{e}")
    if "signing_certificate" in contents:
        try:
            signer_der = certificate_load(contents["signing_certificate"])
        except CryptoError as e:
            problems.append(f"{paths.signing_certificate}（CERT_SIGNING_CERT）不是有效的证书：{e}")
    if ca_der and signer_der and not certificate_signed_by(certificate_der=signer_der, issuer_der=ca_der):
        problems.append(
            f"签名证书 {paths.signing_certificate} 不是由根证书 {paths.ca_certificate} 签发的："
            "两者来自不同的主机或不同的批次，请从第一台主机重新复制全部文件"
        )
    if signer_der and "signing_key" in contents:
        try:
            key = private_key_load(contents["signing_key"])
        except CryptoError as e:
            problems.append(f"{paths.signing_key}（CERT_SIGNING_KEY）不是可用的SM2私钥：{e}")
        else:
            if public_key_der(key.public_key()) != certificate_public_key_der(signer_der):
                problems.append(
                    f"签名私钥 {paths.signing_key} 与签名证书 {paths.signing_certificate} 不配对："
                    "请从第一台主机重新复制全部文件"
                )
    if signer_der and "seal" in contents:
        try:
            seal = seal_parse(contents["seal"])
        except SESFormatError as e:
            problems.append(f"{paths.seal}（CERT_SEAL_FILE）不是有效的电子印章：{e}")
        else:
            if signer_der not in seal.cert_list and sm3(signer_der) not in seal.cert_list:
                problems.append(
                    f"电子印章 {paths.seal} 不是为签名证书 {paths.signing_certificate} 制作的："
                    "请从第一台主机重新复制全部文件"
                )
    return KeyCheck(
        ca_fingerprint=fingerprint(ca_der) if ca_der else "",
        signing_fingerprint=fingerprint(signer_der) if signer_der else "",
        seal_sha256=fingerprint(contents["seal"]) if "seal" in contents else "",
        problems=problems,
    )
