"""Key material for sealing certificates, kept in files outside the repository.

`key_material_create` (`certificate_keys --create`, run by `make run`) makes, once, what a
demo needs: a test root CA, the issuing authority's SM2 key and certificate signed by that CA,
a separate seal-maker (制章者) key and certificate issued by that CA, and the authority's
electronic seal (SESeal) with its picture, signed by the maker. It only creates files that are
missing and never overwrites one, with one exception: a seal made by an older version, which
the CA signed itself, is made again by the maker (the old file kept beside it). Production
points the CERT_* settings at the authority's real files and has neither the CA's nor the
maker's key here at all: both are needed only where seals are made.

On several hosts the files are made on the first host only and copied to the others: keys
made on each host would be as many CAs, and a certificate sealed on one host would fail
verification on another. `key_material_check` (`certificate_keys --check`) tells whether a
host's files fit together and prints fingerprints to compare between hosts. With a signing
service or an HSM (`certificates.signers`) no host but the signer holds the signing key: the
check then takes the certificate the signer reports and has it sign a probe."""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Callable
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
    SignerError,
    certificate_load,
    certificate_pem,
    certificate_public_key,
    certificate_public_key_der,
    certificate_signed_by,
    certificate_validity,
    get_signer,
    private_key_generate,
    private_key_load,
    private_key_pem,
    public_key_der,
    signer_is_local,
    sm2_sign,
    sm2_verify,
    sm3,
)
from certificates.layout import SEAL_SIZE_MM
from certificates.profiles import PROFILES, CertificateRole, certificate_profile_problems
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
MAKER_SUBJECT = {
    "country_name": "CN",
    "organization_name": "辽宁政务服务网（测试）",
    "common_name": "辽宁政务服务网电子印章制章者（仅供测试）",
}
CA_YEARS = 20
SIGNER_YEARS = 10
MAKER_YEARS = 10
# Where --create keeps a seal that the CA signed itself (older versions) when it makes the
# seal again by the maker: certificates sealed with it carry it inside and keep verifying.
LEGACY_SEAL_SUFFIX = ".ca-made"
# Certificates start a day early, so a verifier whose clock runs behind still accepts them.
BACKDATE = timedelta(days=1)


@dataclass(frozen=True)
class KeyPaths:
    ca_key: Path
    ca_certificate: Path
    signing_key: Path
    signing_certificate: Path
    maker_key: Path
    maker_certificate: Path
    seal: Path


def key_paths() -> KeyPaths:
    return KeyPaths(
        ca_key=Path(settings.CERT_CA_KEY),
        ca_certificate=Path(settings.CERT_CA_CERT),
        signing_key=Path(settings.CERT_SIGNING_KEY),
        signing_certificate=Path(settings.CERT_SIGNING_CERT),
        maker_key=Path(settings.CERT_MAKER_KEY),
        maker_certificate=Path(settings.CERT_MAKER_CERT),
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
        "CERT_MAKER_KEY": directory / "maker.key",
        "CERT_MAKER_CERT": directory / "maker.pem",
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


def _write_new(path: Path, data: bytes, *, private: bool, replace: bool = False) -> None:
    """Write `data` to `path` only if nothing is there, all at once: written to a temporary
    file first and linked into place, so a second process or a crash never leaves half a key
    and an existing file is never replaced. With `replace`, an existing file is swapped for
    the new one in one rename (readers see the old file or the new, never half of either)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(temporary, path)
            return
        os.link(temporary, path)  # fails with FileExistsError instead of overwriting
    finally:
        if os.path.exists(temporary):
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
    role: CertificateRole,
) -> bytes:
    """A DER X.509 v3 certificate signed SM2-with-SM3 by `issuer_key`, with the basic
    constraints and key usages of `role` (`certificates.profiles`), both critical as RFC 5280
    asks; self-signed when `issuer_certificate_der` is None."""
    subject_name = x509.Name.build(subject)
    if issuer_certificate_der is None:
        issuer_name = subject_name
    else:
        issuer_name = x509.Certificate.load(issuer_certificate_der).subject
    profile = PROFILES[role]
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
                {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": profile.ca}},
                {"extn_id": "key_usage", "critical": True, "extn_value": set(profile.key_usage)},
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


def _seal_made_by_ca(seal: bytes, ca_der: bytes) -> bool:
    """A seal of an older version, which the CA signed itself (a strict verifier refuses it:
    the CA's key usages do not include digitalSignature)."""
    try:
        return seal_parse(seal).maker_certificate_der == ca_der
    except SESFormatError:
        return False


def key_material_create(*, now: datetime | None = None) -> list[str]:
    """Create what is missing of the CA, the signing key and certificate, the maker's key and
    certificate and the seal under the CERT_* paths; return what was created (file paths).
    Never overwrites a file, except a seal the CA signed itself (made by an older version): that
    one is made again by the maker and the old one is kept as `<seal>.ca-made`."""
    paths = key_paths()
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    start = now - BACKDATE
    created: list[str] = []

    def write(path: Path, data: bytes, *, private: bool, replace: bool = False) -> None:
        _write_new(path, data, private=private, replace=replace)
        created.append(str(path))

    # The test CA.
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
            role=CertificateRole.CA,
        )
        write(paths.ca_certificate, certificate_pem(ca_der), private=False)
    ca_der = certificate_load(paths.ca_certificate.read_bytes())
    _, ca_not_after = certificate_validity(ca_der)

    def ca_private_key(what: str) -> PrivateKey:
        if ca_key is None:
            raise ImproperlyConfigured(
                f"缺少根证书私钥 {paths.ca_key}（CERT_CA_KEY），无法签发{what}。 / "
                f"The CA key {paths.ca_key} (CERT_CA_KEY) is missing: cannot issue the {what}."
            )
        return ca_key

    # The issuing authority's signing key and certificate.
    signing_key = _key_for(paths.signing_key, paths.signing_certificate, "CERT_SIGNING_KEY", write)
    if not paths.signing_certificate.exists():
        signer_der = certificate_build(
            subject=SIGNER_SUBJECT,
            subject_public_key_der=public_key_der(signing_key.public_key()),
            issuer_key=ca_private_key("签名证书 / signing certificate"),
            issuer_certificate_der=ca_der,
            not_before=start,
            not_after=min(add_years_to_datetime(now, SIGNER_YEARS), ca_not_after),
            role=CertificateRole.SIGNER,
        )
        write(paths.signing_certificate, certificate_pem(signer_der), private=False)
    signer_der = certificate_load(paths.signing_certificate.read_bytes())

    # The seal: made when missing, or again when the CA signed it itself (older versions).
    # The maker's key and certificate are made only then: a host that holds a province's seal
    # needs neither.
    legacy = paths.seal.exists() and _seal_made_by_ca(paths.seal.read_bytes(), ca_der)
    if paths.seal.exists() and not legacy:
        return created
    maker_key = _key_for(paths.maker_key, paths.maker_certificate, "CERT_MAKER_KEY", write)
    if not paths.maker_certificate.exists():
        maker_der = certificate_build(
            subject=MAKER_SUBJECT,
            subject_public_key_der=public_key_der(maker_key.public_key()),
            issuer_key=ca_private_key("制章者证书 / seal maker's certificate"),
            issuer_certificate_der=ca_der,
            not_before=start,
            not_after=min(add_years_to_datetime(now, MAKER_YEARS), ca_not_after),
            role=CertificateRole.MAKER,
        )
        write(paths.maker_certificate, certificate_pem(maker_der), private=False)
    try:
        maker = LocalSigner(
            private_key=maker_key, certificate_der=certificate_load(paths.maker_certificate.read_bytes())
        )
    except CryptoError as e:
        raise ImproperlyConfigured(f"CERT_MAKER_KEY={paths.maker_key} / CERT_MAKER_CERT: {e}") from e
    _, signer_not_after = certificate_validity(signer_der)
    seal = seal_build(
        maker=maker,
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
    if legacy:
        # Kept, not deleted: it is the evidence of what earlier certificates were sealed with.
        legacy_copy = paths.seal.with_name(paths.seal.name + LEGACY_SEAL_SUFFIX)
        write(legacy_copy, paths.seal.read_bytes(), private=False, replace=True)
        write(paths.seal, seal, private=False, replace=True)
    else:
        write(paths.seal, seal, private=False)
    return created


def _key_for(key_path: Path, certificate_path: Path, setting: str, write: Callable[..., None]) -> PrivateKey:
    """The private key at `key_path`, made when neither it nor its certificate exists; a
    certificate whose key is gone is an error (a new key would not match it)."""
    if key_path.exists():
        return private_key_load(key_path.read_bytes())
    if certificate_path.exists():
        raise ImproperlyConfigured(
            f"证书 {certificate_path} 存在，但私钥 {key_path} 缺失（{setting}）。 / "
            f"{certificate_path} exists but its key {key_path} ({setting}) is missing."
        )
    key = private_key_generate()
    write(key_path, private_key_pem(key), private=True)
    return key


# --- several hosts: made once, copied, checked ---------------------------------------------

# The files every host must hold, the same bytes everywhere: (what, setting). The CA's and the
# maker's keys and the maker's certificate are not among them: they are needed only where
# seals are made (the maker's certificate travels inside the seal), and an app server in
# production has none of them.
SHARED_FILES = (
    ("ca_certificate", "CERT_CA_CERT"),
    ("signing_key", "CERT_SIGNING_KEY"),
    ("signing_certificate", "CERT_SIGNING_CERT"),
    ("seal", "CERT_SEAL_FILE"),
)


# With a signing service or an HSM the key stays there, and the certificate comes from the
# signer (a CERT_SIGNING_CERT file, where present, must be that certificate).
REMOTE_SIGNER_FILES = tuple(
    entry for entry in SHARED_FILES if entry[0] not in ("signing_key", "signing_certificate")
)


def shared_files() -> tuple[tuple[str, str], ...]:
    """The files this host must hold, for the configured signer."""
    return SHARED_FILES if signer_is_local() else REMOTE_SIGNER_FILES


def key_files_missing() -> list[tuple[Path, str]]:
    """The files of `shared_files()` that this host lacks, with their settings."""
    paths = key_paths()
    return [
        (getattr(paths, field), setting)
        for field, setting in shared_files()
        if not getattr(paths, field).exists()
    ]


def signer_certificate_problems(certificate_der: bytes) -> list[str]:
    """Why a signer certificate reported by a signing service or an HSM cannot seal this host's
    certificates (empty when it can): it must have the signer profile, chain to CERT_CA_CERT
    and be listed in CERT_SEAL_FILE, as every verifier will check."""
    try:
        certificate_public_key(certificate_der)
    except CryptoError as e:
        return [f"不是SM2证书：{e}"]
    problems = certificate_profile_problems(certificate_der=certificate_der, role=CertificateRole.SIGNER)
    try:
        ca_der = ca_certificate_der()
        seal = seal_parse(seal_der())
    except (ImproperlyConfigured, SESFormatError) as e:
        return [*problems, str(e)]
    if not certificate_signed_by(certificate_der=certificate_der, issuer_der=ca_der):
        problems.append(f"不是由根证书 {settings.CERT_CA_CERT}（CERT_CA_CERT）签发的")
    if certificate_der not in seal.cert_list and sm3(certificate_der) not in seal.cert_list:
        problems.append(f"电子印章 {settings.CERT_SEAL_FILE}（CERT_SEAL_FILE）不是为该证书制作的")
    return problems


PROBE = "certificate_keys --check：签名器自检".encode()


def _remote_signer_certificate(paths: KeyPaths, problems: list[str]) -> bytes:
    """The certificate the configured signing service or HSM reports, after one probe
    signature verified under it; b"" (and the reason in `problems`) when it cannot sign."""
    try:
        signer = get_signer()
        certificate_der = signer.certificate_der
        signature = signer.sign(PROBE)
    except (SignerError, ImproperlyConfigured, CryptoError) as e:
        problems.append(f"签名器（CERT_SIGNER={settings.CERT_SIGNER}）不可用：{e}")
        return b""
    if not sm2_verify(public_key=certificate_public_key(certificate_der), data=PROBE, signature=signature):
        problems.append("签名器的试签名未通过其证书的验证")
    if paths.signing_certificate.exists():
        try:
            own = certificate_load(paths.signing_certificate.read_bytes())
        except (CryptoError, OSError) as e:
            problems.append(f"{paths.signing_certificate}（CERT_SIGNING_CERT）不是可读的证书：{e}")
        else:
            if own != certificate_der:
                problems.append(
                    f"本机的 {paths.signing_certificate}（CERT_SIGNING_CERT）不是签名器报告的证书："
                    "删除该文件或换成签名器的证书"
                )
    return certificate_der


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
    maker_fingerprint: str = ""  # of the maker's certificate inside the seal


def key_material_check() -> KeyCheck:
    """Check this host's key files as a verifier of another host's certificates would: each
    one exists and is readable, the signing certificate chains to the CA, the signing key
    belongs to the signing certificate, the seal names that certificate and was made by a
    maker certificate the CA issued, and each of the three certificates has the key usages a
    strict verifier expects (`certificates.profiles`). Where this host holds the maker's files
    (the host that makes seals), they must be the seal's maker and fit together. Returns the
    fingerprints to compare between hosts and the problems found (empty when all is well).

    With a signing service or an HSM (`signer_is_local()` false) the signing key is not on this
    host: the signing certificate is the one the signer reports, and the signer signs a probe."""
    paths = key_paths()
    problems: list[str] = []
    contents: dict[str, bytes] = {}
    for field, setting in shared_files():
        path: Path = getattr(paths, field)
        try:
            contents[field] = path.read_bytes()
        except FileNotFoundError:
            problems.append(f"缺少 {path}（{setting}）")
        except OSError as e:
            problems.append(f"无法读取 {path}（{setting}）：{e.strerror}")
    ca_der = signer_der = maker_der = b""
    if "ca_certificate" in contents:
        try:
            ca_der = certificate_load(contents["ca_certificate"])
        except CryptoError as e:
            problems.append(f"{paths.ca_certificate}（CERT_CA_CERT）不是有效的证书：{e}")
        else:
            problems += certificate_profile_problems(certificate_der=ca_der, role=CertificateRole.CA)
    signer_name = str(paths.signing_certificate) if signer_is_local() else "（签名器报告的证书）"
    if not signer_is_local():
        signer_der = _remote_signer_certificate(paths, problems)
        if signer_der:
            problems += certificate_profile_problems(certificate_der=signer_der, role=CertificateRole.SIGNER)
    elif "signing_certificate" in contents:
        try:
            signer_der = certificate_load(contents["signing_certificate"])
        except CryptoError as e:
            problems.append(f"{paths.signing_certificate}（CERT_SIGNING_CERT）不是有效的证书：{e}")
        else:
            problems += certificate_profile_problems(certificate_der=signer_der, role=CertificateRole.SIGNER)
    if ca_der and signer_der and not certificate_signed_by(certificate_der=signer_der, issuer_der=ca_der):
        problems.append(
            f"签名证书 {signer_name} 不是由根证书 {paths.ca_certificate} 签发的："
            "两者来自不同的主机或不同的批次，请从第一台主机重新复制全部文件"
        )
    if signer_der and "signing_key" in contents:
        problems += _key_pair_problems(
            contents["signing_key"],
            signer_der,
            paths.signing_key,
            paths.signing_certificate,
            "CERT_SIGNING_KEY",
        )
    if signer_der and "seal" in contents:
        try:
            seal = seal_parse(contents["seal"])
        except SESFormatError as e:
            problems.append(f"{paths.seal}（CERT_SEAL_FILE）不是有效的电子印章：{e}")
        else:
            if signer_der not in seal.cert_list and sm3(signer_der) not in seal.cert_list:
                problems.append(
                    f"电子印章 {paths.seal} 不是为签名证书 {signer_name} 制作的："
                    "请从第一台主机重新复制全部文件"
                )
            maker_der = seal.maker_certificate_der
            problems += _maker_problems(maker_der, ca_der, paths)
    return KeyCheck(
        ca_fingerprint=fingerprint(ca_der) if ca_der else "",
        signing_fingerprint=fingerprint(signer_der) if signer_der else "",
        seal_sha256=fingerprint(contents["seal"]) if "seal" in contents else "",
        problems=problems,
        maker_fingerprint=fingerprint(maker_der) if maker_der else "",
    )


def _key_pair_problems(
    key_data: bytes, certificate_der: bytes, key_path: Path, cert_path: Path, setting: str
) -> list[str]:
    try:
        key = private_key_load(key_data)
    except CryptoError as e:
        return [f"{key_path}（{setting}）不是可用的SM2私钥：{e}"]
    if public_key_der(key.public_key()) != certificate_public_key_der(certificate_der):
        return [f"私钥 {key_path} 与证书 {cert_path} 不配对：请从第一台主机重新复制全部文件"]
    return []


def _maker_problems(maker_der: bytes, ca_der: bytes, paths: KeyPaths) -> list[str]:
    """The seal's maker: a certificate of its own, issued by the CA, fit to sign; and, where
    this host has the maker's files, the same certificate and its key."""
    if ca_der and maker_der == ca_der:
        return [
            f"电子印章 {paths.seal} 由根证书直接签署（旧版本制作）：严格的验证器（如Java）会以"
            "「Wrong key usage」拒绝。请在制作印章的主机上运行 `certificate_keys --create` 重新制作"
            "（另建制章者证书，根证书和签名证书不变），再把新的印章文件复制到每一台主机"
        ]
    problems = certificate_profile_problems(certificate_der=maker_der, role=CertificateRole.MAKER)
    if ca_der and not certificate_signed_by(certificate_der=maker_der, issuer_der=ca_der):
        problems.append(f"电子印章 {paths.seal} 的制章者证书不是由根证书 {paths.ca_certificate} 签发的")
    if paths.maker_certificate.exists():
        try:
            own = certificate_load(paths.maker_certificate.read_bytes())
        except (CryptoError, OSError) as e:
            return [*problems, f"{paths.maker_certificate}（CERT_MAKER_CERT）不是可读的证书：{e}"]
        if own != maker_der:
            problems.append(
                f"制章者证书 {paths.maker_certificate}（CERT_MAKER_CERT）不是电子印章 {paths.seal} 的制章者"
            )
        elif paths.maker_key.exists():
            problems += _key_pair_problems(
                paths.maker_key.read_bytes(), own, paths.maker_key, paths.maker_certificate, "CERT_MAKER_KEY"
            )
    return problems
