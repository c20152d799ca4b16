"""From a 加注 copy to the sealed OFD bytes: the data the certificate shows, the writer's
package, the seal, the zip. Runs in the worker (and in `certificate_export` / the benchmark).
A sealed notice goes through the same `sealed_package` (`certificates.notices`)."""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509
from django.utils import timezone

from cases.services import current_attachments
from catalog.specialties import specialty_name
from certificates.crypto import Signer, get_signer, private_key_generate, sm2_sign
from certificates.document import CertificateData, SpecialtyLine
from certificates.keys import seal_der
from certificates.layout import SEAL_CENTER, sample_data
from certificates.models import Certificate, CertificateCopy
from certificates.ofd import OfdPackage, build_ofd, fonts, zip_package
from certificates.ses import seal_parse, ses_signature_parse
from certificates.signing import SIGNED_VALUE_PATH, ofd_sign
from certificates.timestamps import stamper, token_time
from lib.errors import ApplicationError

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """What a worker prepares when it starts, so its first copy is no slower than the next:
    the fonts with the glyphs every certificate draws (`fonts.preload`), the signer (its key
    loaded and checked against its certificate), and one throwaway copy of a made-up
    certificate. A signer that cannot be made now is left to the first copy, which then fails
    with the reason."""
    fonts.preload()
    try:
        signer = get_signer()
    except Exception:
        logger.warning("签章密钥未能预先载入，首次签发时再试", exc_info=True)
        return
    # Python specialises the code a copy runs during its first calls: without this, the
    # first holder's copy paid for it (ISSUE 14: a few ms). Sealed by a key made for it and
    # dropped, never by the seal's key or its signing service, and never time-stamped.
    _ThrowawaySigner(signer.certificate_der).seal(sample_data())


class _ThrowawaySigner:
    """A `Signer` whose key lives for one warm-up copy; its signatures verify against nothing."""

    def __init__(self, certificate_der: bytes) -> None:
        self._private_key = private_key_generate()
        self.certificate_der = certificate_der

    def sign(self, data: bytes) -> bytes:
        return sm2_sign(private_key=self._private_key, data=data)

    def seal(self, data: CertificateData) -> bytes:
        return sealed_package(build_ofd(data), center=SEAL_CENTER, when=timezone.now(), signer=self)


def photo_and_signature(*, certificate: Certificate) -> tuple[bytes, bytes]:
    """The holder's photo and signature from the case that issued this version (every type
    asks for both), else from the case that created the registration."""
    cases = [c for c in (certificate.case, certificate.registration.created_by_case) if c is not None]
    for case in cases:
        files = current_attachments(case)
        if files.get("photo") and files.get("signature"):
            photo, signature = files["photo"][-1], files["signature"][-1]
            break
    else:
        raise ApplicationError("注册档案中缺少照片或签名，请联系发证机关")
    with photo.file.open("rb") as f:
        photo_bytes = f.read()
    with signature.file.open("rb") as f:
        signature_bytes = f.read()
    return photo_bytes, signature_bytes


def certificate_data(*, copy: CertificateCopy, verify_url: str) -> CertificateData:
    certificate = copy.certificate
    registration = certificate.registration
    person = registration.person
    photo, signature = photo_and_signature(certificate=certificate)
    return CertificateData(
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        id_number=person.id_number,
        employer=registration.employer_name,
        registration_number=registration.number,
        specialties=tuple(
            SpecialtyLine(name=specialty_name(s.specialty), valid_from=s.valid_from, valid_to=s.valid_to)
            for s in registration.specialties.all()
        ),
        issued_on=certificate.issued_on,
        authority=registration.created_by_case.department.name,
        photo=photo,
        signature=signature,
        verify_url=verify_url,
        license_id=certificate.license_id,
        usage_valid_until=copy.usage_valid_until,
        copy_serial=str(certificate.copies.filter(pk__lte=copy.pk).count()),
    )


def sealed_ofd(data: CertificateData, *, when: datetime) -> bytes:
    """Draw, seal and zip one certificate."""
    return sealed_package(build_ofd(data), center=SEAL_CENTER, when=when)


def sealed_package(
    package: OfdPackage, *, center: tuple[float, float], when: datetime, signer: Signer | None = None
) -> bytes:
    """Seal an OFD package (a certificate, a notice) with the configured seal and signer, the
    seal's picture centred on `center` (mm) of the package's last page, and zip it; stamped by
    the time-stamping service when one is configured (CERT_TSA), and not made at all while it
    cannot stamp (TimestampError). `signer`: another than the configured one (`warm_up`'s
    throwaway key), and then not stamped."""
    stamp = stamper() if signer is None else None
    seal = seal_der()
    # Drawn at the size the seal declares: the portal's own seal or one from the province's
    # 电子印章 system, whatever its size.
    picture = seal_parse(seal)
    width, height = picture.picture_width_mm, picture.picture_height_mm
    signed = ofd_sign(
        package.files,
        signer=signer or get_signer(),
        seal_der=seal,
        page_id=package.page_id,
        stamp_boundary=(center[0] - width / 2, center[1] - height / 2, width, height),
        when=when,
        next_id=package.stamp_annot_id,
        time_stamp=stamp.stamp if stamp is not None else None,
    )
    return zip_package(signed)


@dataclass(frozen=True)
class SealFacts:
    """What the copy's record keeps of the seal on its file (the public page shows it)."""

    signer_serial: str  # decimal
    stamped_at: datetime | None


def sealed_facts(content: bytes) -> SealFacts:
    """The signer certificate's serial and the trusted time of a file `sealed_ofd` just made
    (the stamper checked the token already: read here, not judged)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parsed = ses_signature_parse(archive.read(SIGNED_VALUE_PATH))
    serial = str(x509.Certificate.load(parsed.signer_certificate_der).serial_number)
    stamped_at = None
    if parsed.time_stamp is not None:
        stamped_at = token_time(parsed.time_stamp)
    return SealFacts(signer_serial=serial, stamped_at=stamped_at)
