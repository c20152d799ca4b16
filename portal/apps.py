from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (portal/admin_site.py), which audits it. Named
    in INSTALLED_APPS; `default = False` keeps PortalConfig this module's default."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "门户"

    def ready(self) -> None:
        # Connects the worker's signal handlers that carry a request id into its tasks' logs.
        import lib.taskqueue  # noqa: F401
        from lib.ratelimit import limits_check_settings

        # At start-up, not at the first refused request: a mistyped limit name fails loudly.
        limits_check_settings()
