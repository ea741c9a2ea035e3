"""Keeping evidence of digital bullying (screenshots, PDFs) with a case.

A file is accepted only when its name, its first bytes and its size all agree:
PNG, JPEG or PDF, at most 10 MB. It is stored under a random name (the original
name may name a pupil) and served only through a view that checks who asks.
"""

import hashlib
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Evidence

MAX_BYTES = 10 * 1024 * 1024

# extension -> (magic bytes at the start of the file, content type)
ACCEPTED = {
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".pdf": (b"%PDF-", "application/pdf"),
}


def evidence_check(upload) -> str:
    """The content type of an acceptable upload; a Dutch ``ValidationError`` otherwise."""
    name = upload.name or ""
    extension = PurePath(name).suffix.lower()
    if extension not in ACCEPTED:
        raise ValidationError(
            _("%(name)s: alleen PNG, JPEG of PDF kan als bewijs worden bewaard.") % {"name": name}
        )
    if upload.size > MAX_BYTES:
        raise ValidationError(_("%(name)s is groter dan 10 MB.") % {"name": name})
    if upload.size == 0:
        raise ValidationError(_("%(name)s is leeg.") % {"name": name})
    magic, content_type = ACCEPTED[extension]
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        raise ValidationError(
            _("%(name)s is geen echt %(kind)s-bestand.")
            % {"name": name, "kind": extension.lstrip(".").upper()}
        )
    return content_type


def evidence_store(case, upload, *, by, description: str = "") -> Evidence:
    """Check ``upload`` and keep it with ``case`` under a random name."""
    content_type = evidence_check(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        return Evidence.objects.create(
            case=case,
            file=upload,
            original_name=PurePath(upload.name).name[:255],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            description=description.strip()[:300],
            uploaded_by=by,
        )
