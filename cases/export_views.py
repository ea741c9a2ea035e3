"""Right of access: the IB or director exports one pupil's dossier as a PDF for the parents.

The export is a document one school issues, holding only that school's part: a pupil
who moved to another school of the board takes no case content along, and the old
school keeps (and can still export) its own.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit import record_access
from cases.access import PAGES
from cases.dossier_export import render_dossier_pdf
from schools.models import Membership, Pupil, School

EXPORT_ROLES = PAGES["export"]


def export_school(user, pupil) -> School | None:
    """The school whose part of the dossier ``user`` may export: the IB or director of the
    pupil's current school, else of a school where the pupil has cases (the school the
    pupil left). The current school first. A teacher, SMW or beheerder may not."""
    from cases.models import Case

    if not user.is_active:
        return None
    schools = Membership.objects.filter(user=user, role__in=EXPORT_ROLES).values("school_id")
    of_cases = Case.objects.filter(case_pupils__pupil=pupil).values("school_id")
    if pupil.school_id in {row["school_id"] for row in schools}:
        return pupil.school
    return School.objects.filter(pk__in=schools).filter(pk__in=of_cases).order_by("pk").first()


def can_export(user, pupil) -> bool:
    return export_school(user, pupil) is not None


@never_cache
@require_GET
@login_required
def pupil_export(request, pk):
    pupil = get_object_or_404(Pupil.objects.select_related("school", "school_class"), pk=pk)
    school = export_school(request.user, pupil)
    if school is None:
        raise Http404
    pdf = render_dossier_pdf(pupil, school=school)
    record_access(request, pupil, "export")
    response = HttpResponse(pdf, content_type="application/pdf")
    # No name in the file name: it shows up in download lists and mail attachments.
    response["Content-Disposition"] = f'attachment; filename="inzage-leerling-{pupil.pk}.pdf"'
    return response
