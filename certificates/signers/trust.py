"""What a signer that lives elsewhere must prove before the portal seals with it: its
certificate is one this host would verify (chains to CERT_CA_CERT, has the signer profile, is
listed in the seal), and each signature it returns verifies under that certificate."""

from __future__ import annotations

from certificates.crypto import SignerError, certificate_public_key, sm2_verify


def signer_certificate_checked(certificate_der: bytes, *, source: str) -> bytes:
    """`certificate_der` when it can sign this host's certificates; SignerError naming `source`
    (e.g. 「签名服务」) and the first problems otherwise."""
    from certificates.keys import signer_certificate_problems  # keys imports the crypto primitives

    problems = signer_certificate_problems(certificate_der)
    if problems:
        raise SignerError(f"{source}提供的签章者证书不可用：{'；'.join(problems[:3])}")
    return certificate_der


def signature_checked(*, certificate_der: bytes, data: bytes, signature: bytes, source: str) -> bytes:
    """`signature` when it is a valid SM2 signature of `data` under the certificate's key."""
    if not sm2_verify(public_key=certificate_public_key(certificate_der), data=data, signature=signature):
        raise SignerError(f"{source}返回的签名值未通过验证（与签章者证书不符），未使用")
    return signature
