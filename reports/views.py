"""The year report of a school and the board's figures: page, PDF and CSV.

Who may open which report is ``cases.access`` (``PAGES["report"]`` with
``report_schools``, ``PAGES["board_report"]`` with ``board_schools``). The pages show
counts only, never a pupil, a case reference or a text someone wrote.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.access import board_schools, may_open, report_schools
from reports import documents
from reports.figures import year_report
from reports.forms import PeriodForm


def _school_report(request):
    if not may_open(request.user, "report"):
        raise PermissionDenied(
            _(
                "Het jaarverslag is er voor de anti-pestcoördinator, de intern begeleider "
                "en de directie."
            )
        )
    schools = report_schools(request.user).order_by("name")
    form = PeriodForm(request.GET or None, schools=schools)
    school = form.school(schools)
    if school is None:
        raise Http404
    return form, year_report([school], form.period(), today=timezone.localdate())


def _board_report(request):
    if not may_open(request.user, "board_report"):
        raise PermissionDenied(_("De cijfers van het bestuur zijn er voor het bestuur."))
    schools = board_schools(request.user).order_by("name")
    if not schools.exists():
        raise Http404
    form = PeriodForm(request.GET or None)
    return form, year_report(schools, form.period(), today=timezone.localdate())


def _page(request, form, report, template):
    return render(
        request,
        template,
        {
            **documents.report_context(report),
            "form": form,
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def school_report(request):
    form, report = _school_report(request)
    return _page(request, form, report, "reports/school.html")


@login_required
@require_GET
def board_report(request):
    form, report = _board_report(request)
    return _page(request, form, report, "reports/board.html")


def _file_name(report, extension: str) -> str:
    """No pupil is named in a report, so the school (or board) and period may be."""
    who = report.schools[0].name if not report.is_board else report.schools[0].board.name
    period = report.period.school_year or f"{report.period.start}-{report.period.end}"
    return f"jaarverslag-{slugify(who)}-{period}.{extension}"


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def school_report_pdf(request):
    _form, report = _school_report(request)
    return _download(
        documents.render_report_pdf(report), "application/pdf", _file_name(report, "pdf")
    )


@login_required
@require_GET
def board_report_pdf(request):
    _form, report = _board_report(request)
    return _download(
        documents.render_report_pdf(report), "application/pdf", _file_name(report, "pdf")
    )


@login_required
@require_GET
def school_report_csv(request):
    _form, report = _school_report(request)
    return _download(
        documents.report_csv(report), "text/csv; charset=utf-8", _file_name(report, "csv")
    )


@login_required
@require_GET
def board_report_csv(request):
    _form, report = _board_report(request)
    return _download(
        documents.report_csv(report), "text/csv; charset=utf-8", _file_name(report, "csv")
    )
