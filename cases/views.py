"""Case pages: start page, signal form, case page, talks, dashboard and "Te doen".

Every view fetches cases through ``access.visible_cases`` (404 for a case the
user may not see) and changes them only through ``cases.services``.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import record_access
from cases import hooks, printables, queries, routing, services
from cases.access import may_open, pages_for, school_ids_of, visible_cases, visible_pupils
from cases.evidence import evidence_number, evidence_store
from cases.forms import (
    AddPupilForm,
    CoachesForm,
    DashboardFilterForm,
    EvidenceForm,
    OutcomeForm,
    SignalForm,
    TalkForm,
    TalkPlanForm,
    TransitionForm,
    record_ids,
)
from cases.guidance import DECISION_AID, DIGITAL_ADVICE, OUTSIDE_HELP_CONTACTS, TALK_GUIDANCE
from cases.models import (
    DONE_STATES,
    OPEN_STATES,
    CasePupil,
    Evidence,
    Notification,
    State,
)
from cases.paging import CAP, capped, page_of
from cases.rules import CASE_WORKERS
from cases.signs import WARNING_SIGNS
from cases.steps import (
    ANYTIME_TALKS,
    STATE_HELP,
    TALKS_BY_STATE,
    confirmation,
    transition_label,
)
from cases.talks import TalkKind
from cases.uploads import stored_download
from schools.holidays import holiday_of, holiday_on


def _case_for(request, pk, *related):
    return get_object_or_404(visible_cases(request.user).select_related("school", *related), pk=pk)


def _require(permission, case, user):
    if not permission(case, user):
        raise PermissionDenied(permission.message)


def _refused(request, error) -> None:
    """A service said no: show why as a message (nothing was saved)."""
    texts = error.messages if isinstance(error, ValidationError) else [str(error)]
    for text in texts:
        messages.error(request, text)


# --- start, lists, te doen -------------------------------------------------------------


@login_required
def start(request):
    """The start page: what this person's job asks of them today, as figures and short
    lists (at most ``CAP`` rows each) that link to their full lists."""
    user = request.user
    pages = pages_for(user)
    context = {
        "pages": pages,
        "works_on_cases": "cases" in pages,
        "today": timezone.localdate(),
        # How much the other apps ask of this person (No Blame preparation requests, ...).
        "todo_extra_count": sum(hooks.ask_all("todo_count", user)),
        "notifications": queries.with_case_pupils(
            Notification.objects.filter(user=user, read_at__isnull=True)
        )
        .select_related("case", "case__school")
        .only(
            "message",
            "created_at",
            "case_id",
            "case__reference",
            "case__state",
            "case__school__name",
        )
        .order_by("-created_at")[:CAP],
    }
    if "todo" in pages or "dashboard" in pages:
        counts = queries.todo_counts(user, school_wide="dashboard" in pages)
        context["todo_counts"] = counts
        context["overdue_count"] = counts.get("school_overdue", 0)
    if "cases" in pages:
        open_cases = queries.involved_cases(user).filter(state__in=OPEN_STATES)
        context["my_cases"] = queries.with_list_data(open_cases.order_by("-created_at"))[:CAP]
        context["show_school"] = len(school_ids_of(user)) > 1
    if "dashboard" in pages:
        context["waiting_count"] = queries.waiting_for_ib(user).count()
    if "support_groups" in pages:
        running = visible_cases(user).filter(state=State.SUPPORT_GROUP)
        context["support_group_count"] = running.count()
        context["support_group_cases"] = (
            running.select_related("school", "traject")
            .only("reference", "state", "school__name", "traject__state", "traject__round")
            .order_by("created_at")[:CAP]
        )
    return render(request, "cases/start.html", context)


# The tabs of the case list by the value of ``toon``; "wacht" only for who has the dashboard.
LIST_TABS = {
    "open": _lazy("Open"),
    "wacht": _lazy("Wacht op mij"),
    "afgesloten": _lazy("Afgesloten"),
}


@login_required
def case_list(request):
    """The cases the user may see, a page at a time: the open ones, the closed ones, or
    (for the intern begeleider, smw and directie) the ones waiting for them."""
    user = request.user
    cases = visible_cases(user)
    tabs = dict(LIST_TABS)
    figures = {
        "open": Count("pk", filter=Q(state__in=OPEN_STATES)),
        "afgesloten": Count("pk", filter=Q(state__in=DONE_STATES)),
    }
    if may_open(user, "dashboard"):
        figures["wacht"] = Count("pk", filter=queries.waiting_q(user))
    else:
        del tabs["wacht"]
    counts = cases.aggregate(**figures)
    shown = request.GET.get("toon", "open")
    if shown not in tabs:
        shown = "open"
    if shown == "wacht":
        rows = queries.waiting_for_ib(user)
    else:
        # Closed and withdrawn: no open work, each says which in its stap column.
        rows = cases.filter(state__in=OPEN_STATES if shown == "open" else DONE_STATES)
        rows = rows.order_by("-created_at", "-pk")
    page = page_of(
        request,
        queries.with_list_data(rows),
        query=f"toon={shown}",
        count=counts[shown],
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "teacher_only": not may_open(user, "all_cases"),
            "may_signal": may_open(user, "signal"),
            "today": timezone.localdate(),
            "tabs": [(key, label, counts[key]) for key, label in tabs.items()],
            "shown": shown,
            "page": page,
            "show_school": len(school_ids_of(user)) > 1,
        },
    )


# The full lists behind the capped lists of Te doen: (value of ``lijst``, title).
TODO_LISTS = {"te-laat": _lazy("Te laat"), "komend": _lazy("De komende dagen")}


@login_required
def todo(request):
    """Planned talks of the user's cases: the first few overdue and due ones, or one of
    those lists in full, a page at a time (``?lijst=te-laat`` or ``komend``)."""
    today = timezone.localdate()
    wanted = request.GET.get("lijst")
    if wanted in TODO_LISTS:
        talks = queries.with_case_pupils(queries.talk_rows(queries.todo_talks(request.user, today)))
        if wanted == "te-laat":
            talks = talks.filter(queries.past_window(today))
        else:
            talks = talks.exclude(queries.past_window(today))
        return render(
            request,
            "cases/todo_list.html",
            {
                "title": TODO_LISTS[wanted],
                "page": page_of(request, talks, query=f"lijst={wanted}"),
                "today": today,
            },
        )
    return render(
        request,
        "cases/todo.html",
        {
            "todo": queries.todo_for(request.user, today),
            "todo_extra": hooks.ask_all("todo", request.user),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dashboard(request):
    """The IB's work queue: what waits for them and what is overdue (the first few of each,
    linked to the full lists), figures per stap, two charts and a filtered, paged list.

    The filter form is POSTed: a pupil's name stays in the request body, and the redirect
    puts the filter in the URL with the pupils as ids (so it can be paged and bookmarked).
    ``?lijst=te-laat`` shows every overdue talk, a page at a time.
    """
    user = request.user
    if not may_open(user, "dashboard"):
        raise PermissionDenied(
            _("Het overzicht is er voor de intern begeleider, de smw en de directie.")
        )
    today = timezone.localdate()
    if request.method == "GET" and request.GET.get("lijst") == "te-laat":
        talks = queries.with_case_pupils(queries.talk_rows(queries.overdue_talks(user, today)))
        return render(
            request,
            "cases/todo_list.html",
            {
                "title": _("Te late gesprekken"),
                "page": page_of(request, talks, query="lijst=te-laat"),
                "today": today,
                "back": (reverse("cases:dashboard"), _("Terug naar het overzicht")),
            },
        )
    if request.method == "POST":
        form = DashboardFilterForm(request.POST, user=user)
        if form.is_valid():
            query = form.query_string()
            # Straight to the results: below the charts they are a long scroll away.
            url = reverse("cases:dashboard") + (f"?{query}" if query else "")
            return redirect(url + "#results-title")
    else:
        form = DashboardFilterForm.from_url(request.GET, user=user)
    valid = form.is_valid()
    filters = form.filters() if valid else queries.Filters()
    cases = queries.filtered_cases(user, filters)
    figures = queries.dashboard_figures(user, filters)
    per_month = queries.signals_per_month(cases, filters.date_from, filters.date_to)
    # The pages keep a valid filter from the URL; a POSTed name never goes in a link.
    query = form.query_string() if valid and request.method == "GET" else ""
    page = page_of(
        request,
        queries.list_rows(cases.order_by("-created_at", "-pk")),
        query=query,
        count=figures.total,
    )
    waiting = list(queries.list_rows(queries.waiting_for_ib(user))[:CAP])
    overdue, overdue_count = capped(queries.talk_rows(queries.overdue_talks(user, today)))
    # One round of related rows for both lists.
    queries.add_list_data([*waiting, *page.object_list])
    return render(
        request,
        "cases/dashboard.html",
        {
            "form": form,
            "chosen_pupils": form.chosen_pupils(),
            "waiting_count": figures.waiting,
            "overdue_count": overdue_count,
            "waiting": waiting,
            "overdue": overdue,
            "counts": figures.per_state,
            "open_total": sum(n for _state, _label, n in figures.per_state),
            "per_month": per_month,
            "per_month_rows": zip(per_month["labels"], per_month["values"], strict=True),
            "per_place": figures.per_place,
            "per_place_rows": zip(
                figures.per_place["labels"], figures.per_place["values"], strict=True
            ),
            "today": today,
            "page": page,
            "query": query,
            "show_school": len(school_ids_of(user)) > 1,
        },
    )


# --- a new signal ----------------------------------------------------------------------


@login_required
def signal_new(request):
    if not may_open(request.user, "signal"):
        raise PermissionDenied(_("Een melding doet de leerkracht of de intern begeleider."))
    form = SignalForm(request.POST or None, request.FILES or None, user=request.user)
    open_choice = {}
    if request.method == "POST" and form.is_valid():
        open_choice = _open_case_choice(request, form)
    if isinstance(open_choice, HttpResponse):
        return open_choice
    if request.method == "POST" and form.is_valid() and not open_choice:
        data = form.cleaned_data
        pupils = data["pupils"]
        try:
            with transaction.atomic():
                case = services.case_create(
                    school=pupils[0][0].school,
                    by=request.user,
                    pupils=pupils,
                    reporter_kind=data["reporter_kind"],
                    reporter_name=data["reporter_name"],
                    signal_date=data["signal_date"],
                    place=data["place"],
                    description=data["description"],
                    warning_signs=data["warning_signs"],
                    is_digital=data["is_digital"],
                    separate_reason=data["separate_reason"],
                )
                for upload in data["evidence"]:
                    evidence_store(case, upload, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _(
                    "De melding is opgeslagen als casus %(ref)s. De volgende stap staat "
                    "hieronder: het gesprek met de gepeste leerling."
                )
                % {"ref": case.reference},
            )
            # Straight to the new case: its next step is one tap away there.
            return redirect("cases:detail", case.pk)
    return render(
        request,
        "cases/signal_form.html",
        {
            "form": form,
            "chosen": form.chosen_pupils(),
            "roles": CasePupil.Role.choices,
            **open_choice,
        },
    )


def _open_case_choice(request, form):
    """One open case per situation. When a pupil of the signal is already in an open case:
    add the signal to that case as a new report (``add_to``), or open a separate case with
    a reason, or else show the choice (a dict for the page). None of it names a case the
    user may not see: then the page only says there is one and the IB will be told.
    Returns a response (added), a context dict (choose), or {} (go on and create)."""
    data = form.cleaned_data
    pupils = data["pupils"]
    already = services.open_cases_about(pupils[0][0].school, [p for p, _r in pupils])
    if not already.exists():
        return {}
    visible = list(
        queries.with_list_data(visible_cases(request.user).filter(pk__in=already)).order_by(
            "created_at"
        )
    )
    wanted = record_ids([request.POST.get("add_to", "")])
    if wanted:
        target = next((c for c in visible if c.pk in wanted), None)
        if target is not None:  # the list row holds only what a row shows: the whole case
            target = visible_cases(request.user).get(pk=target.pk)
        if target is None:
            form.add_error(None, _("Kies een open casus om de melding aan toe te voegen."))
            return {"open_cases": visible, "hidden_open_case": len(visible) < already.count()}
        try:
            with transaction.atomic():
                services.case_add_report(
                    target,
                    by=request.user,
                    pupils=pupils,
                    reporter_kind=data["reporter_kind"],
                    reporter_name=data["reporter_name"],
                    signal_date=data["signal_date"],
                    place=data["place"],
                    description=data["description"],
                    warning_signs=data["warning_signs"],
                    is_digital=data["is_digital"],
                )
                for upload in data["evidence"]:
                    evidence_store(target, upload, by=request.user)
        except (ValidationError, PermissionDenied) as error:
            for text in error.messages if isinstance(error, ValidationError) else [str(error)]:
                form.add_error(None, text)
            return {"open_cases": visible, "hidden_open_case": len(visible) < already.count()}
        messages.success(
            request,
            _("De melding is toegevoegd aan casus %(ref)s, als nieuwe melding op de tijdlijn.")
            % {"ref": target.reference},
        )
        return redirect("cases:detail", pk=target.pk)
    if data["separate_reason"].strip():
        return {}
    for case in visible:  # the page names the pupils of these cases
        record_access(request, case, "view")
    return {"open_cases": visible, "hidden_open_case": len(visible) < already.count()}


@login_required
@require_POST
def pupil_search(request):
    """htmx: pupils the user may see whose name matches; already chosen ones left out.
    POST, so what is typed (a name) stays out of URLs, access logs and browser history."""
    text = request.POST.get("q", "").strip()
    pupils = []
    if len(text) >= 2:
        chosen = record_ids(request.POST.getlist("pupil"))
        pupils = (
            queries.pupils_matching(request.user, text)
            .filter(left_on__isnull=True)
            .exclude(pk__in=chosen)
            .select_related("school_class")
            .order_by("first_name", "last_name")[:10]
        )
    return render(
        request,
        "cases/_pupil_results.html",
        {
            "pupils": pupils,
            "text": text,
            "row_url": reverse("cases:pupil_row"),
            "rows_id": "pupil-rows",
        },
    )


@login_required
@require_GET
def pupil_row(request):
    """htmx: one picked pupil as a row with a role choice."""
    wanted = record_ids([request.GET.get("id", "")])
    pupil = get_object_or_404(
        visible_pupils(request.user).select_related("school_class"), pk__in=wanted
    )
    chosen = record_ids(request.GET.getlist("pupil"))
    role = "" if chosen else CasePupil.Role.VICTIM
    return render(
        request,
        "cases/_pupil_row.html",
        {
            "pupil": pupil,
            "role": role,
            "roles": CasePupil.Role.choices,
            "duplicate": pupil.pk in chosen,
            "clear_results": True,
        },
    )


# --- the case page ---------------------------------------------------------------------


def _with_holidays(case, talks: list) -> list:
    """Each planned talk with ``holiday``: the school holiday its date falls in, if any
    (looked up with the talks, ``queries.case_page_prefetches``)."""
    for talk in talks:
        talk.holiday = holiday_of(case.school, talk, talk.planned_on)
    return talks


@login_required
def case_detail(request, pk):
    case = get_object_or_404(
        visible_cases(request.user)
        .select_related(
            "school",
            "logged_by",
            "responsible_teacher",
            "ib",
            "smw",
            "coach_bully",
            "coach_victim",
            "coach_group",
            "traject",  # the No Blame panel's (noblame's reverse one-to-one), if any
            "school__noblame_settings",  # and that panel's school settings, if any
        )
        .prefetch_related(*queries.case_page_prefetches())
        .annotate(
            unread=Exists(
                Notification.objects.filter(
                    user=request.user, case=OuterRef("pk"), read_at__isnull=True
                )
            )
        ),
        pk=pk,
    )
    record_access(request, case, "view")
    user = request.user
    if case.unread:
        Notification.objects.filter(user=user, case=case, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    transitions = [
        (name, transition_label(name, case.state), problems)
        for name, problems in services.available_transitions(case, user)
    ]
    case_pupils = case.case_pupils.all()
    talks = [t for t in case.talks.all() if t.cycle == case.cycle]
    context = {
        "case": case,
        "case_panels": hooks.case_panels(),
        "case_pupils": case_pupils,
        "signs": [label for slug, label in WARNING_SIGNS if slug in case.warning_signs],
        "state_help": STATE_HELP[case.state],
        "transitions": transitions,
        "needed": _still_needed(transitions),
        # Choices that are confirmed on a page of their own (stap 2), remark and all.
        "confirm_names": {name for name, _label, _p in transitions if confirmation(name, case)},
        "transition_form": TransitionForm(),
        "may_record_talk": services.RECORD_TALK.allows(case, user),
        "talks_now": _talks_now(case, talks),
        "planned": _with_holidays(
            case, [t for t in talks if t.planned_on and not t.versions.all()]
        ),
        "anytime_talks": [(k, TalkKind(k).label) for k in ANYTIME_TALKS],
        "timeline": queries.case_timeline(case),
        "evidence": case.evidence.all(),
        "today": timezone.localdate(),
    }
    if case.state == State.ASSESSMENT:
        context["decision_aid"] = DECISION_AID
        context["earlier"] = queries.earlier_cases(case, user)
        context["earlier_visible"] = {cp.case_id for cp in context["earlier"] if cp.visible}
    context.update(_across_cases(case))
    if services.ADD_EVIDENCE.allows(case, user):
        context["evidence_form"] = EvidenceForm()
    # The form to add a pupil lists the school's pupils: it is fetched when opened.
    context["may_add_pupil"] = services.ADD_PUPIL.allows(case, user)
    if services.NOTE_OUTCOME.allows(case, user):
        context["outcome_form"] = OutcomeForm(initial={"outcome": case.outcome})
    if services.PLAN_TALK.allows(case, user):
        context["plan_talk_form"] = TalkPlanForm()
    if services.ASSIGN_COACHES.allows(case, user) and not (
        case.coach_bully_id and case.coach_victim_id
    ):
        context["coaches_form"] = CoachesForm(case=case)
    return render(request, "cases/case_detail.html", context)


def _across_cases(case) -> dict:
    """What the protocol's rules across cases show on the case page: which rule sent the
    case here and why, the recurrences of its bullies (and the advice for outside help
    still to give), a victim's third case, later reports, digital-bullying advice."""
    # History rows, talks and reports come with the case (queries.case_page_prefetches).
    decided = max(
        (change for change in case.state_changes.all() if change.rule),
        key=lambda change: (change.at, change.pk),
        default=None,
    )
    recurrences = [r for r in case.recurrences.all() if r.cycle == case.cycle]
    outside_help_talks = [t for t in case.talks.all() if t.kind == TalkKind.OUTSIDE_HELP_VICTIM]
    return {
        "decided": decided,
        "decided_title": routing.RULES.get(decided.rule, "") if decided else "",
        "recurrences": recurrences,
        "advice_due": [r for r in recurrences if r.needs_outside_help_advice],
        "outside_help_talks": outside_help_talks,
        "outside_help_contacts": OUTSIDE_HELP_CONTACTS if outside_help_talks else (),
        "reports": list(case.reports.all()),
        "digital_advice": DIGITAL_ADVICE if case.is_digital else (),
        "printables": printables.PRINTABLES,
    }


def _still_needed(transitions) -> list[str]:
    """When nothing can fire yet: every distinct reason, in order."""
    if any(not problems for _name, _label, problems in transitions):
        return []
    return list(dict.fromkeys(p for _n, _l, problems in transitions for p in problems))


def _talks_now(case, talks):
    """The protocol talks of the current stap, each with its newest version (or None)."""
    rows = []
    for kind in TALKS_BY_STATE.get(case.state, ()):
        held = [t for t in talks if t.kind == kind and t.versions.all()]
        latest = max(
            (v for t in held for v in t.versions.all()),
            key=lambda v: (v.talk.created_at, v.number),
            default=None,
        )
        rows.append((kind, TalkKind(kind).label, latest))
    return rows


@login_required
@require_POST
def case_fire(request, pk, name):
    case = _case_for(request, pk)
    form = TransitionForm(request.POST)
    remark = form.cleaned_data["remark"] if form.is_valid() else ""
    try:
        services.case_transition(case, name, by=request.user, remark=remark)
    except services.TransitionRefused as refused:
        messages.error(request, _("Dat kan nu niet:") + " " + " ".join(refused.reasons))
    else:
        messages.success(request, _("De casus staat nu in: %(stap)s") % {"stap": case.stap_label})
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_GET
def case_confirm(request, pk, name):
    """Stap 2: say in plain words what a choice does and who hears of it, with room for a
    remark, before it fires (the form posts to ``case_fire``)."""
    case = _case_for(request, pk)
    if name not in services.TRANSITION_NAMES:
        raise Http404
    record_access(request, case, "view")
    # A page left open while someone else moved the case on: back, with the reason.
    problems = services.transition_check(case, name, request.user)
    if problems:
        messages.error(request, _("Dat kan nu niet:") + " " + " ".join(problems))
        return redirect("cases:detail", pk=case.pk)
    explained = confirmation(name, case)
    if explained is None:  # fires from the case page itself
        return redirect("cases:detail", pk=case.pk)
    steps, informed = explained
    context = {
        "case": case,
        "name": name,
        "label": transition_label(name, case.state),
        "steps": steps,
        "informed": informed,
        "transition_form": TransitionForm(),
    }
    return render(request, "cases/confirm.html", context)


@login_required
def talk(request, pk, kind):
    """Record a talk of one kind (or a new version of it), with its guidance beside it."""
    case = _case_for(request, pk)
    if kind not in TalkKind.values:
        raise Http404
    if not CASE_WORKERS(case, request.user):
        messages.error(request, CASE_WORKERS.message)
        return redirect("cases:detail", pk=case.pk)
    existing = None
    if "gesprek" in request.GET:
        wanted = record_ids([request.GET["gesprek"]])
        existing = get_object_or_404(case.talks, pk__in=wanted, kind=kind)
    version = existing.versions.order_by("-number").first() if existing else None
    # The planned talk this will fill (the one given, or the oldest planned one of the kind).
    window = existing or (
        case.talks.filter(kind=kind, cycle=case.cycle, recorded=False)
        .order_by("planned_on", "pk")
        .first()
    )
    form = TalkForm(request.POST or None, kind=kind, case=case, version=version, window=window)
    if version is None and not form.is_bound:
        form.initial["staff"] = [request.user.pk]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.talk_record(
                case,
                kind,
                by=request.user,
                held_on=data["held_on"],
                answers=form.answers(),
                notes=data["notes"],
                confidential_notes=data["confidential_notes"],
                staff=data["staff"],
                pupils=data["pupils"],
                guardians=data["guardians"],
                talk=existing,
                early_reason=data.get("early_reason", ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Gesprek vastgelegd: %(talk)s") % {"talk": TalkKind(kind).label}
            )
            return redirect(reverse("cases:detail", args=[case.pk]) + "#gesprekken")
    # The form shows the talk held (a new version starts from it) or the case's pupils.
    record_access(request, existing if version is not None else case, "view")
    return render(
        request,
        "cases/talk_form.html",
        {
            "case": case,
            "kind_label": TalkKind(kind).label,
            "form": form,
            "guidance": TALK_GUIDANCE[kind],
            "existing": existing,
            "version": version,
        },
    )


def _post_form(request, pk, form_class, write, **form_kwargs):
    """Shared start of the small POST-only forms of the case page: someone whose role may
    never make this change (``write``, a ``rules.Write`` of the service) is refused first."""
    case = _case_for(request, pk)
    _require(write.permission, case, request.user)
    return case, form_class(request.POST, request.FILES or None, **form_kwargs)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def case_outcome(request, pk):
    case, form = _post_form(request, pk, OutcomeForm, services.NOTE_OUTCOME)
    if form.is_valid():
        try:
            services.case_note_outcome(case, form.cleaned_data["outcome"], by=request.user)
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("De uitkomst is genoteerd."))
    else:
        _form_errors(request, form)
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_coaches(request, pk):
    case = _case_for(request, pk)
    _require(services.ASSIGN_COACHES.permission, case, request.user)
    form = CoachesForm(request.POST, case=case)
    if form.is_valid():
        try:
            services.case_assign_coaches(case, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("De coaches zijn vastgelegd."))
    else:
        _form_errors(request, form)
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def case_plan_talk(request, pk):
    case, form = _post_form(request, pk, TalkPlanForm, services.PLAN_TALK)
    if form.is_valid():
        try:
            services.talk_plan(
                case, form.cleaned_data["kind"], form.cleaned_data["planned_on"], by=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("Het gesprek is gepland."))
            holiday = holiday_on(case.school, form.cleaned_data["planned_on"])
            if holiday:
                messages.warning(
                    request,
                    _("Let op: die datum valt in de %(holiday)s van de school.")
                    % {"holiday": holiday},
                )
    else:
        _form_errors(request, form)
    return redirect(reverse("cases:detail", args=[case.pk]) + "#gesprekken")


@login_required
@require_http_methods(["GET", "POST"])
def case_add_pupil(request, pk):
    """GET: the form to add a pupil, which lists the school's pupils; the case page loads
    it when "Een leerling toevoegen" is opened (htmx), or as a page of its own without
    JavaScript. POST: add the pupil."""
    case = _case_for(request, pk)
    _require(services.ADD_PUPIL.permission, case, request.user)
    if request.method == "GET":
        record_access(request, case, "view")
        fragment = request.headers.get("HX-Request") == "true"
        template = "cases/_add_pupil_form.html" if fragment else "cases/add_pupil.html"
        return render(
            request,
            template,
            {"case": case, "add_pupil_form": AddPupilForm(case=case, user=request.user)},
        )
    form = AddPupilForm(request.POST, case=case, user=request.user)
    if form.is_valid():
        try:
            services.case_add_pupil(
                case, form.cleaned_data["pupil"], form.cleaned_data["role"], by=request.user
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("De leerling is aan de casus gekoppeld."))
    else:
        _form_errors(request, form)
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def evidence_add(request, pk):
    case, form = _post_form(request, pk, EvidenceForm, services.ADD_EVIDENCE)
    if form.is_valid():
        try:
            with transaction.atomic():  # all files or none
                for upload in form.cleaned_data["files"]:
                    evidence_store(
                        case, upload, by=request.user, description=form.cleaned_data["description"]
                    )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("Het bewijs is bewaard bij de casus."))
    else:
        _form_errors(request, form)
    return redirect(reverse("cases:detail", args=[case.pk]) + "#bewijs")


@login_required
@require_GET
def evidence_download(request, pk, evidence_pk):
    """An evidence file, only for someone who may see the case, always as a download named
    by the case (``2026-014-bewijs-3.png``), never by what was uploaded."""
    case = _case_for(request, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, case=case)
    record_access(request, evidence, "download")
    return stored_download(evidence.file, case.reference, "bewijs", evidence_number(evidence))


@login_required
@require_GET
def case_printable(request, pk, kind):
    """A printable of the case (``cases.printables``) as a PDF named by the case reference."""
    case = _case_for(request, pk)
    if kind not in printables.PRINTABLES:
        raise Http404
    record_access(request, case, "print")
    response = HttpResponse(printables.render(kind, case), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{printables.filename(kind, case)}"'
    response["Cache-Control"] = "no-store"
    return response
