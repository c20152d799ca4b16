from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "门户"

    def ready(self) -> None:
        # Connects the worker's signal handlers that carry a request id into its tasks' logs.
        import lib.taskqueue  # noqa: F401
        from lib.ratelimit import limits_check_settings

        # At start-up, not at the first refused request: a mistyped limit name fails loudly.
        limits_check_settings()
