from __future__ import annotations

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "电子证照"

    def ready(self) -> None:
        # `cases` may not import `certificates`: the sealing of every notice is handed to it
        # (ADR 0033), as the register's checks are (ADR 6).
        from cases.services import notice_sealer_provide
        from certificates.notices import notice_seal_request

        notice_sealer_provide(notice_seal_request)
