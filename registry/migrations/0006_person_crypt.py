"""The register's ID numbers and mobiles encrypted at rest (docs/adr/0014), converting an
existing database in place; the one-person-per-identity rule moves to the blind index."""

from django.db import migrations, models

import lib.encrypted


def forwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("registry", "Person"), schema_editor.connection)


def backwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("registry", "Person"), schema_editor.connection, clear=True)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_counters_status"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="person", name="registry_person_identity_unique"),
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=lib.encrypted.EncryptedCharField(max_length=32, verbose_name="身份证件号码"),
        ),
        migrations.AlterField(
            model_name="person",
            name="mobile",
            field=lib.encrypted.EncryptedCharField(blank=True, max_length=11, verbose_name="手机号"),
        ),
        migrations.AddField(
            model_name="person",
            name="id_index",
            field=lib.encrypted.BlindIndexField(kind="identity", sources=["id_type", "id_number"]),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name="person",
            constraint=models.UniqueConstraint(fields=("id_index",), name="registry_person_identity_unique"),
        ),
    ]
