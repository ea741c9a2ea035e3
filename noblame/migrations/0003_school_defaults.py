"""Give every existing school its No Blame settings and guidance texts (new schools get
them when they are created, see ``noblame/apps.py``)."""

from django.db import migrations

from noblame.defaults import GUIDANCE


def add_defaults(apps, schema_editor):
    School = apps.get_model("schools", "School")
    SchoolSettings = apps.get_model("noblame", "SchoolSettings")
    Guidance = apps.get_model("noblame", "Guidance")
    for school in School.objects.all():
        SchoolSettings.objects.get_or_create(school=school)
        for talk, texts in GUIDANCE.items():
            Guidance.objects.get_or_create(school=school, talk=talk, defaults=texts)


class Migration(migrations.Migration):
    dependencies = [
        ("noblame", "0002_subflow"),
        ("schools", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_defaults, migrations.RunPython.noop),
    ]
