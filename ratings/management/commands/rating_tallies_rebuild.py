"""`manage.py rating_tallies_rebuild`: the 好差评 figures of all time counted again from the
ratings (`ratings.services.rating_tallies_rebuild`), for an operator who changed ratings,
rectifications or appeals outside the services, or doubts the workbench's figures."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import Department
from ratings.services import rating_tallies_rebuild


class Command(BaseCommand):
    help = "按评价、整改和申诉重新统计工作台的好差评数字（全部部门，或 --department 指定的部门）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--department", metavar="CODE", help="只重新统计这个部门（部门编码）")

    def handle(self, *args: Any, **options: Any) -> None:
        department_id = None
        if options["department"]:
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(f"没有编码为 {options['department']} 的部门")
            department_id = department.pk
        made = rating_tallies_rebuild(department_id=department_id)
        self.stdout.write(f"已重新统计好差评数字：{made} 个事项")
