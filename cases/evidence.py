"""Keeping evidence of digital bullying (screenshots, PDFs) with a case.

A file is accepted when its content is a PNG, JPEG or PDF of at most 10 MB
(``cases.uploads``; the name does not decide), and kept with the type its content
has. It is stored under a random name (the original name may name a pupil) and
served only through a view that checks who asks.
"""

import hashlib
from pathlib import PurePath

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from cases.models import Evidence
from cases.services import ADD_EVIDENCE
from cases.uploads import check_upload, files_with_rows

MAX_BYTES = 10 * 1024 * 1024


def evidence_check(upload) -> str:
    """The content type of an acceptable upload, from its content; a Dutch
    ``ValidationError`` otherwise."""
    return check_upload(
        upload,
        kinds=("png", "jpeg", "pdf"),
        max_bytes=MAX_BYTES,
        error_messages={
            "not_allowed": _("%(name)s: alleen PNG, JPEG of PDF kan als bewijs worden bewaard.")
        },
    ).content_type


def evidence_store(case, upload, *, by, description: str = "") -> Evidence:
    """Check ``upload`` and keep it with ``case`` under a random name.

    Someone who works on the case keeps evidence, in any stap before it closes
    (``services.ADD_EVIDENCE``)."""
    content_type = evidence_check(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with files_with_rows() as files, transaction.atomic():
        ADD_EVIDENCE.require(case, by)
        evidence = Evidence(
            case=case,
            original_name=PurePath(upload.name).name[:255],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            description=description.strip()[:300],
            uploaded_by=by,
        )
        files.save(evidence.file, upload)
        evidence.save()
    return evidence


def evidence_number(evidence: Evidence) -> int:
    """The place of ``evidence`` among its case's evidence in upload order, from 1: the
    number in its download name."""
    earlier = Q(uploaded_at__lt=evidence.uploaded_at) | Q(
        uploaded_at=evidence.uploaded_at, pk__lt=evidence.pk
    )
    return Evidence.objects.filter(earlier, case_id=evidence.case_id).count() + 1
