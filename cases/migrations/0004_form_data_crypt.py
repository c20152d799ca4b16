"""The filled application (`Case.form_data`) encrypted at rest (docs/adr/0014), converting an
existing database in place: the column becomes text (SQLite drops its JSON check, PostgreSQL
casts jsonb to text) and every document is encrypted."""

from django.db import migrations

import lib.encrypted


def forwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("cases", "Case"), schema_editor.connection)


def backwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("cases", "Case"), schema_editor.connection, clear=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_case_version_drafts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="form_data",
            field=lib.encrypted.EncryptedJSONField(blank=True, default=dict, verbose_name="申请表数据"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
