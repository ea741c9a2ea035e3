"""The pupil's dossier page, and the right of access: the IB or director exports one pupil's
dossier as a PDF for the parents.

The export is a document one school issues, holding only that school's part: a pupil
who moved to another school of the board takes no case content along, and the old
school keeps (and can still export) its own.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from audit import record_access
from cases.access import (
    PAGES,
    dossier_note_schools,
    dossier_pupils,
    dossier_schools,
    school_ids_of,
    visible_cases,
)
from cases.models import Case
from dossier.export import dossier_context, render_dossier_pdf
from dossier.models import DossierEntry
from schools.models import Pupil, School

EXPORT_ROLES = PAGES["export"]


def export_school(user, pupil) -> School | None:
    """The school whose part of the dossier ``user`` may export: the IB or director of the
    pupil's current school, else of a school where the pupil has cases (the school the
    pupil left). The current school first. A teacher, SMW or beheerder may not."""
    if not user.is_active:
        return None
    schools = school_ids_of(user, EXPORT_ROLES)
    if pupil.school_id in schools:
        return pupil.school
    of_cases = Case.objects.filter(case_pupils__pupil=pupil).values("school_id")
    return School.objects.filter(pk__in=schools).filter(pk__in=of_cases).order_by("pk").first()


def can_export(user, pupil) -> bool:
    return export_school(user, pupil) is not None


@never_cache
@require_GET
@login_required
def pupil_export_preview(request, pk):
    """What the parents' copy holds, on screen, before the IB or director downloads it:
    the cases, the talks that go in, how many are left out (another family's), and the
    dossier entries."""
    pupil = get_object_or_404(Pupil.objects.select_related("school", "school_class"), pk=pk)
    school = export_school(request.user, pupil)
    if school is None:
        raise Http404
    record_access(request, pupil, "view")
    context = dossier_context(pupil, school=school)
    return render(request, "dossier/export_preview.html", context)


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


@login_required
@require_GET
def pupil_dossier(request, pk):
    """Every dossier entry of one pupil, newest first, across cases: only the entries of
    the schools whose part the user reads (a pupil who moved takes none along).

    Each entry is read by the rule of its case: one of a case the user cannot open shows
    only its date and kind ("Aantekening uit een andere casus"); one outside a case only
    where the user may see the pupil or works school-wide (``dossier_note_schools``)."""
    pupil = get_object_or_404(
        dossier_pupils(request.user).select_related("school", "school_class"), pk=pk
    )
    record_access(request, pupil, "view")
    schools = list(dossier_schools(request.user, pupil).order_by("name", "pk"))
    entries = DossierEntry.objects.filter(pupil=pupil, school__in=schools).select_related(
        "case", "plan", "plan__document", "created_by", "school"
    )
    visible = set(
        visible_cases(request.user)
        .filter(pk__in=[e.case_id for e in entries if e.case_id])
        .values_list("pk", flat=True)
    )
    note_schools = dossier_note_schools(request.user, pupil)
    rows = [
        {
            "entry": e,
            "case_visible": e.case_id in visible,
            "readable": e.case_id in visible if e.case_id else e.school_id in note_schools,
            "has_pdf": e.plan is not None and hasattr(e.plan, "document"),
        }
        for e in entries
    ]
    # The way back: the case the user came from (when it is one of this pupil's cases the
    # user may open), else the case list.
    back_case = None
    came_from = request.GET.get("casus", "")
    if came_from.isdigit():
        back_case = (
            visible_cases(request.user)
            .filter(pk=int(came_from), case_pupils__pupil=pupil)
            .select_related("school")
            .first()
        )
    context = {
        "pupil": pupil,
        "rows": rows,
        "back_case": back_case,
        "schools": schools,
        # The pupil's current school and class only for who reads that school's part.
        "at_current_school": pupil.school_id in {school.pk for school in schools},
        "may_export": can_export(request.user, pupil),
    }
    return render(request, "dossier/pupil.html", context)
