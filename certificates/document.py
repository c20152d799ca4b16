"""What a certificate shows: the input of the OFD writer and of the preview.

``CertificateData`` holds display-ready values only (the 电子证照标识 already carries its
check character, the 使用有效期 is already decided); the layout decides nothing about them.
``to_record``/``from_record`` give the machine-readable form that travels inside the OFD
as an attachment, so a machine can read the certificate without OCR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

TITLE: Final = "中华人民共和国二级建造师注册证书"
# Identifies the layout of the attachment's JSON, so a reader can tell future versions apart.
RECORD_SCHEMA: Final = "lnzwfw/ejjzs-certificate/1"


@dataclass(frozen=True)
class SpecialtyLine:
    """One 注册专业 with its 有效期 (both days included)."""

    name: str
    valid_from: date
    valid_to: date


@dataclass(frozen=True, kw_only=True)
class CertificateData:
    title: str = TITLE
    name: str
    sex: str
    birth_date: date
    id_number: str
    employer: str
    registration_number: str
    specialties: tuple[SpecialtyLine, ...]
    issued_on: date  # 签发日期
    authority: str  # 发证机关
    photo: bytes  # PNG or JPEG
    signature: bytes  # PNG or JPEG of the holder's handwritten signature
    verify_url: str  # encoded in the QR code
    license_id: str  # 电子证照标识
    usage_valid_until: date | None = None  # 使用有效期, on 加注 copies
    copy_serial: str = ""  # "" on the original, else the number of the 加注 copy


def to_record(data: CertificateData) -> dict[str, Any]:
    """The certificate's data as JSON-ready values (dates as ISO strings, no images)."""
    return {
        "schema": RECORD_SCHEMA,
        "title": data.title,
        "name": data.name,
        "sex": data.sex,
        "birth_date": data.birth_date.isoformat(),
        "id_number": data.id_number,
        "employer": data.employer,
        "registration_number": data.registration_number,
        "specialties": [
            {"name": s.name, "valid_from": s.valid_from.isoformat(), "valid_to": s.valid_to.isoformat()}
            for s in data.specialties
        ],
        "issued_on": data.issued_on.isoformat(),
        "authority": data.authority,
        "verify_url": data.verify_url,
        "license_id": data.license_id,
        "usage_valid_until": data.usage_valid_until.isoformat() if data.usage_valid_until else None,
        "copy_serial": data.copy_serial,
    }


def from_record(record: dict[str, Any], *, photo: bytes = b"", signature: bytes = b"") -> CertificateData:
    """Inverse of ``to_record``; the images travel as separate files, so they are passed in."""
    until = record.get("usage_valid_until")
    return CertificateData(
        title=record["title"],
        name=record["name"],
        sex=record["sex"],
        birth_date=date.fromisoformat(record["birth_date"]),
        id_number=record["id_number"],
        employer=record["employer"],
        registration_number=record["registration_number"],
        specialties=tuple(
            SpecialtyLine(
                name=s["name"],
                valid_from=date.fromisoformat(s["valid_from"]),
                valid_to=date.fromisoformat(s["valid_to"]),
            )
            for s in record["specialties"]
        ),
        issued_on=date.fromisoformat(record["issued_on"]),
        authority=record["authority"],
        photo=photo,
        signature=signature,
        verify_url=record["verify_url"],
        license_id=record["license_id"],
        usage_valid_until=date.fromisoformat(until) if until else None,
        copy_serial=record.get("copy_serial", ""),
    )
