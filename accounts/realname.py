"""The two identity sources, one adapter each: the real-name service for persons (the
province's 统一身份认证 platform or the 公安 citizen-identity service) and the enterprise
register (市场监管 / 电子营业执照 data).

The contract a production adapter keeps (set `REALNAME_PROVIDER` / `ENTERPRISE_REGISTRY_PROVIDER`
to the dotted path of a class with a no-argument constructor and the method below):
- `verify(...)` answers MATCH only when every given field agrees with the source's record:
  for a person 姓名, 证件类型 and 证件号码 together; for an enterprise 统一社会信用代码, 单位名称
  and 法定代表人 together;
- MISMATCH when the source answered and something differs or the record does not exist
  (the `reason` is shown to the user, so it must not reveal the source's data);
- UNAVAILABLE when the source could not be asked (time-out, error): the caller then keeps the
  account unverified and lets the user try again, never treats it as a match.
An adapter that raises is taken as UNAVAILABLE.

The built-in defaults answer from directories an administrator keeps (实名目录, 企业登记目录
in the admin), so a demo or test site behaves like the province's services. `FormatOnlyProvider`
checks the format alone; it is for development and the settings refuse it unless DEBUG is on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import IdentityVerdict, IdType, KnownEnterprise, KnownIdentity
from lib.datacrypt import identity_index
from lib.idcard import IdNumberError, validate_id_number

log = logging.getLogger(__name__)

PERSON_MISMATCH = (
    "所填姓名、证件类型和证件号码与实名认证信息不一致。请核对后重新填写；"
    "如确认无误，请携带本人证件到政务服务大厅办理实名登记"
)
ENTERPRISE_MISMATCH = (
    "单位名称、统一社会信用代码和法定代表人与市场监管部门的登记信息不一致。请核对营业执照后重新核验，"
    "或携带营业执照到政务服务大厅由工作人员人工核验"
)
UNAVAILABLE = "核验服务暂时不可用，请稍后再试"


@dataclass(frozen=True)
class VerifyResult:
    verdict: IdentityVerdict
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict == IdentityVerdict.MATCH


class RealNameProvider(Protocol):
    def verify(self, *, name: str, id_type: str, id_number: str) -> VerifyResult: ...


class EnterpriseRegistryProvider(Protocol):
    def verify(self, *, uscc: str, name: str, legal_representative: str) -> VerifyResult: ...


def _same_name(a: str, b: str) -> bool:
    # Names as the source keeps them: no spaces inside a Chinese name, case-blind for Latin ones.
    return "".join(a.split()).casefold() == "".join(b.split()).casefold()


class DirectoryProvider:
    """Confirms a person listed in the 实名目录 with exactly this name, type and number."""

    def verify(self, *, name: str, id_type: str, id_number: str) -> VerifyResult:
        index = identity_index(id_type=id_type, id_number=id_number)
        known = KnownIdentity.objects.filter(id_index=index).first()
        if known is None or not _same_name(known.name, name):
            return VerifyResult(IdentityVerdict.MISMATCH, PERSON_MISMATCH)
        return VerifyResult(IdentityVerdict.MATCH)


class FormatOnlyProvider:
    """Development only: accepts any well-formed name and number (refused unless DEBUG)."""

    def verify(self, *, name: str, id_type: str, id_number: str) -> VerifyResult:
        if not name.strip():
            return VerifyResult(IdentityVerdict.MISMATCH, "请填写姓名")
        if id_type == IdType.RESIDENT:
            try:
                validate_id_number(id_number)
            except IdNumberError as e:
                return VerifyResult(IdentityVerdict.MISMATCH, str(e))
        return VerifyResult(IdentityVerdict.MATCH)


class EnterpriseDirectoryProvider:
    """Confirms an enterprise listed in the 企业登记目录 with this name and legal representative."""

    def verify(self, *, uscc: str, name: str, legal_representative: str) -> VerifyResult:
        known = KnownEnterprise.objects.filter(uscc=uscc).first()
        if (
            known is None
            or not _same_name(known.name, name)
            or not _same_name(known.legal_representative, legal_representative)
        ):
            return VerifyResult(IdentityVerdict.MISMATCH, ENTERPRISE_MISMATCH)
        return VerifyResult(IdentityVerdict.MATCH)


def _ask(question: Callable[[], VerifyResult], *, source: str) -> VerifyResult:
    """Put `question` to an identity source; one that fails is UNAVAILABLE, never a match."""
    try:
        return question()
    except Exception:
        log.exception("identity source %s failed", source)
        return VerifyResult(IdentityVerdict.UNAVAILABLE, UNAVAILABLE)


def person_identity_check(*, name: str, id_type: str, id_number: str) -> VerifyResult:
    """Ask the configured real-name source."""

    def question() -> VerifyResult:
        provider: RealNameProvider = import_string(settings.REALNAME_PROVIDER)()
        return provider.verify(name=name, id_type=id_type, id_number=id_number)

    return _ask(question, source="REALNAME_PROVIDER")


def enterprise_identity_check(*, uscc: str, name: str, legal_representative: str) -> VerifyResult:
    """Ask the configured enterprise register."""

    def question() -> VerifyResult:
        provider: EnterpriseRegistryProvider = import_string(settings.ENTERPRISE_REGISTRY_PROVIDER)()
        return provider.verify(uscc=uscc, name=name, legal_representative=legal_representative)

    return _ask(question, source="ENTERPRISE_REGISTRY_PROVIDER")
