"""The certificate pages (the manual, section 3 and 4(4)–(6)): from 查看详情 of a 办结 case,
「ofd阅读器下载」 and 「公示附件」 → 「加注」 → 加注中… → 「二建建造师注册证书」 → download; 我的证照;
the certificate in the browser and as a PDF; and, for anyone, the verification page the QR
code opens, where an OFD file can also be checked.

Each view reads through `certificates.selectors` (not your certificate: 404) and calls at
most one service; the making of the file happens in the worker, never here."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from PIL import Image

from accounts.roles import administrators_refused
from accounts.selectors import UNVERIFIED_PERSON, request_user, verified_identity
from audit.models import AuditAction
from audit.services import audit_record
from cases.selectors import notice_named
from certificates import selectors
from certificates.document import CertificateData
from certificates.forms import VerifyUploadForm
from certificates.models import Certificate, CertificateCopy, CertificateSettings, CopyStatus, SealedNotice
from certificates.notices import notice_file_name, notice_pdf_copy, notice_public_record
from certificates.preview import render_preview_png, render_preview_svg
from certificates.sealimage import seal_picture_png
from certificates.services import (
    annotate_refusal,
    certificate_copy_request,
    certificate_download_log,
)
from certificates.validity import CertificateVerdict, copy_usage_expired
from certificates.verification import (
    PageHoles,
    PublicRecord,
    page_get,
    page_set,
    public_record,
    shared_page_allowed,
    verification_key,
    verification_record,
)
from certificates.verify import verify_ofd
from lib.errors import ApplicationError
from lib.http import PRIVATE_HEADERS, private
from lib.ratelimit import LimitName, limit_refusal
from portal.display import display_mode_of

COPIES_IN_WINDOW = 10
LOGS_PER_PAGE = 20
PDF_PIXELS_PER_MM = 8.0  # 203 dpi: sharp on paper, about 1 MB
FAILED_NOTE = "加注失败，请重新加注"
_CJK = re.compile(r"[\u3400-\u9fff]")


def _attachment(filename: str) -> str:
    # RFC 5987 (filename*=utf-8''...) for the Chinese name, which every current browser reads.
    header = content_disposition_header(as_attachment=True, filename=filename)
    assert header is not None, "always set for an attachment"
    return header


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("certificates:mine")


def _shown_error(copy: CertificateCopy) -> str:
    # The worker records Chinese reasons meant for the holder (a missing photo) and raw
    # exception texts meant for us; only the former are shown.
    return copy.error if copy.status == CopyStatus.FAILED and _CJK.search(copy.error) else ""


@dataclass(frozen=True)
class CopyRow:
    """A 加注 copy as the lists show it."""

    copy: CertificateCopy
    expired: bool
    error: str


def _rows(copies: Iterable[CertificateCopy], *, today: date) -> list[CopyRow]:
    return [CopyRow(c, copy_usage_expired(c, today=today), _shown_error(c)) for c in copies]


# --- 「ofd阅读器下载」 --------------------------------------------------------------------


@require_GET
def ofd_reader(request: HttpRequest) -> HttpResponse:
    return render(request, "certificates/ofd_reader.html")


# --- 「公示附件」 → 「加注」 → 「二建建造师注册证书」 ---------------------------------------


@login_required
@require_GET
def case_attachments(request: HttpRequest, case_pk: int) -> HttpResponse:
    certificate = selectors.certificate_for_case(user=request_user(request), case_pk=case_pk)
    today = timezone.localdate()
    context: dict[str, Any] = {"case_pk": case_pk, "certificate": certificate, "today": today}
    if certificate is not None:
        copies = selectors.copies_for_certificate(certificate=certificate)[:COPIES_IN_WINDOW]
        rows = _rows(copies, today=today)
        context |= {
            "registration": certificate.registration,
            "rows": rows,
            "pending": any(r.copy.status == CopyStatus.PENDING for r in rows),
            "refusal": annotate_refusal(certificate=certificate, today=today),
            "usage_days": CertificateSettings.current().usage_days,
        }
    partial = request.GET.get("partial") == "1"
    # The page, not its refreshes while a copy is being made (the partial polls every few
    # seconds and shows nothing new about the holder).
    if certificate is not None and not partial:
        _audited(request, AuditAction.ATTACHMENT_VIEW, certificate, note="公示附件")
    template = "certificates/_attachments.html" if partial else "certificates/attachments.html"
    return private(render(request, template, context))


@login_required
@require_POST
def annotate(request: HttpRequest, cert_pk: int) -> HttpResponse:
    user = request_user(request)
    certificate = selectors.certificate_get_for_user(user=user, pk=cert_pk)
    try:
        copy = certificate_copy_request(certificate=certificate, user=user)
    except ApplicationError as e:
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": e.message}, status=409)
        messages.error(request, e.message)
        return redirect(_back(request))
    message = "已提交加注，证书文件生成后即可下载"
    if _wants_json(request):
        status_url = reverse("certificates:copy_status", args=[copy.pk])
        return JsonResponse({"ok": True, "copy_id": copy.pk, "status_url": status_url, "message": message})
    messages.success(request, message)
    return redirect(_back(request))


@login_required
@require_GET
def copy_status(request: HttpRequest, pk: int) -> HttpResponse:
    # `?wait=N`: answer when the copy stops being 加注中, or after N seconds (at most
    # selectors.COPY_AWAIT_MAX_SECONDS) — the page asks again at once, so it learns of the file
    # as soon as the worker has stored it.
    try:
        wait = float(request.GET.get("wait", "0"))
    except ValueError:
        wait = 0.0
    if not math.isfinite(wait):
        wait = 0.0
    copy = selectors.copy_await(user=request_user(request), pk=pk, seconds=wait)
    ready = copy.status == CopyStatus.READY
    return JsonResponse(
        {
            "status": copy.status,
            "status_label": copy.get_status_display(),
            "download_url": reverse("certificates:download", args=[copy.pk]) if ready else None,
            "usage_valid_until": copy.usage_valid_until.isoformat(),
            "error": _shown_error(copy)
            or ("加注失败，请重新加注" if copy.status == CopyStatus.FAILED else ""),
        },
        headers=PRIVATE_HEADERS,
    )


@login_required
@require_GET
@administrators_refused(AuditAction.CERTIFICATE_DOWNLOAD, selectors.copy_named)
def download(request: HttpRequest, pk: int) -> FileResponse:
    user = request_user(request)
    copy = selectors.copy_get_for_user(user=user, pk=pk)
    if copy.status != CopyStatus.READY or not copy.file:
        raise Http404("证书文件尚未生成")
    content = copy.file.open("rb")
    certificate_download_log(copy=copy, user=user, request=request)
    filename = f"二建建造师注册证书-{copy.certificate.registration.number}.ofd"
    response = FileResponse(content, content_type="application/ofd")
    response["Content-Disposition"] = _attachment(filename)
    return private(response)


# --- 我的证照 ------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    today = timezone.localdate()
    # Each certificate's latest copies only, as 公示附件 shows them: a holder may 加注 every
    # day for years. The 证照记录 of every issue, copy and download a page at a time.
    latest = Prefetch(
        "copies",
        queryset=CertificateCopy.objects.order_by("-requested_at", "-id")[:COPIES_IN_WINDOW],
        to_attr="latest_copies",  # a sliced prefetch is a list of its own
    )
    certificates = selectors.certificates_for_user(user=user).prefetch_related(
        latest, "registration__specialties"
    )
    context = {
        "entries": [(c, _rows(c.latest_copies, today=today)) for c in certificates],
        "copies_window": COPIES_IN_WINDOW,
        "logs": Paginator(selectors.logs_for_user(user=user), LOGS_PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "today": today,
        # An account the real-name source has not confirmed holds nothing yet: say how to fix it.
        "unverified": UNVERIFIED_PERSON if user.is_person and verified_identity(user) is None else "",
    }
    return private(render(request, "certificates/mine.html", context))


# --- the certificate in the browser, and a PDF copy --------------------------------------


def _audited(request: HttpRequest, action: AuditAction, certificate: Certificate, *, note: str = "") -> None:
    # Only the holder's own account reaches a certificate here (certificates.selectors).
    audit_record(
        action=action,
        request=request,
        obj=certificate,
        label=f"注册编号 {certificate.registration.number}",
        subject_id=request_user(request).pk,
        detail={"页面": note} if note else None,
    )


def _seal_png(data: CertificateData) -> bytes:
    return seal_picture_png(authority=data.authority)


@login_required
@require_GET
@administrators_refused(AuditAction.CERTIFICATE_PREVIEW, selectors.certificate_named)
def preview(request: HttpRequest, cert_pk: int) -> HttpResponse:
    certificate = selectors.certificate_get_for_user(user=request_user(request), pk=cert_pk)
    _audited(request, AuditAction.CERTIFICATE_PREVIEW, certificate)
    context: dict[str, Any] = {"certificate": certificate, "today": timezone.localdate()}
    try:
        data, copy = selectors.certificate_display_data(certificate=certificate)
    except ApplicationError as e:
        context["error"] = e.message
        return private(render(request, "certificates/preview.html", context))
    # render_preview_svg escapes every text and quotes every attribute it writes.
    # The nonce lets the page's Content-Security-Policy accept the SVG's font <style>.
    nonce = str(request.csp_nonce)  # type: ignore[attr-defined]
    svg = mark_safe(render_preview_svg(data, seal_png=_seal_png(data), style_nonce=nonce))  # noqa: S308
    context |= {"data": data, "copy": copy, "svg": svg}
    return private(render(request, "certificates/preview.html", context))


def _pdf_copy(data: CertificateData) -> bytes:
    png = render_preview_png(data, scale=PDF_PIXELS_PER_MM, seal_png=_seal_png(data))
    out = BytesIO()
    with Image.open(BytesIO(png)) as picture:
        # A4 exactly: the picture is 210 × 297 mm at this many dots per inch.
        picture.convert("RGB").save(
            out, "PDF", resolution=PDF_PIXELS_PER_MM * 25.4, title=data.title, author=data.authority
        )
    return out.getvalue()


@login_required
@require_GET
@administrators_refused(AuditAction.CERTIFICATE_PDF, selectors.certificate_named)
def pdf(request: HttpRequest, cert_pk: int) -> HttpResponse:
    certificate = selectors.certificate_get_for_user(user=request_user(request), pk=cert_pk)
    try:
        data, _ = selectors.certificate_display_data(certificate=certificate)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("certificates:preview", cert_pk=certificate.pk)
    _audited(request, AuditAction.CERTIFICATE_PDF, certificate)
    filename = f"二建建造师注册证书-{certificate.registration.number}（PDF副本）.pdf"
    response = HttpResponse(_pdf_copy(data), content_type="application/pdf")
    response["Content-Disposition"] = _attachment(filename)
    return private(response)


# --- public: the QR code's page, and the file check --------------------------------------


def _checked_at() -> str:
    return timezone.localtime().strftime("%Y-%m-%d %H:%M")


def _record_context(record: PublicRecord) -> dict[str, Any]:
    return {"record": record, "verdict": record.verdict, "Verdicts": CertificateVerdict}


@require_GET
def verify(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Public, no login: what the QR code on every copy opens. Answered from the cache
    (certificates/verification.py, ADR 0030): a visitor like any other gets the page rendered
    once, with this request's time filled in; anyone else the page rendered
    from the kept record."""
    today = timezone.localdate()
    try:
        answer = verification_key(token=token, today=today)
    except Http404:
        return render(request, "certificates/verify_not_found.html", status=404)
    page_key = answer.page_key
    if page_key is None or not shared_page_allowed(request):
        context = {
            **_record_context(verification_record(answer=answer, today=today)),
            "form": VerifyUploadForm(),
        }
        response = render(request, "certificates/verify.html", {**context, "checked_at": _checked_at()})
    else:
        key = f"{page_key}:{display_mode_of(request).value}"
        page = page_get(key)
        if page is None:
            time_mark = PageHoles.mark()
            record = verification_record(answer=answer, today=today)
            # No CSRF token: both forms on this page post where none is needed (the file check
            # and the 关怀版 switch change nothing of the visitor's), and making one for every new
            # visitor was a third of this page's time (ADR 0030).
            html = render_to_string(
                "certificates/verify.html",
                {
                    **_record_context(record),
                    "form": VerifyUploadForm(),
                    "checked_at": time_mark,
                },
                request=request,
            )
            page = PageHoles(html, time_mark)
            page_set(key, page)
        response = HttpResponse(page.fill(checked_at=_checked_at()))
    # The page differs by cookie (login, 关怀版), whichever way it was made.
    patch_vary_headers(response, ("Cookie",))
    return response


# No CSRF check: anyone may check a file here, without an account, and the check changes
# nothing but the per-address and site-wide check limits (a forged post from another site
# spends them as a direct post would); the QR code's page, kept rendered for everyone, then
# carries no token (ADR 0030).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    form = VerifyUploadForm()
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        # Limited per address and overall: each check runs the SM2 and SM3 work, and the page
        # needs no login.
        limited = limit_refusal(LimitName.VERIFY_UPLOAD, request=request)
        if limited:
            context["limited"] = limited
            status = 429
        else:
            form = VerifyUploadForm(request.POST, request.FILES)
            if form.is_valid():
                content: bytes = form.cleaned_data["file"]
                result = verify_ofd(content)
                copy = selectors.copy_for_sealed_file(content=content) if result.ok else None
                context |= {"result": result, "file_name": form.file_name}
                if copy is not None:
                    record = public_record(copy=copy, today=timezone.localdate())
                    context |= {**_record_context(record), "checked_at": _checked_at()}
                elif result.ok and (sealed := selectors.sealed_notice_for_file(content=content)):
                    # A sealed notice (ADR 0033): the same seal, answered as the notice it is.
                    context |= {"notice": notice_public_record(sealed), "checked_at": _checked_at()}
    context["form"] = form
    return render(request, "certificates/verify_upload.html", context, status=status)


# --- sealed notices (ADR 0033) -----------------------------------------------------------------


def _notice_audited(request: HttpRequest, sealed: SealedNotice) -> None:
    # As `cases.views.notice`: the staff's reading of an applicant's notice is on the trail.
    if request_user(request).is_department_staff:
        notice = sealed.notice
        audit_record(
            action=AuditAction.NOTICE_VIEW,
            request=request,
            obj=notice,
            label=f"{notice.case.number} {notice}",
            subject_id=notice.case.applicant_id,
        )


@login_required
@require_GET
@administrators_refused(AuditAction.NOTICE_VIEW, notice_named)
def notice_ofd(request: HttpRequest, pk: int, notice_pk: int) -> FileResponse:
    """「下载OFD」: the sealed notice as issued."""
    sealed = selectors.sealed_notice_get_for_user(user=request_user(request), case_pk=pk, notice_pk=notice_pk)
    content = sealed.file.open("rb")
    _notice_audited(request, sealed)
    response = FileResponse(content, content_type="application/ofd")
    response["Content-Disposition"] = _attachment(notice_file_name(sealed.notice, "ofd"))
    return private(response)


@login_required
@require_GET
@administrators_refused(AuditAction.NOTICE_VIEW, notice_named)
def notice_pdf(request: HttpRequest, pk: int, notice_pk: int) -> HttpResponse:
    """「下载PDF」: a copy of the sealed notice showing the seal and the QR code to its check."""
    sealed = selectors.sealed_notice_get_for_user(user=request_user(request), case_pk=pk, notice_pk=notice_pk)
    _notice_audited(request, sealed)
    response = HttpResponse(notice_pdf_copy(sealed), content_type="application/pdf")
    response["Content-Disposition"] = _attachment(notice_file_name(sealed.notice, "pdf"))
    return private(response)


@require_GET
def notice_verify(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    """Public, no login: what the QR code on a sealed notice opens."""
    limited = limit_refusal(LimitName.VERIFY_NOTICE, request=request)
    if limited:
        return render(request, "certificates/notice_verify.html", {"limited": limited}, status=429)
    try:
        sealed = selectors.sealed_notice_by_token(token=token)
    except Http404:
        return render(request, "certificates/notice_verify.html", {"missing": True}, status=404)
    context = {"notice": notice_public_record(sealed), "checked_at": _checked_at()}
    return render(request, "certificates/notice_verify.html", context)
