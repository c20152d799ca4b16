"""ID numbers and mobiles encrypted at rest (docs/adr/0014), converting an existing database in
place: the columns become text holding `sm4:…` values, blind indexes are added and filled, the
uniqueness rules move to them, persons get an opaque login name instead of their 证件号码, and
the SMS code and quota rows keep the phone only as its index."""

import secrets

from django.db import migrations, models

import lib.encrypted


def _person_username() -> str:
    # Frozen here (a migration must not follow later code): the same shape as
    # accounts.services.person_username_new.
    return f"p{secrets.token_hex(8)}"


def forwards(apps, schema_editor):
    from lib.datacrypt import mobile_index
    from lib.encrypted import rows_convert_in_place

    connection = schema_editor.connection
    for name in ("User", "Enterprise", "KnownIdentity"):
        rows_convert_in_place(apps.get_model("accounts", name), connection)
    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(kind="person").only("pk").iterator(chunk_size=500):
        User.objects.filter(pk=user.pk).update(username=_person_username())
    for name in ("SmsCode", "SmsQuota"):
        model = apps.get_model("accounts", name)
        for row in model.objects.only("pk", "mobile").iterator(chunk_size=500):
            model.objects.filter(pk=row.pk).update(mobile_index=mobile_index(row.mobile))
    # A lock counted under a typed name held that name (maybe a 证件号码) in clear; such locks
    # last minutes, and are dropped rather than kept.
    apps.get_model("accounts", "LoginThrottle").objects.exclude(key__startswith="user:").delete()


def backwards(apps, schema_editor):
    from lib.encrypted import rows_convert_in_place

    User = apps.get_model("accounts", "User")
    # Read through the encrypted field first: once cleared below, the ORM could not read it.
    for user in User.objects.filter(kind="person").only("pk", "id_type", "id_number"):
        username = user.id_number if user.id_type == "resident" else f"{user.id_type}:{user.id_number}"
        User.objects.filter(pk=user.pk).update(username=username)
    connection = schema_editor.connection
    for name in ("User", "Enterprise", "KnownIdentity"):
        rows_convert_in_place(apps.get_model("accounts", name), connection, clear=True)


def sms_rows_drop(apps, schema_editor):
    # On the way back, before the phone columns come back: a code's or a quota's phone cannot
    # be had back from its index, and these rows live minutes (codes) or a day (quotas).
    apps.get_model("accounts", "SmsCode").objects.all().delete()
    apps.get_model("accounts", "SmsQuota").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_account_closing_roles"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="accounts_person_id_unique"),
        migrations.RemoveConstraint(model_name="user", name="accounts_mobile_unique_per_kind"),
        migrations.RemoveConstraint(model_name="knownidentity", name="accounts_known_identity_unique"),
        migrations.RemoveConstraint(model_name="smsquota", name="accounts_sms_quota_unique"),
        migrations.RemoveIndex(model_name="smscode", name="accounts_sm_mobile_107216_idx"),
        migrations.AlterField(
            model_name="user",
            name="id_number",
            field=lib.encrypted.EncryptedCharField(blank=True, max_length=32, verbose_name="证件号码"),
        ),
        migrations.AlterField(
            model_name="user",
            name="mobile",
            field=lib.encrypted.EncryptedCharField(blank=True, max_length=11, verbose_name="手机号"),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="agent_id_number",
            field=lib.encrypted.EncryptedCharField(max_length=18, verbose_name="经办人身份证号码"),
        ),
        migrations.AlterField(
            model_name="knownidentity",
            name="id_number",
            field=lib.encrypted.EncryptedCharField(max_length=32, verbose_name="证件号码"),
        ),
        migrations.AddField(
            model_name="user",
            name="id_index",
            field=lib.encrypted.BlindIndexField(kind="identity", sources=["id_type", "id_number"]),
        ),
        migrations.AddField(
            model_name="user",
            name="mobile_index",
            field=lib.encrypted.BlindIndexField(kind="mobile", sources=["mobile"]),
        ),
        migrations.AddField(
            model_name="knownidentity",
            name="id_index",
            field=lib.encrypted.BlindIndexField(kind="identity", sources=["id_type", "id_number"]),
        ),
        migrations.AddField(
            model_name="smscode",
            name="mobile_index",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="smsquota",
            name="mobile_index",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="smscode", name="mobile"),
        migrations.RemoveField(model_name="smsquota", name="mobile"),
        migrations.RunPython(migrations.RunPython.noop, sms_rows_drop),
        migrations.AddIndex(
            model_name="smscode",
            index=models.Index(fields=["mobile_index", "purpose", "-created_at"], name="accounts_smscode_mobile_idx"),
        ),
        migrations.AddConstraint(
            model_name="knownidentity",
            constraint=models.UniqueConstraint(fields=("id_index",), name="accounts_known_identity_unique"),
        ),
        migrations.AddConstraint(
            model_name="smsquota",
            constraint=models.UniqueConstraint(fields=("mobile_index", "day"), name="accounts_sms_quota_unique"),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("closed_at__isnull", True), ("kind", "person")),
                fields=("id_index",),
                name="accounts_person_id_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ["person", "legal"]), models.Q(("mobile_index", ""), _negated=True)),
                fields=("kind", "mobile_index"),
                name="accounts_mobile_unique_per_kind",
            ),
        ),
    ]
