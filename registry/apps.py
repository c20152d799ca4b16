from __future__ import annotations

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "注册信息库"

    def ready(self) -> None:
        # `cases` may not import `registry`; the register's eligibility checks are handed to it.
        from registry.eligibility import register_checks

        register_checks()
