"""Right of access: the IB or director exports one pupil's dossier as a PDF for the parents."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit import record_access
from cases.dossier_export import render_dossier_pdf
from schools.models import Membership, Pupil, Role

EXPORT_ROLES = (Role.IB, Role.DIRECTOR)


def can_export(user, pupil) -> bool:
    """Only the IB and the director of the pupil's own school; a teacher or SMW may not."""
    return bool(
        user.is_active
        and Membership.objects.filter(
            user=user, school_id=pupil.school_id, role__in=EXPORT_ROLES
        ).exists()
    )


@never_cache
@require_GET
@login_required
def pupil_export(request, pk):
    pupil = get_object_or_404(Pupil.objects.select_related("school", "school_class"), pk=pk)
    if not can_export(request.user, pupil):
        raise Http404
    pdf = render_dossier_pdf(pupil)
    record_access(request, pupil, "export")
    response = HttpResponse(pdf, content_type="application/pdf")
    # No name in the file name: it shows up in download lists and mail attachments.
    response["Content-Disposition"] = f'attachment; filename="inzage-leerling-{pupil.pk}.pdf"'
    return response
