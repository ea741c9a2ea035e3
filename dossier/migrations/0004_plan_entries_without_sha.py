"""Dossier entries about a signed plan no longer carry the file's SHA-256 in their text.

The hash stays with the stored PDF (the plan page and its download); this rewrites the
entries filed before, so every plan entry reads the same.
"""

import re

from django.db import migrations

SHA_SUFFIX = re.compile(r"\s*\(SHA-256 [0-9a-f]{64}\)")


def drop_sha(apps, schema_editor):
    DossierEntry = apps.get_model("dossier", "DossierEntry")
    for entry in DossierEntry.objects.filter(kind="plan", text__contains="SHA-256"):
        entry.text = SHA_SUFFIX.sub("", entry.text)
        entry.save(update_fields=["text"])


class Migration(migrations.Migration):
    dependencies = [("dossier", "0003_no_blame_entry")]

    operations = [migrations.RunPython(drop_sha, migrations.RunPython.noop)]
