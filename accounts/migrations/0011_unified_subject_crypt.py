"""The 统一身份认证 platform's user identifier (`sub`) encrypted at rest, as the 证件号码 it can
be on some platforms is elsewhere: the column becomes text holding `sm4:…` values, a blind index
of (issuer, subject) is added and filled, and the uniqueness rule moves to it. The way back
decrypts in place."""

from django.db import migrations, models

import lib.encrypted


def forwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("accounts", "UnifiedIdentityLink"), schema_editor.connection)


def backwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    rows_convert_in_place(apps.get_model("accounts", "UnifiedIdentityLink"), schema_editor.connection, clear=True)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0010_person_sex_birth_date'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='unifiedidentitylink',
            name='accounts_unified_subject_unique',
        ),
        migrations.AddField(
            model_name='unifiedidentitylink',
            name='subject_index',
            field=lib.encrypted.BlindIndexField(kind='platform_subject', sources=['issuer', 'subject']),
        ),
        migrations.AlterField(
            model_name='unifiedidentitylink',
            name='subject',
            field=lib.encrypted.EncryptedCharField(max_length=255, verbose_name='平台用户标识'),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name='unifiedidentitylink',
            constraint=models.UniqueConstraint(fields=('subject_index',), name='accounts_unified_subject_unique'),
        ),
    ]
