from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "门户"

    def ready(self) -> None:
        from lib.ratelimit import limits_check_settings

        # At start-up, not at the first refused request: a mistyped limit name fails loudly.
        limits_check_settings()
