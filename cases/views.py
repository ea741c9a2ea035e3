"""Case pages. Every view fetches cases through ``access.visible_cases``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cases.access import visible_cases
from cases.models import OPEN_STATES
from cases.services import TransitionRefused, available_transitions, case_transition


@login_required
def case_list(request):
    cases = visible_cases(request.user).select_related("school").order_by("-created_at")
    return render(
        request,
        "cases/case_list.html",
        {
            "open_cases": [c for c in cases if c.state in OPEN_STATES],
            "closed_cases": [c for c in cases if c.state not in OPEN_STATES],
        },
    )


@login_required
def case_detail(request, pk):
    case = get_object_or_404(visible_cases(request.user).select_related("school"), pk=pk)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "case_pupils": case.case_pupils.select_related("pupil", "pupil__school_class"),
            "transitions": available_transitions(case, request.user),
            "state_changes": case.state_changes.select_related("by"),
            "talks": case.talks.prefetch_related("versions"),
        },
    )


@login_required
@require_POST
def case_fire(request, pk, name):
    case = get_object_or_404(visible_cases(request.user), pk=pk)
    try:
        case_transition(case, name, by=request.user, remark=request.POST.get("remark", ""))
    except TransitionRefused as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, case.stap_label)
    return redirect("cases:detail", pk=case.pk)
