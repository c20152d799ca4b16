"""What each certificate around the seal must say, so that a strict verifier accepts it: the one
home of the rule that `certificates.keys` follows when it makes certificates, that
`certificate_keys --check` applies to whatever files a host holds (ours or a province's), and
whose core the verifier applies to every sealed file.

Three certificates take part (GB/T 38540):
- the root CA (根证书): the trust anchor; issues the other two. basicConstraints CA:true,
  keyUsage keyCertSign and cRLSign;
- the seal maker (制章者): signs SES_SealInfo, i.e. makes the seal. An end entity:
  keyUsage digitalSignature only, not a CA;
- the signer (签章者, the issuing authority): signs TBS_Sign on every certificate file.
  keyUsage digitalSignature and nonRepudiation (it commits the authority to the content), not a CA.

The strict verifiers met in practice are Java's: `Signature.initVerify(Certificate)` refuses a
certificate whose keyUsage is critical and lacks digitalSignature (「Wrong key usage」), and the
PKIX validator refuses a CA certificate without basicConstraints CA:true or keyCertSign and any
certificate carrying a critical extension it does not know. Java's PKIX leaves
extendedKeyUsage to the application: none of our certificates carries one (no EKU means no
restriction), and the check below demands nothing of it beyond being an extension PKIX knows."""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import x509
from django.db import models


class CertificateRole(models.TextChoices):
    CA = "ca", "根证书"
    MAKER = "maker", "制章者证书"
    SIGNER = "signer", "签章者证书"


@dataclass(frozen=True)
class Profile:
    ca: bool
    key_usage: frozenset[str]  # asn1crypto's names, as certificate_build writes them


PROFILES: dict[CertificateRole, Profile] = {
    CertificateRole.CA: Profile(ca=True, key_usage=frozenset({"key_cert_sign", "crl_sign"})),
    CertificateRole.MAKER: Profile(ca=False, key_usage=frozenset({"digital_signature"})),
    CertificateRole.SIGNER: Profile(ca=False, key_usage=frozenset({"digital_signature", "non_repudiation"})),
}

# In the order of the keyUsage bits (RFC 5280 §4.2.1.3), which is how messages list them.
_USAGE_NAMES = {
    "digital_signature": "数字签名（digitalSignature）",
    "non_repudiation": "不可否认（nonRepudiation）",
    "key_cert_sign": "证书签名（keyCertSign）",
    "crl_sign": "CRL签名（cRLSign）",
}

# The extensions Java's PKIXCertPathValidator resolves when critical (RFC 5280 §4.2): a
# critical extension outside this set makes it refuse the whole path.
PKIX_KNOWN_CRITICAL = frozenset(
    {
        "basic_constraints",
        "key_usage",
        "extended_key_usage",
        "subject_alt_name",
        "name_constraints",
        "certificate_policies",
        "policy_mappings",
        "policy_constraints",
        "inhibit_any_policy",
    }
)


def _usages(names: frozenset[str]) -> str:
    return "、".join(text for name, text in _USAGE_NAMES.items() if name in names)


def signing_usage_allowed(certificate_der: bytes) -> bool:
    """May this certificate's key verify a signature over data (not a certificate)? Java's
    `Signature.initVerify(Certificate)` answers no when keyUsage is critical without
    digitalSignature; RFC 5280 §4.2.1.3 restricts the key by a keyUsage whether critical or not,
    so we refuse a present keyUsage without digitalSignature either way. No keyUsage at all
    means no restriction; an extension that cannot be read is a no."""
    try:
        usage = x509.Certificate.load(certificate_der).key_usage_value
        return usage is None or "digital_signature" in usage.native
    except (ValueError, TypeError, KeyError):
        return False


def certificate_profile_problems(*, certificate_der: bytes, role: CertificateRole) -> list[str]:
    """What a strict verifier would hold against this certificate in this role (empty when
    nothing): the key usages the role needs, basicConstraints, and no critical extension that
    PKIX does not know."""
    label = role.label
    try:
        certificate = x509.Certificate.load(certificate_der)
        usage = certificate.key_usage_value
        constraints = certificate.basic_constraints_value
        critical = set(certificate.critical_extensions)
    except (ValueError, TypeError, KeyError) as e:
        return [f"{label}无法解析：{e}"]
    profile = PROFILES[role]
    problems: list[str] = []
    is_ca = bool(constraints is not None and constraints["ca"].native)
    if profile.ca and not is_ca:
        problems.append(f"{label}缺少 basicConstraints CA:TRUE，不能签发证书")
    if not profile.ca and is_ca:
        problems.append(f"{label}是CA证书（basicConstraints CA:TRUE），应为终端实体证书")
    needed = profile.key_usage if role != CertificateRole.CA else frozenset({"key_cert_sign"})
    if usage is None:
        problems.append(f"{label}没有 keyUsage 扩展，应有：" + _usages(needed))
    else:
        missing = needed - set(usage.native)
        if missing:
            problems.append(f"{label}的密钥用法缺少：" + _usages(missing))
    unknown = critical - PKIX_KNOWN_CRITICAL
    if unknown:
        problems.append(f"{label}含有严格验证器不认识的关键扩展：{'、'.join(sorted(unknown))}")
    return problems
