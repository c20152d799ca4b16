"""Real files for upload tests, made in memory: a 1-inch photo, a signature, PDFs."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from cases.models import Case
from catalog.models import ServiceItem
from catalog.registration_types import RegistrationType


def photo_png(size: tuple[int, int] = (295, 413)) -> bytes:
    """A white-background 1-inch photo: a dark head and shoulders."""
    w, h = size
    img = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.ellipse((w * 0.25, h * 0.15, w * 0.75, h * 0.70), fill=(60, 45, 40))
    draw.ellipse((w * 0.08, h * 0.72, w * 0.92, h * 1.4), fill=(40, 40, 60))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def signature_png() -> bytes:
    """Black handwriting on white paper."""
    img = Image.new("RGB", (600, 200), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.line(
        [(120, 120), (180, 60), (220, 140), (280, 70), (330, 130), (400, 80), (470, 120)],
        fill=(10, 10, 10),
        width=7,
    )
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def document_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_with_script() -> bytes:
    """A scan that passes every sniffer, with a script hidden after the JPEG end marker."""
    img = Image.new("RGB", (800, 600), (250, 250, 250))
    ImageDraw.Draw(img).rectangle((100, 100, 700, 500), outline=(0, 0, 0), width=5)
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue() + b"<script>alert(document.cookie)</script>"


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# What to upload for each material of 初始注册 so that every check passes.
MATERIAL_FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "application_form": ("申请表.pdf", document_pdf),
    "photo": ("照片.png", photo_png),
    "signature": ("签名.png", signature_png),
    "identity": ("身份证.pdf", document_pdf),
    "qualification": ("资格证书.pdf", document_pdf),
    "labour_contract": ("劳动合同.pdf", document_pdf),
    "education": ("学历证书.pdf", document_pdf),
    "continuing_education": ("继续教育证明.pdf", document_pdf),
}


def stored_files(case: Case) -> list[Path]:
    """Every file in storage under the case's folder."""
    root = Path(settings.MEDIA_ROOT) / "cases" / str(case.uuid)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- going through the pages ------------------------------------------------------------------

REQUIRED_CODES = ("application_form", "photo", "signature", "identity", "qualification", "labour_contract")


def form_post(testcase: Any, **overrides: Any) -> dict[str, Any]:
    """A complete 初始注册 form as the browser posts it (qualification 400 days old)."""
    data: dict[str, Any] = {
        "education": "本科",
        "major": "土木工程",
        "qualification_number": "LN2020123456",
        "qualification_specialties": ["10401001", "10401010"],
        "qualification_date": (date.today() - timedelta(days=400)).isoformat(),
        "employer_name": "辽宁宏建建设集团有限公司",
        "employer_uscc": testcase.enterprise.enterprise.uscc,
        "employer_contact": "赵敏",
        "employer_phone": "024-23447766",
        "specialties": ["10401001"],
        "continuing_education_hours": "",
    }
    data.update(overrides)
    return data


def initial_item() -> ServiceItem:
    return ServiceItem.objects.get(matter__code="ejjzs-zgrd", code=RegistrationType.INITIAL)


def start_url() -> str:
    return reverse("cases:start", args=[initial_item().pk])


def save_new(
    client: Client, data: dict[str, Any], *, token: str | None = None, method: str = "online"
) -> Any:
    """保存信息 on a new form, as the page posts it."""
    post = {**data, "client_token": token or str(uuid.uuid4()), "action": "save"}
    if method:
        post["submit_method"] = method
    return client.post(start_url(), post)


def upload_material(client: Client, case: Case, code: str) -> Any:
    name, make = MATERIAL_FILES[code]
    return client.post(reverse("cases:upload", args=[case.pk, code]), {"file": upload(name, make())})


def upload_required(client: Client, case: Case) -> None:
    for code in REQUIRED_CODES:
        upload_material(client, case, code)
