"""The SMS outbox's mobiles and texts encrypted at rest (docs/adr/0014), converting an existing
database in place, with a blind index of the mobile for the admin's exact search."""

from django.db import migrations

import lib.encrypted


def forwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("notifications", "SmsMessage"), schema_editor.connection)


def backwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("notifications", "SmsMessage"), schema_editor.connection, clear=True)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="smsmessage",
            name="mobile",
            field=lib.encrypted.EncryptedCharField(max_length=20, verbose_name="手机号"),
        ),
        migrations.AlterField(
            model_name="smsmessage",
            name="text",
            field=lib.encrypted.EncryptedTextField(verbose_name="短信内容"),
        ),
        migrations.AddField(
            model_name="smsmessage",
            name="mobile_index",
            field=lib.encrypted.BlindIndexField(db_index=True, kind="mobile", sources=["mobile"]),
        ),
        migrations.RunPython(forwards, backwards),
    ]
