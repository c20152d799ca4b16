# The serials of 注册编号 move to the project's one counter table (cases.Sequence, written
# by cases.counters.counter_next), under the same keys ("reg-<year>"): a number already given
# is never given again.

from django.db import migrations


def to_counters(apps, schema_editor):
    NumberSequence = apps.get_model("registry", "NumberSequence")
    Sequence = apps.get_model("cases", "Sequence")
    for row in NumberSequence.objects.all():
        counter, _ = Sequence.objects.get_or_create(key=row.key)
        if counter.last < row.last:
            counter.last = row.last
            counter.save(update_fields=["last"])


def from_counters(apps, schema_editor):
    NumberSequence = apps.get_model("registry", "NumberSequence")
    Sequence = apps.get_model("cases", "Sequence")
    for counter in Sequence.objects.filter(key__startswith="reg-"):
        NumberSequence.objects.update_or_create(key=counter.key, defaults={"last": counter.last})


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0002_attachment_reused_from_correctionreminder"),
        ("registry", "0004_changekind_types"),
    ]

    operations = [
        migrations.RunPython(to_counters, from_counters),
        migrations.DeleteModel(name="NumberSequence"),
    ]
