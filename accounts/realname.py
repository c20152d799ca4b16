"""Real-name verification: one adapter for the authoritative source (public security or the
province's unified identity platform). The built-in provider checks the format only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from lib.idcard import IdNumberError, validate_id_number


@dataclass(frozen=True)
class RealNameResult:
    ok: bool
    reason: str = ""


class RealNameProvider(Protocol):
    def verify(self, *, name: str, id_type: str, id_number: str) -> RealNameResult: ...


class FormatOnlyProvider:
    """Accepts any well-formed name and ID number. Replace with the real service by setting
    REALNAME_PROVIDER to the dotted path of a class with the same `verify` method."""

    def verify(self, *, name: str, id_type: str, id_number: str) -> RealNameResult:
        if not name.strip():
            return RealNameResult(ok=False, reason="请填写姓名")
        if id_type == "resident":
            try:
                validate_id_number(id_number)
            except IdNumberError as e:
                return RealNameResult(ok=False, reason=str(e))
        return RealNameResult(ok=True)


def get_provider() -> RealNameProvider:
    provider: RealNameProvider = import_string(settings.REALNAME_PROVIDER)()
    return provider
