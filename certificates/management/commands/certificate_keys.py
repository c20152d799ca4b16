from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from certificates.keys import key_material_create, key_paths


class Command(BaseCommand):
    help = (
        "Create, once, the test CA, the issuing authority's SM2 key and certificate and its "
        "electronic seal under CERT_KEY_DIR; files that exist are left as they are."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = key_material_create()
        for path in created:
            self.stdout.write(f"已生成 {path}")
        if not created:
            self.stdout.write(f"电子证照密钥与印章已存在，未改动（{key_paths().seal.parent}）。")
