from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from cases.checks import registration_types_check

        checks.register(registration_types_check)
