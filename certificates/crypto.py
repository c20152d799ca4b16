"""SM2 / SM3 behind one small interface: the rest of the portal signs through a `Signer` and
verifies with `sm2_verify`, and never touches the library (tongsuopy) directly.

SM2 signatures here are always "SM2 with SM3 and the user ID 1234567812345678" (GM/T 0009,
GB/T 35276): the digest is SM3(Z || M) with Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA).
Tongsuo's EVP_DigestSign applies Z itself with that default ID for an SM2 key (checked against
`openssl pkeyutl ... -pkeyopt distid:1234567812345678` in tests/test_crypto.py, both ways), so
we hand it the whole message. Nonces come from Tongsuo's CSPRNG inside the C library.

Production may replace the local key files by a signing service: settings.CERT_SIGNER names a
zero-argument callable that returns any object with `sign` and `certificate_der`; the adapters
for a signing service over HTTP and for an HSM over PKCS#11 live in `certificates.signers`
(ADR 0031). They need the two halves of the signature computed apart: `sm2_digest` (e = SM3(Z‖M),
on the app host) and `sm2_sign_digest` (on the host that holds the key)."""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import algos, pem, x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InvalidSignature

SM2_USER_ID = b"1234567812345678"  # the default ID every party assumes (GM/T 0009-2012 §10)
OID_SM2_WITH_SM3 = "1.2.156.10197.1.501"
OID_SM3 = "1.2.156.10197.1.401"
OID_SM2_CURVE = "1.2.156.10197.1.301"
ALGORITHM_SM2_SM3 = "SM2-SM3"  # the name the signing service contract gives this algorithm

# tongsuopy ships no type information; these names document what the functions take.
PrivateKey = Any  # tongsuopy EllipticCurvePrivateKey on the SM2 curve
PublicKey = Any  # tongsuopy EllipticCurvePublicKey on the SM2 curve


class CryptoError(Exception):
    """Key or certificate material that cannot be used (wrong format, not SM2)."""


class SignerError(Exception):
    """The configured signer could not give a usable signature this time (a signing service
    down, refusing or answering wrongly; an HSM locked or missing). `str()` is a short Chinese
    reason for the copy's error and the log; the task that asked is retried."""


def _sm3_hashlib(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest()


def _sm3_tongsuo(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    result: bytes = digest.finalize()
    return result


try:
    hashlib.new("sm3")
    _sm3 = _sm3_hashlib  # OpenSSL's C implementation through hashlib: the fastest here
except ValueError:  # an OpenSSL build without SM3 behind hashlib
    _sm3 = _sm3_tongsuo


def sm3(data: bytes) -> bytes:
    """The 32-byte SM3 digest of `data` (GB/T 32905)."""
    return _sm3(data)


class Signer(Protocol):
    """Signs with the issuing authority's SM2 key; holds the matching X.509 certificate."""

    @property
    def certificate_der(self) -> bytes: ...

    def sign(self, data: bytes) -> bytes:
        """SM2 signature (SM3, user ID 1234567812345678) of `data`, DER SEQUENCE {r, s}."""
        ...


_SIGNATURE_ALGORITHM = ec.ECDSA(hashes.SM3())  # on an SM2 key Tongsuo makes this SM2-with-SM3


def sm2_sign(*, private_key: PrivateKey, data: bytes) -> bytes:
    """SM2 signature (SM3, user ID 1234567812345678) of `data` with a key in this process."""
    signature: bytes = private_key.sign(data, _SIGNATURE_ALGORITHM)
    return signature


class LocalSigner:
    """A private key held in this process (loaded from a PEM file) and its certificate."""

    def __init__(self, *, private_key: PrivateKey, certificate_der: bytes) -> None:
        if public_key_der(private_key.public_key()) != certificate_public_key_der(certificate_der):
            raise CryptoError("私钥与证书不匹配 / the private key does not match the certificate")
        self._private_key = private_key
        self._certificate_der = certificate_der

    @property
    def certificate_der(self) -> bytes:
        return self._certificate_der

    def sign(self, data: bytes) -> bytes:
        return sm2_sign(private_key=self._private_key, data=data)

    def sign_digest(self, digest: bytes) -> bytes:
        """The signature of a message whose e = SM3(Z ‖ M) was computed elsewhere (the signing
        service's call, `certificates.signers.service`)."""
        return sm2_sign_digest(private_key=self._private_key, digest=digest)

    @classmethod
    def from_files(cls, *, key_path: Path, certificate_path: Path) -> LocalSigner:
        return cls(
            private_key=private_key_load(key_path.read_bytes()),
            certificate_der=certificate_load(certificate_path.read_bytes()),
        )


# --- the two halves of an SM2 signature, for signers that live elsewhere -------------------

# GB/T 32918.5 curve parameters: a, b and the base point, as Z hashes them (32 bytes each).
_SM2_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_SM2_CURVE_PARAMETERS = b"".join(
    value.to_bytes(32, "big")
    for value in (
        _SM2_P - 3,
        0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
        0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
        0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
    )
)


def sm2_z(*, public_key: PublicKey, user_id: bytes = SM2_USER_ID) -> bytes:
    """Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) of the signer's public key (GB/T 32918.2 §5.5)."""
    point: bytes = public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return sm3((len(user_id) * 8).to_bytes(2, "big") + user_id + _SM2_CURVE_PARAMETERS + point[1:])


def sm2_digest(*, public_key: PublicKey, data: bytes) -> bytes:
    """e = SM3(Z ‖ M): what an SM2 signature of `data` by the holder of `public_key` signs
    (the value a signing service or an HSM's digest mechanism is given, GB/T 35276 §7)."""
    return sm3(sm2_z(public_key=public_key) + data)


def sm2_sign_digest(*, private_key: PrivateKey, digest: bytes) -> bytes:
    """SM2 signature (DER) of a 32-byte e computed elsewhere by `sm2_digest`: the signing
    service's half. tongsuopy has no public call for it, so this one goes to Tongsuo's
    EVP_PKEY_sign, which for an SM2 key signs e as given (tests/test_crypto.py checks the result
    against `sm2_verify` of the whole message)."""
    if len(digest) != 32:
        raise CryptoError("SM2 摘要必须是32字节 / the SM2 digest e must be 32 bytes")
    from tongsuopy.backends.tongsuo.backend import backend

    lib, ffi = backend._lib, backend._ffi
    context = lib.EVP_PKEY_CTX_new(private_key._evp_pkey, ffi.NULL)
    if context == ffi.NULL:
        raise CryptoError("Tongsuo: EVP_PKEY_CTX_new failed")
    try:
        length = ffi.new("size_t *", 80)
        buffer = ffi.new("unsigned char[]", 80)
        if (
            lib.EVP_PKEY_sign_init(context) != 1
            or lib.EVP_PKEY_sign(context, buffer, length, digest, 32) != 1
        ):
            backend._consume_errors()
            raise CryptoError("Tongsuo: SM2 签名失败 / EVP_PKEY_sign failed")
        signature: bytes = ffi.buffer(buffer)[: length[0]]
    finally:
        lib.EVP_PKEY_CTX_free(context)
    return signature


def signature_from_raw(raw: bytes) -> bytes:
    """DER SEQUENCE {r, s} from the 64-byte r ‖ s that PKCS#11 EC mechanisms return."""
    if len(raw) != 64:
        raise CryptoError(f"SM2 签名值应为64字节（r‖s），实为{len(raw)}字节")
    der: bytes = algos.DSASignature(
        {"r": int.from_bytes(raw[:32], "big"), "s": int.from_bytes(raw[32:], "big")}
    ).dump()
    return der


def sm2_verify(*, public_key: PublicKey, data: bytes, signature: bytes) -> bool:
    """True when `signature` (DER SEQUENCE {r, s}) is a valid SM2-with-SM3 signature of `data`
    under `public_key` with the user ID 1234567812345678."""
    if not _is_der_signature(signature):
        # Tongsuo answers a malformed signature with an internal error, not a "no".
        return False
    try:
        public_key.verify(signature, data, _SIGNATURE_ALGORITHM)
    except InvalidSignature:
        return False
    return True


def _is_der_signature(signature: bytes) -> bool:
    try:
        parsed = algos.DSASignature.load(signature, strict=True)
        r: int = parsed["r"].native
        s: int = parsed["s"].native
        canonical: bool = parsed.dump(force=True) == signature
    except (ValueError, TypeError):
        return False
    return canonical and 0 < r < 2**256 and 0 < s < 2**256


# --- keys ---------------------------------------------------------------------------------


def private_key_generate() -> PrivateKey:
    return ec.generate_private_key(ec.SM2())


def private_key_pem(private_key: PrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted: the file itself is protected (0600, outside the repository)."""
    pem_bytes: bytes = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem_bytes


def private_key_load(data: bytes) -> PrivateKey:
    """An SM2 private key from PEM (PKCS#8 or SEC1) or DER."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, None)
        else:
            key = serialization.load_der_private_key(data, None)
    except Exception as e:  # tongsuopy raises several kinds for an unusable key
        raise CryptoError(f"无法读取SM2私钥 / not a readable SM2 private key: {e}") from e
    if not isinstance(getattr(key, "curve", None), ec.SM2):
        raise CryptoError("私钥不是SM2私钥 / the private key is not an SM2 key")
    return key


def public_key_der(public_key: PublicKey) -> bytes:
    """SubjectPublicKeyInfo DER (id-ecPublicKey with the SM2 curve OID)."""
    der: bytes = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def public_key_load_der(spki_der: bytes) -> PublicKey:
    try:
        key = serialization.load_der_public_key(spki_der)
    except Exception as e:  # an RSA or NIST-curve key lands here: only SM2 is supported
        raise CryptoError(f"公钥不是SM2公钥 / not an SM2 public key: {e}") from e
    if not isinstance(getattr(key, "curve", None), ec.SM2):
        raise CryptoError("公钥不是SM2公钥 / not an SM2 public key")
    return key


# --- certificates -------------------------------------------------------------------------


def certificate_load(data: bytes) -> bytes:
    """DER bytes of a certificate given as PEM or DER (checked to parse)."""
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    try:
        x509.Certificate.load(data, strict=True)["tbs_certificate"]["subject_public_key_info"].dump()
    except (ValueError, TypeError, KeyError) as e:
        raise CryptoError(f"不是有效的X.509证书 / not an X.509 certificate: {e}") from e
    return data


def certificate_pem(der: bytes) -> bytes:
    pem_bytes: bytes = pem.armor("CERTIFICATE", der)
    return pem_bytes


def certificate_public_key_der(certificate_der: bytes) -> bytes:
    spki: bytes = x509.Certificate.load(certificate_der)["tbs_certificate"]["subject_public_key_info"].dump()
    return spki


def certificate_public_key(certificate_der: bytes) -> PublicKey:
    """The SM2 public key of a DER certificate."""
    try:
        spki = certificate_public_key_der(certificate_der)
    except (ValueError, TypeError, KeyError) as e:
        raise CryptoError(f"不是有效的X.509证书 / not an X.509 certificate: {e}") from e
    return public_key_load_der(spki)


def certificate_subject(certificate_der: bytes) -> str:
    """The subject as people read it: 'CN=…, O=…'."""
    return _name_text(x509.Certificate.load(certificate_der).subject)


def certificate_common_name(certificate_der: bytes) -> str:
    name: str = x509.Certificate.load(certificate_der).subject.native.get("common_name", "")
    return name


def certificate_validity(certificate_der: bytes) -> tuple[datetime, datetime]:
    validity = x509.Certificate.load(certificate_der)["tbs_certificate"]["validity"]
    return validity["not_before"].native, validity["not_after"].native


def _name_text(name: x509.Name) -> str:
    labels = {"common_name": "CN", "organization_name": "O", "country_name": "C"}
    return ", ".join(f"{labels.get(key, key)}={value}" for key, value in reversed(list(name.native.items())))


def certificate_signed_by(*, certificate_der: bytes, issuer_der: bytes) -> bool:
    """True when `certificate_der` names `issuer_der`'s subject as issuer and carries a valid
    SM2-with-SM3 signature by its key over the TBSCertificate (exactly as encoded)."""
    try:
        certificate = x509.Certificate.load(certificate_der)
        issuer = x509.Certificate.load(issuer_der)
        # Byte equality first: the normalising comparison costs a millisecond.
        if certificate.issuer.dump() != issuer.subject.dump() and certificate.issuer != issuer.subject:
            return False
        if certificate["signature_algorithm"]["algorithm"].dotted != OID_SM2_WITH_SM3:
            return False
        return sm2_verify(
            public_key=certificate_public_key(issuer_der),
            data=certificate["tbs_certificate"].dump(),
            signature=certificate["signature_value"].native,
        )
    except (ValueError, TypeError, KeyError, CryptoError):
        return False


# --- the configured signer ----------------------------------------------------------------

LOCAL_SIGNER = "certificates.crypto.local_signer"


def signer_is_local() -> bool:
    """Whether this host signs with the key files itself (the default), rather than through a
    signing service or an HSM that keeps the key (then CERT_SIGNING_KEY is not expected here)."""
    return str(settings.CERT_SIGNER) == LOCAL_SIGNER


def _missing(path: Path, setting: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"电子证照签章密钥文件不存在：{path}（环境变量 {setting}）。"
        "本机演示请运行 `make run` 或 `python manage.py certificate_keys --create` 生成测试密钥；"
        "多台主机请从第一台主机复制同一套文件；"
        f"生产环境请把 {setting} 指向发证机关的文件。 / "
        f"The certificate signing file {path} is missing (environment variable {setting}): "
        "run `make run` or `python manage.py certificate_keys --create` to create test keys "
        "(on the first host only; copy them to the others), "
        f"or point {setting} at the issuing authority's file in production."
    )


def local_signer() -> LocalSigner:
    """The default CERT_SIGNER: the key and certificate files named in settings."""
    key_path = Path(settings.CERT_SIGNING_KEY)
    certificate_path = Path(settings.CERT_SIGNING_CERT)
    if not key_path.is_file():
        raise _missing(key_path, "CERT_SIGNING_KEY")
    if not certificate_path.is_file():
        raise _missing(certificate_path, "CERT_SIGNING_CERT")
    try:
        return LocalSigner.from_files(key_path=key_path, certificate_path=certificate_path)
    except CryptoError as e:
        raise ImproperlyConfigured(
            f"CERT_SIGNING_KEY={key_path} / CERT_SIGNING_CERT={certificate_path}: {e}"
        ) from e


@functools.lru_cache(maxsize=4)
def _signer_for(factory_path: str, *where: str) -> Signer:
    # Where the signer is (paths, address) is part of the cache key so that a test's
    # override_settings gets its own signer.
    signer: Signer = import_string(factory_path)()
    return signer


def get_signer() -> Signer:
    """The signer chosen by settings.CERT_SIGNER, made once per process (loading a key and
    checking it against its certificate costs more than a signature; a signing service's
    certificate is fetched and checked once)."""
    return _signer_for(
        settings.CERT_SIGNER,
        str(settings.CERT_SIGNING_KEY),
        str(settings.CERT_SIGNING_CERT),
        str(getattr(settings, "CERT_SIGNER_URL", "")),
        str(getattr(settings, "CERT_PKCS11_MODULE", "")),
    )


def signer_cache_clear() -> None:
    """Forget the cached signer (after the key files were replaced)."""
    _signer_for.cache_clear()
