"""Certificate data for the OFD, layout and preview tests; images drawn here with Pillow."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from PIL import Image, ImageDraw

from certificates.document import CertificateData, SpecialtyLine

# A name with a character beyond the BMP (𠮷 U+20BB7) and one outside GB2312 (堃).
RARE_NAME = "王𠮷堃"
LICENSE_ID = "1.2.156.3005.2.11210000.11210000MB0123456X.000001.001.K"


def photo_bytes(fmt: str = "PNG") -> bytes:
    """A 295×413 px stand-in for a 一寸 photo: light background, a head and shoulders."""
    image = Image.new("RGB", (295, 413), (235, 242, 250))
    draw = ImageDraw.Draw(image)
    draw.ellipse((95, 70, 200, 200), fill=(230, 190, 160))
    draw.rectangle((60, 230, 235, 413), fill=(40, 50, 80))
    draw.ellipse((80, 190, 215, 290), fill=(40, 50, 80))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def signature_bytes() -> bytes:
    image = Image.new("RGB", (600, 200), "white")
    draw = ImageDraw.Draw(image)
    stroke = [(40, 140), (120, 60), (160, 150), (230, 70), (300, 140), (380, 60), (450, 130), (560, 90)]
    draw.line(stroke, fill=(20, 20, 20), width=8)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seal_bytes() -> bytes:
    """A red ring on transparency, standing in for the authority's seal picture."""
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 390, 390), outline=(220, 0, 0, 255), width=16)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def certificate_data(**changes: Any) -> CertificateData:
    values: dict[str, Any] = {
        "name": RARE_NAME,
        "sex": "男",
        "birth_date": date(1985, 3, 7),
        "id_number": "21010219850307123X",
        "employer": "辽宁省赟达建筑工程集团有限公司",
        "registration_number": "辽221080812345",
        "specialties": (
            SpecialtyLine("建筑工程", date(2024, 5, 1), date(2027, 4, 30)),
            SpecialtyLine("市政公用工程", date(2024, 6, 1), date(2027, 5, 31)),
        ),
        "issued_on": date(2024, 5, 1),
        "authority": "辽宁省住房和城乡建设厅",
        "photo": photo_bytes(),
        "signature": signature_bytes(),
        "verify_url": f"https://zwfw.ln.gov.cn/certificates/v/{LICENSE_ID}",
        "license_id": LICENSE_ID,
        "usage_valid_until": date(2024, 10, 28),
        "copy_serial": "3",
    }
    values.update(changes)
    return CertificateData(**values)
