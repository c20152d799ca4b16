from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from catalog.models import Department, Material, Matter, ServiceItem
from catalog.seed import seed_catalog


class Command(BaseCommand):
    help = "Create or update the seeded service catalogue (safe to run on every deploy)."

    def handle(self, *args: Any, **options: Any) -> None:
        seed_catalog()
        self.stdout.write(
            f"Catalogue seeded: {Department.objects.count()} departments, "
            f"{Matter.objects.count()} matters, {ServiceItem.objects.count()} service items, "
            f"{Material.objects.count()} materials."
        )
