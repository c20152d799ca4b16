"""The uploaded file's original name (`Attachment.display_name`) encrypted at rest (docs/adr/0014):
people name their scans after themselves, ID numbers included. An existing database is
converted in place, as 0004 did `form_data`: the column becomes text and every name is
encrypted; the way back decrypts them."""

from django.db import migrations

import lib.encrypted


def forwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("cases", "Attachment"), schema_editor.connection)


def backwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("cases", "Attachment"), schema_editor.connection, clear=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_case_days_figuresperf"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attachment",
            name="display_name",
            field=lib.encrypted.EncryptedCharField(max_length=120, verbose_name="原文件名"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
