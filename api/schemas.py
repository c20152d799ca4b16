"""What the API answers and accepts, field by field: the OpenAPI description is generated
from these. Each answer holds what its caller needs and nothing more: no 证件号码, no mobile,
the holder's name masked as the public pages mask it."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field

from cases.models import CaseAction, CaseStatus
from catalog.specialties import Specialty
from certificates.models import CertificateStatus
from certificates.validity import CertificateVerdict
from registry.models import RegistrationStatus


class Error(Schema):
    code: str = Field(description="稳定的错误代码，见 docs/api.md「错误」")
    message: str = Field(description="中文说明，可直接展示给用户")


class SpecialtyOut(Schema):
    specialty: Specialty = Field(description="注册专业代码")
    specialty_label: str
    valid_from: date
    valid_to: date


class CertificateRecord(Schema):
    """A certificate as the public verification page shows it."""

    verdict: CertificateVerdict = Field(description="核验结论代码")
    verdict_label: str
    verdict_note: str
    valid: bool = Field(description="结论是否为“有效”")
    title: str
    holder_name: str = Field(description="持证人姓名（部分隐藏）")
    registration_number: str
    specialties: list[SpecialtyOut]
    employer_name: str
    authority: str = Field(description="发证机关")
    issued_on: date
    license_id: str = Field(description="电子证照标识")
    usage_valid_until: date | None = Field(description="证书文件的使用有效期；按电子证照标识核验时为空")
    revoked_on: date | None = Field(description="撤销、注销、作废或换发的日期（如有）")
    checked_at: datetime


class SealCheck(Schema):
    """The seal check of an uploaded OFD file, and the certificate it is (if ours)."""

    seal_valid: bool = Field(description="电子印章是否有效")
    problems: list[str] = Field(description="未通过核验的原因（有任何一条即无效）")
    notes: list[str] = Field(description="有效文件的附加说明")
    seal_name: str
    signer_subject: str
    signed_at: datetime | None
    found: bool = Field(description="本平台是否有该证书文件的记录")
    certificate: CertificateRecord | None = Field(description="证书的现时状态；印章无效或无记录时为空")


class RegisterQuery(Schema):
    name: str = Field(min_length=1, max_length=100, description="注册人员姓名")
    number: str = Field(min_length=1, max_length=60, description="注册编号")


class RegisterRecord(Schema):
    """A registration as the public 注册人员查询 shows it."""

    holder_name: str = Field(description="姓名（部分隐藏）")
    registration_number: str
    status: RegistrationStatus
    status_label: str
    employer_name: str
    specialties: list[SpecialtyOut]
    issued_on: date


class CaseEventOut(Schema):
    action: CaseAction
    action_label: str
    status: CaseStatus = Field(description="该步骤之后的状态")
    status_label: str
    at: datetime


class CaseSummary(Schema):
    number: str = Field(description="办件编号")
    item: str = Field(description="办理项")
    status: CaseStatus
    status_label: str
    submitted_at: datetime | None
    updated_at: datetime


class CaseDetail(CaseSummary):
    department: str = Field(description="受理部门")
    accept_due: date | None = Field(description="受理期限")
    decision_due: date | None = Field(description="办结期限")
    decided_at: datetime | None
    events: list[CaseEventOut]


class MyCertificate(Schema):
    license_id: str
    registration_number: str
    status: CertificateStatus = Field(description="证书版本的状态")
    status_label: str
    verdict: CertificateVerdict = Field(description="证书现在是否有效")
    verdict_label: str
    issued_on: date
    employer_name: str
    specialties: list[SpecialtyOut]
