"""Start-up checks of `cases` (`manage.py check`, `migrate`, `runserver`, and every command
that runs the system checks): the portal refuses to start with a registration type that lacks
a part, or when `registry` has not handed over what it owns (ADR 10). Without them an
application would be granted with no register effect, or submitted with no register checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error

from cases.register import register_providers_missing
from cases.services import notice_sealer_missing
from cases.types import REGISTRATION_TYPES, TypeRegistry

HINT = "每个注册类型在 cases/types.py 中定义，注册信息库的部分由 registry.apps 启动时交接（ADR 10）"


def registration_types_check(
    app_configs: Sequence[AppConfig] | None = None, *, registry: TypeRegistry | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Every registration type complete, every hand-over done. `registry` is for tests."""
    missing = (registry or REGISTRATION_TYPES).missing_parts()
    missing += [f"注册信息库未交接{part}" for part in register_providers_missing()]
    if notice_sealer_missing():
        # Every notice bears the seal (ADR 0033): certificates.apps hands the sealing in.
        missing.append("电子证照未交接文书盖章（certificates.apps）")
    return [Error(message, hint=HINT, id="cases.E001") for message in missing]
