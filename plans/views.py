"""Pages of the plan van aanpak (stap 4) and of a pupil's dossier.

Every view fetches the case through ``access.visible_cases`` (a pupil through
``access.dossier_pupils``) and answers 404 for what the user may not see. Files
(drawn signatures, scans, PDFs) are served only here, as attachments.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from audit import record_access
from cases.access import visible_cases
from cases.uploads import stored_download
from plans import services as plan_services
from plans.content import default_planning
from plans.documents import plan_context, render_plan_pdf
from plans.forms import (
    PlanForm,
    PlanTalkFormSet,
    RefusalForm,
    ScanForm,
    SignForm,
    initial_from_earlier,
    planning_from,
)
from plans.models import ActionPlan, PlanScan, PlanSignatory


def _plan_for(request, pk) -> ActionPlan:
    plans = ActionPlan.objects.filter(case__in=visible_cases(request.user))
    return get_object_or_404(plans.select_related("case", "case__school"), pk=pk)


def _messages_of(error) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(m) for m in error.messages]
    return [str(error) or _("Dit mag u niet doen.")]


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    """Write the plan: change the draft nobody signed yet, or make a new version."""
    case = get_object_or_404(visible_cases(request.user).select_related("school"), pk=pk)
    if not plan_services.plan_may_edit(case, request.user):
        raise PermissionDenied
    latest = case.plans.order_by("-version").first()
    draft = latest if latest and not latest.locked_at and not latest.has_signatures else None
    earlier = None  # a recurrence's first plan starts from the bully's earlier plan
    if request.method == "POST":
        form = PlanForm(request.POST, case=case)
        formset = PlanTalkFormSet(request.POST, prefix="talks")
        if form.is_valid() and formset.is_valid():
            kwargs = form.service_kwargs(planning_from(formset))
            try:
                if draft is not None:
                    plan = plan_services.plan_update(draft, by=request.user, **kwargs)
                else:
                    plan = plan_services.plan_create(case, by=request.user, **kwargs)
            except (ValidationError, PermissionDenied) as error:
                for message in _messages_of(error):
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("Versie %(v)d van het plan van aanpak is opgeslagen.") % {"v": plan.version},
                )
                return redirect("plans:detail", pk=plan.pk)
    else:
        earlier = None if latest else plan_services.earlier_plan_for(case, request.user)
        initial = (
            initial_from_earlier(case, earlier) if earlier else PlanForm.initial_for(case, latest)
        )
        form = PlanForm(initial=initial, case=case)
        talks = (
            [
                {"kind": t.kind, "planned_on": t.planned_on, "participants": t.participants}
                for t in latest.talks.all()
            ]
            if latest
            else default_planning(case)
        )
        formset = PlanTalkFormSet(initial=talks, prefix="talks")
    # The form starts from the latest plan, or else from the case and its pupils.
    record_access(request, latest or case, "view")
    return render(
        request,
        "plans/edit.html",
        {
            "case": case,
            "form": form,
            "formset": formset,
            "latest": latest,
            "draft": draft,
            "earlier": earlier,
        },
    )


def _signature_url(signatory) -> str:
    return reverse("plans:signature", args=[signatory.pk])


@login_required
@require_GET
def plan_detail(request, pk):
    plan = _plan_for(request, pk)
    record_access(request, plan, "view")
    context = plan_context(plan, signature_src=_signature_url)
    context.update(
        {
            "versions": plan.case.plans.order_by("-version"),
            "may_edit": plan_services.plan_may_edit(plan.case, request.user),
            "is_latest": plan.is_latest,
            "document": getattr(plan, "document", None),
            "scans": plan.scans.all(),
            "may_record_refusal": plan_services.plan_may_record_refusal(plan.case, request.user),
            "parents_missing": plan_services.parents_problems(plan.case, plan),
        }
    )
    return render(request, "plans/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_refusal(request, pk, signatory_pk):
    """The IB records that a parent will not sign this plan (who, date, reason)."""
    plan = _plan_for(request, pk)
    signatory = get_object_or_404(PlanSignatory, pk=signatory_pk, plan=plan)
    if not plan_services.plan_may_record_refusal(plan.case, request.user):
        raise PermissionDenied
    form = RefusalForm(request.POST or None, initial={"refused_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_record_refusal(
                signatory,
                by=request.user,
                refused_on=form.cleaned_data["refused_on"],
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, PermissionDenied) as error:
            for message in _messages_of(error):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Vastgelegd: %(name)s tekent dit plan niet.") % {"name": signatory.name},
            )
            return redirect("plans:detail", pk=plan.pk)
    record_access(request, plan, "view")
    context = {"plan": plan, "case": plan.case, "signatory": signatory, "form": form}
    return render(request, "plans/refusal.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_sign(request, pk, signatory_pk):
    """Sign on the screen: draw with finger or mouse; staff confirm their password first."""
    plan = _plan_for(request, pk)
    signatory = get_object_or_404(PlanSignatory, pk=signatory_pk, plan=plan)
    problem = None
    if signatory.signed_at:
        problem = _("%(name)s heeft dit plan al getekend.") % {"name": signatory.name}
    elif plan.locked_at or not plan.is_latest:
        problem = _("Deze versie van het plan kan niet meer worden getekend.")
    elif signatory.user_id and signatory.user_id != request.user.pk:
        problem = _(
            "%(name)s tekent zelf: laat %(name)s inloggen met het eigen account en hier tekenen."
        ) % {"name": signatory.name}
    elif not signatory.user_id and not plan_services.plan_may_edit(plan.case, request.user):
        problem = _("Ouders en leerlingen tekenen op het scherm van de leerkracht of de IB.")
    if problem:
        messages.error(request, problem)
        return redirect("plans:detail", pk=plan.pk)
    form = SignForm(request.POST or None, signatory=signatory, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_sign(
                signatory, by=request.user, signature=form.cleaned_data["signature"]
            )
        except (ValidationError, PermissionDenied) as error:
            for message in _messages_of(error):
                form.add_error(None, message)
        else:
            plan.refresh_from_db()
            if plan.locked_at:
                messages.success(
                    request,
                    _(
                        "Iedereen heeft getekend. Het plan is vastgezet en opgeslagen in het "
                        "dossier van elke betrokken leerling."
                    ),
                )
            else:
                messages.success(request, _("Getekend door %(name)s.") % {"name": signatory.name})
            return redirect("plans:detail", pk=plan.pk)
    record_access(request, plan, "view")
    context = {"plan": plan, "case": plan.case, "signatory": signatory, "form": form}
    return render(request, "plans/sign.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_scan(request, pk):
    """Upload a scan of the paper copy that was signed with pen."""
    plan = _plan_for(request, pk)
    if not plan_services.plan_may_edit(plan.case, request.user):
        raise PermissionDenied
    if plan.locked_at or not plan.is_latest:
        messages.error(request, _("Deze versie van het plan kan niet meer worden getekend."))
        return redirect("plans:detail", pk=plan.pk)
    form = ScanForm(request.POST or None, request.FILES or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_sign_paper(
                plan, by=request.user, upload=form.cleaned_data["scan"], signatories=form.chosen()
            )
        except (ValidationError, PermissionDenied) as error:
            for message in _messages_of(error):
                form.add_error(None, message)
        else:
            messages.success(request, _("De scan is bewaard en de handtekeningen zijn vastgelegd."))
            return redirect("plans:detail", pk=plan.pk)
    record_access(request, plan, "view")
    return render(request, "plans/scan.html", {"plan": plan, "case": plan.case, "form": form})


@login_required
@require_GET
def plan_pdf(request, pk):
    """The stored PDF of a locked plan; a draft is rendered now and marked as concept."""
    plan = _plan_for(request, pk)
    document = getattr(plan, "document", None)
    if document is not None:
        record_access(request, document, "download")
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=plan.pdf_filename(),
            content_type="application/pdf",
        )
    elif plan.locked_at:  # signed by all; its PDF is being filed by the task worker
        messages.info(
            request, _("De PDF van het getekende plan wordt gemaakt; probeer het zo opnieuw.")
        )
        return redirect("plans:detail", pk=plan.pk)
    else:
        record_access(request, plan, "download")
        response = HttpResponse(render_plan_pdf(plan), content_type="application/pdf")
        name = plan.pdf_filename().replace(".pdf", "-concept.pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _private(response)


@login_required
@require_GET
def plan_print(request, pk):
    """The plan as a page to print for the parents (same content as the PDF)."""
    plan = _plan_for(request, pk)
    record_access(request, plan, "print")
    context = plan_context(plan, signature_src=_signature_url)
    return render(request, "plans/print.html", context)


@login_required
@require_GET
def plan_signature(request, pk):
    """A drawn signature (PNG) of a plan the user may see."""
    signatory = get_object_or_404(
        PlanSignatory.objects.filter(plan__case__in=visible_cases(request.user))
        .exclude(signature="")
        .select_related("plan__case"),
        pk=pk,
    )
    record_access(request, signatory, "download")
    plan = signatory.plan
    label = f"plan-v{plan.version}-handtekening"
    return stored_download(signatory.signature, plan.case.reference, label, signatory.position + 1)


@login_required
@require_GET
def plan_scan_download(request, pk):
    scan = get_object_or_404(
        PlanScan.objects.filter(plan__case__in=visible_cases(request.user)).select_related(
            "plan__case"
        ),
        pk=pk,
    )
    record_access(request, scan, "download")
    plan = scan.plan
    number = list(plan.scans.values_list("pk", flat=True)).index(scan.pk) + 1
    return stored_download(scan.file, plan.case.reference, f"plan-v{plan.version}-scan", number)
