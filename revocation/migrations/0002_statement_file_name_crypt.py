"""The original name of the holder's 陈述申辩 file encrypted at rest, as an attachment's is: the
column becomes text holding `sm4:…` values, and the names already stored are encrypted in place
(back in clear on the way back)."""

from django.db import migrations

import lib.encrypted


def forwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    # The proceeding's only encrypted field: nothing else of the row is touched.
    rows_convert_in_place(apps.get_model("revocation", "Proceeding"), schema_editor.connection)


def backwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("revocation", "Proceeding"), schema_editor.connection, clear=True)


class Migration(migrations.Migration):
    dependencies = [
        ("revocation", "0001_proceedings_revocation"),
    ]

    operations = [
        migrations.AlterField(
            model_name="proceeding",
            name="statement_file_name",
            field=lib.encrypted.EncryptedCharField(blank=True, max_length=120, verbose_name="原文件名"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
