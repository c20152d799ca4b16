"""三员分立: existing superusers become plain 系统管理员, whose permissions come from the role
table (accounts/roles.py), and a constraint keeps any new superuser out. The other two
administrators enter the admin site too (is_staff follows the role)."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

ADMINISTRATOR_ROLES = ["admin", "security", "auditor"]


def superusers_to_administrators(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    User.objects.filter(is_superuser=True).update(
        is_superuser=False, is_staff=True, kind="staff", staff_role="admin", id_type=""
    )
    User.objects.filter(kind="staff", staff_role__in=ADMINISTRATOR_ROLES).update(is_staff=True)
    User.objects.filter(kind="staff").exclude(staff_role__in=ADMINISTRATOR_ROLES).update(is_staff=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_staff_roles_three_administrators"),
    ]

    operations = [
        # Nothing to undo: a superuser is not made again.
        migrations.RunPython(superusers_to_administrators, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(condition=models.Q(("is_superuser", False)), name="accounts_no_superuser"),
        ),
    ]
