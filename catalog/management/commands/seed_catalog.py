from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from catalog.models import CalendarDay, CalendarYear, Department, Material, Matter, ServiceItem
from catalog.seed import seed_catalog


class Command(BaseCommand):
    help = "Create or update the seeded service catalogue and holiday calendar (safe on every deploy)."

    def handle(self, *args: Any, **options: Any) -> None:
        days_before = CalendarDay.objects.count()
        seed_catalog()  # seeds the calendar too (catalog.seed.seed_calendar)
        self.stdout.write(
            f"Catalogue seeded: {Department.objects.count()} departments, "
            f"{Matter.objects.count()} matters, {ServiceItem.objects.count()} service items, "
            f"{Material.objects.count()} materials."
        )
        days = CalendarDay.objects.count()
        years = sorted(CalendarYear.objects.values_list("year", flat=True))
        span = f" ({years[0]}–{years[-1]})" if years else ""
        self.stdout.write(
            f"Calendar seeded: {days} holiday and make-up days ({days - days_before} new), "
            f"{len(years)} years maintained{span}."
        )
