"""注销账号: a closed account keeps its row (the records the law requires name it) without a
mobile, and its 证件号码 may open a new account, so both uniqueness rules leave closed
accounts out."""

from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_no_superusers_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="注销时间"),
        ),
        migrations.RemoveConstraint(model_name="user", name="accounts_person_id_unique"),
        migrations.RemoveConstraint(model_name="user", name="accounts_mobile_unique_per_kind"),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("closed_at__isnull", True), ("kind", "person")),
                fields=("id_type", "id_number"),
                name="accounts_person_id_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ["person", "legal"]), models.Q(("mobile", ""), _negated=True)),
                fields=("kind", "mobile"),
                name="accounts_mobile_unique_per_kind",
            ),
        ),
    ]
