"""The open API, /api/v1/ (docs/api.md; ADR 0022): django-ninja, its OpenAPI description at
/api/v1/openapi.json and its docs page at /api/v1/docs (Swagger UI from our own static files).

Three kinds of caller, three routers:
- `public`: anyone, with the same rules and limits as the pages (the same counters: a caller
  gains nothing by switching between the page and the API);
- `partner`: relying parties, every request signed (api/auth.py), each endpoint needing one
  scope, every call audited;
- `me`: an applicant signed in to the portal, reading only their own cases and certificates.

Each endpoint parses, reads through the domain's selectors and answers (api/records.py)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django import forms
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_GET
from ninja import NinjaAPI, Router, Swagger, UploadedFile
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.params.functions import File, Path  # typed as Any, for defaults
from ninja.renderers import JSONRenderer

from accounts.selectors import account_of_identity, request_user
from api import records
from api.auth import ApplicantSession, SignedRequest, party_audit
from api.errors import STATUS, ApiError, ApiErrorCode
from api.models import ApiScope, RelyingParty
from api.schemas import (
    CaseDetail,
    CaseSummary,
    CertificateRecord,
    Error,
    MyCertificate,
    RegisterQuery,
    RegisterRecord,
    SealCheck,
)
from audit.models import AuditAction, AuditResult
from cases.selectors import case_get_for_applicant_by_number, case_list_for_applicant
from certificates import selectors as certificate_selectors
from certificates.forms import VerifyUploadForm
from certificates.models import Certificate, CertificateCopy
from certificates.verify import verify_ofd
from lib.ratelimit import LimitName, limit_refusal
from registry import selectors as registry_selectors
from registry.forms import RegisterQueryForm
from registry.models import Person, Registration

logger = logging.getLogger(__name__)

DESCRIPTION = """辽宁政务服务网二级建造师注册的开放接口。

- **公开接口**（`/public/`）：任何人可调用，与网页的证书核验、注册人员查询规则和频率限制相同。
- **调用方接口**（`/partner/`）：由系统管理员登记的调用方使用，每个请求须签名：请求头
  `X-Api-Key`（应用标识）、`X-Api-Timestamp`（Unix 秒）、`X-Api-Nonce`（16–64 位随机串，每次不同）、
  `X-Api-Signature`（HMAC-SM3 签名，十六进制小写）。签名方法与示例见 `docs/api.md`。
- **申请人接口**（`/me/`）：已登录的申请人查询本人的办件和证照（登录会话）。

所有错误均为 JSON：`{"code": "稳定的错误代码", "message": "中文说明"}`。"""


class Utf8JSONRenderer(JSONRenderer):
    # Chinese as characters, not \\uXXXX escapes: the answers are read by people too.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="辽宁政务服务网开放接口",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    renderer=Utf8JSONRenderer(),
    # Swagger UI from django-ninja's own static files ("ninja" is an installed app): the
    # site's Content-Security-Policy allows scripts from our origin only. No validator badge,
    # which would load an image from swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0}),
)


def _error(request: HttpRequest, error: ApiError) -> HttpResponse:
    return api.create_response(request, error.body(), status=error.status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _error(request, exc)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = [".".join(str(part) for part in e.get("loc", ())[1:]) for e in exc.errors]
    named = "、".join(f for f in dict.fromkeys(fields) if f)
    message = f"请求参数有误：{named}" if named else str(ApiErrorCode.INVALID_REQUEST.label)
    return _error(request, ApiError(ApiErrorCode.INVALID_REQUEST, message))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, ApiError(ApiErrorCode.NOT_AUTHENTICATED))


_BY_STATUS = {status: code for code, status in STATUS.items() if status not in (401,)}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own refusals: a body that is not JSON (400), a CSRF failure (403).
    code = _BY_STATUS.get(exc.status_code, ApiErrorCode.INVALID_REQUEST)
    return _error(request, ApiError(code))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, ApiError(ApiErrorCode.NOT_FOUND, str(exc) or ""))


@api.exception_handler(RequestDataTooBig)
def _too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, ApiError(ApiErrorCode.PAYLOAD_TOO_LARGE))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s", request.method)
    return _error(request, ApiError(ApiErrorCode.INTERNAL_ERROR))


# --- what every kind of endpoint may answer besides 200 (the OpenAPI description) --------------

PUBLIC_ERRORS: dict[int, Any] = {404: Error, 422: Error, 429: Error}
PARTNER_ERRORS: dict[int, Any] = {
    401: Error,
    403: Error,
    404: Error,
    413: Error,
    422: Error,
    429: Error,
    503: Error,
}
ME_ERRORS: dict[int, Any] = {401: Error, 403: Error, 404: Error, 422: Error}

TokenPath = Path(..., description="证书二维码中的核验码（UUID）")
# Patterns as strict as the values are: anything else is refused (422) before a query.
LicensePath = Path(
    ..., max_length=120, pattern=r"^[0-9A-Za-z.]+$", description="电子证照标识，如 1.2.156.3005.2.…"
)
CaseNumberPath = Path(
    ..., max_length=32, pattern=r"^[0-9A-Za-z]+$", description="办件编号，如 LN2026030100001"
)
OfdFile = File(..., description="OFD证书文件，不超过5MB")


def _limited(name: LimitName, request: HttpRequest, subject: str = "") -> None:
    refusal = limit_refusal(name, request=request, subject=subject)
    if refusal:
        raise ApiError(ApiErrorCode.RATE_LIMITED, refusal)


def _form_message(form: forms.Form) -> str:
    """A refused form's messages, each said once (two fields refused for the same reason give
    one sentence: lib/forms.py words the messages so that they stand alone)."""
    return "；".join(dict.fromkeys(str(m) for errors in form.errors.values() for m in errors))


def _upload(file: UploadedFile) -> bytes:
    """The uploaded file, checked by the page's own form (size, empty file)."""
    form = VerifyUploadForm(data={}, files=MultiValueDict({"file": [file]}))
    if not form.is_valid():
        raise ApiError(ApiErrorCode.INVALID_REQUEST, _form_message(form))
    content: bytes = form.cleaned_data["file"]
    return content


def _checked_file(content: bytes) -> tuple[dict[str, object], CertificateCopy | None]:
    # As the page does (certificates.views.verify_upload): the seal first, then the record.
    result = verify_ofd(content)
    copy = certificate_selectors.copy_for_sealed_file(content=content) if result.ok else None
    return records.seal_check(result, copy), copy


def _register_entry(query: RegisterQuery) -> registry_selectors.RegisterEntry:
    # The page's form normalises what was typed (blanks around, spaces inside the number).
    form = RegisterQueryForm(data={"name": query.name, "number": query.number})
    if not form.is_valid():
        raise ApiError(ApiErrorCode.INVALID_REQUEST, _form_message(form))
    registration = registry_selectors.registration_for_public_query(
        name=form.cleaned_data["name"], number=form.cleaned_data["number"]
    )
    if registration is None:
        raise ApiError(ApiErrorCode.NOT_FOUND, registry_selectors.PUBLIC_QUERY_NOT_FOUND)
    return registry_selectors.register_entry(registration=registration, today=timezone.localdate())


# --- public -------------------------------------------------------------------------------------

public = Router(tags=["公开接口"])


@public.get(
    "/certificates/by-token/{token}",
    response={200: CertificateRecord, **PUBLIC_ERRORS},
    summary="按二维码核验码核验证书",
    operation_id="public_certificate_by_token",
)
def public_by_token(request: HttpRequest, token: uuid.UUID = TokenPath) -> dict[str, object]:
    # As the page the QR code opens: no limit (a token is a random UUID, nothing to guess).
    return records.copy_record(certificate_selectors.copy_by_token(token=token))


@public.get(
    "/certificates/by-license-id/{license_id}",
    response={200: CertificateRecord, **PUBLIC_ERRORS},
    summary="按电子证照标识核验证书",
    operation_id="public_certificate_by_license_id",
)
def public_by_license_id(request: HttpRequest, license_id: str = LicensePath) -> dict[str, object]:
    _limited(LimitName.VERIFY_LICENSE, request, license_id)
    return records.certificate_record(certificate_selectors.certificate_by_license_id(license_id=license_id))


@public.post(
    "/certificates/check-file",
    response={200: SealCheck, **PUBLIC_ERRORS},
    summary="上传OFD证书文件核验",
    operation_id="public_certificate_check_file",
)
def public_check_file(request: HttpRequest, file: UploadedFile = OfdFile) -> dict[str, object]:
    _limited(LimitName.VERIFY_UPLOAD, request)
    answer, _ = _checked_file(_upload(file))
    return answer


@public.post(
    "/register/query",
    response={200: RegisterRecord, **PUBLIC_ERRORS},
    summary="注册人员查询（姓名＋注册编号）",
    operation_id="public_register_query",
)
def public_register_query(request: HttpRequest, query: RegisterQuery) -> dict[str, object]:
    _limited(LimitName.REGISTER_QUERY, request, query.number)
    return records.register_record(_register_entry(query))


# --- relying parties ----------------------------------------------------------------------------

partner = Router(tags=["调用方接口（签名）"])
_VERIFY = SignedRequest(scope=ApiScope.CERTIFICATE_VERIFY, action=AuditAction.API_CERTIFICATE_VERIFY)
_REGISTER = SignedRequest(scope=ApiScope.REGISTER_READ, action=AuditAction.API_REGISTER_QUERY)


def _party(request: HttpRequest) -> RelyingParty:
    party = request.auth  # type: ignore[attr-defined]  # set by ninja after SignedRequest
    assert isinstance(party, RelyingParty)
    return party


def _subject_of(person: Person) -> int | None:
    """The account whose data was answered: the holder sees the call in 我的信息."""
    account = account_of_identity(id_type=person.id_type, id_number=person.id_number)
    return account.pk if account is not None else None


def _certificate_call(
    request: HttpRequest, certificate: Certificate | None, *, how: str, detail: dict[str, Any] | None = None
) -> None:
    party = _party(request)
    if certificate is None:
        party_audit(
            request=request,
            party=party,
            action=AuditAction.API_CERTIFICATE_VERIFY,
            result=AuditResult.FAILURE,
            label=party.name,
            detail={"方式": how, "结果": "未找到", **(detail or {})},
        )
        return
    registration: Registration = certificate.registration
    party_audit(
        request=request,
        party=party,
        action=AuditAction.API_CERTIFICATE_VERIFY,
        obj=certificate,
        label=f"注册编号 {registration.number}",
        subject_id=_subject_of(registration.person),
        detail={"方式": how, **(detail or {})},
    )


@partner.get(
    "/certificates/by-token/{token}",
    auth=_VERIFY,
    response={200: CertificateRecord, **PARTNER_ERRORS},
    summary="按二维码核验码核验证书（certificate:verify）",
    operation_id="partner_certificate_by_token",
)
def partner_by_token(request: HttpRequest, token: uuid.UUID = TokenPath) -> dict[str, object]:
    try:
        copy = certificate_selectors.copy_by_token(token=token)
    except Http404:
        _certificate_call(request, None, how="核验码")
        raise
    _certificate_call(request, copy.certificate, how="核验码")
    return records.copy_record(copy)


@partner.get(
    "/certificates/by-license-id/{license_id}",
    auth=_VERIFY,
    response={200: CertificateRecord, **PARTNER_ERRORS},
    summary="按电子证照标识核验证书（certificate:verify）",
    operation_id="partner_certificate_by_license_id",
)
def partner_by_license_id(request: HttpRequest, license_id: str = LicensePath) -> dict[str, object]:
    try:
        certificate = certificate_selectors.certificate_by_license_id(license_id=license_id)
    except Http404:
        _certificate_call(request, None, how="电子证照标识")
        raise
    _certificate_call(request, certificate, how="电子证照标识")
    return records.certificate_record(certificate)


@partner.post(
    "/certificates/check-file",
    auth=_VERIFY,
    response={200: SealCheck, **PARTNER_ERRORS},
    summary="上传OFD证书文件核验（certificate:verify）",
    operation_id="partner_certificate_check_file",
)
def partner_check_file(request: HttpRequest, file: UploadedFile = OfdFile) -> dict[str, object]:
    answer, copy = _checked_file(_upload(file))
    _certificate_call(
        request,
        copy.certificate if copy is not None else None,
        how="上传文件",
        detail={"印章有效": answer["seal_valid"]},
    )
    return answer


@partner.post(
    "/register/query",
    auth=_REGISTER,
    response={200: RegisterRecord, **PARTNER_ERRORS},
    summary="注册人员查询（register:read）",
    operation_id="partner_register_query",
)
def partner_register_query(request: HttpRequest, query: RegisterQuery) -> dict[str, object]:
    party = _party(request)
    try:
        entry = _register_entry(query)
    except ApiError as e:
        party_audit(
            request=request,
            party=party,
            action=AuditAction.API_REGISTER_QUERY,
            result=AuditResult.FAILURE,
            label=party.name,
            detail={"结果": e.code.value},
        )
        raise
    registration = entry.registration
    party_audit(
        request=request,
        party=party,
        action=AuditAction.API_REGISTER_QUERY,
        obj=registration,
        label=f"注册编号 {registration.number}",
        subject_id=_subject_of(registration.person),
    )
    return records.register_record(entry)


# --- the signed-in applicant --------------------------------------------------------------------

me = Router(tags=["申请人接口（登录）"], auth=ApplicantSession())


@me.get("/cases", response={200: list[CaseSummary], **ME_ERRORS}, summary="我的办件", operation_id="me_cases")
def my_cases(request: HttpRequest) -> list[dict[str, object]]:
    cases = case_list_for_applicant(user=request_user(request)).filter(number__isnull=False)
    return [records.case_summary(c) for c in cases.select_related("item")[:200]]


@me.get(
    "/cases/{number}",
    response={200: CaseDetail, **ME_ERRORS},
    summary="按办件编号查询本人办件的状态",
    operation_id="me_case_by_number",
)
def my_case(request: HttpRequest, number: str = CaseNumberPath) -> dict[str, object]:
    return records.case_detail(case_get_for_applicant_by_number(user=request_user(request), number=number))


@me.get(
    "/certificates",
    response={200: list[MyCertificate], **ME_ERRORS},
    summary="我的证照",
    operation_id="me_certificates",
)
def my_certificates(request: HttpRequest) -> list[dict[str, object]]:
    certificates = certificate_selectors.certificates_for_user(user=request_user(request))
    return [records.my_certificate(c) for c in certificates.prefetch_related("registration__specialties")]


api.add_router("/public", public)
api.add_router("/partner", partner)
api.add_router("/me", me)


@require_GET
def api_index(request: HttpRequest) -> JsonResponse:
    """/api/v1 and /api/v1/: where the OpenAPI description and the docs are. Without it the
    root was django-ninja's 404, and /api/v1 an HTML 301 to it (Django's APPEND_SLASH)."""
    return JsonResponse(
        {
            "title": api.title,
            "version": api.version,
            "openapi": reverse("api:openapi-json"),
            "docs": reverse("api:openapi-view"),
            "guide": "docs/api.md",
        },
        content_type="application/json; charset=utf-8",
        json_dumps_params={"ensure_ascii": False},
    )
