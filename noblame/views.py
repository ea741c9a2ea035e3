"""The SMW's pages for the No Blame traject of a case (and the IB's and teacher's).

Every view fetches the case through ``cases.access.visible_cases`` and answers
404 for a case the user may not see; changes are POST only and go through
``noblame.services``. A refusal is shown on the page; nothing typed is lost.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from audit import record_access
from cases import queries as case_queries
from cases.access import visible_cases
from cases.forms import record_ids
from cases.paging import page_of
from cases.uploads import stored_download
from noblame import printables, queries, rules, services
from noblame.defaults import MEETING_RULES, guidance_for
from noblame.forms import (
    CheckInForm,
    CloseForm,
    GroupFormSet,
    MeetingForm,
    MeetingPlanForm,
    MemberFollowUpForm,
    OtherClassChoiceForm,
    OtherClassPupilForm,
    ParticipantAddForm,
    ScheduleForm,
    SchoolSettingsForm,
    VictimFollowUpForm,
    VictimTalkForm,
)
from noblame.models import (
    CASE_ROLE_TO_MEMBER,
    CLOSED_STATES,
    Participant,
    SchoolSettings,
    SupportGroupMember,
    Traject,
    TrajectState,
)
from schools.scope import managed_schools
from schools.views import beheer_view

# What happens in each sub-step, in plain words for the traject page.
STATE_TEXT = {
    TrajectState.PREPARATION: gettext_lazy(
        "Iedereen die meedoet (leerkracht, RT-leerkracht, intern begeleider) bevestigt dat "
        "hij of zij de No Blame-aanpak kent."
    ),
    TrajectState.VICTIM_TALK: gettext_lazy(
        "Het gesprek met de gepeste leerling: wat er gebeurt en wanneer, wie kan helpen en of "
        "de leerling hulp wil. Samen kiezen jullie de kinderen voor de steungroep."
    ),
    TrajectState.VICTIM_ASSIGNMENT: gettext_lazy(
        "De leerling let op wat anderen doen om aardig te zijn. Intussen stelt u de steungroep "
        "samen."
    ),
    TrajectState.GROUP_FORMED: gettext_lazy(
        "De steungroep staat. Plan de bijeenkomst en nodig ieder kind persoonlijk uit."
    ),
    TrajectState.GROUP_MEETING: gettext_lazy(
        "De bijeenkomst met de steungroep, zonder de gepeste leerling. Elk idee wordt "
        "opgeschreven met de naam van wie het gaat doen."
    ),
    TrajectState.FOLLOW_UP: gettext_lazy(
        "De nabesprekingen: met de gepeste leerling over wat er veranderd is, en kort met elk "
        "lid van de groep in de afgesproken volgorde."
    ),
    TrajectState.CLOSED_SUCCESS: gettext_lazy(
        "Het is verbeterd en het traject is afgesloten. De casus kan nu worden afgesloten."
    ),
    TrajectState.CLOSED_INEFFECTIVE: gettext_lazy(
        "De aanpak heeft niet (genoeg) geholpen. De casus gaat verder met stap 4, het plan "
        "van aanpak."
    ),
}

# What the SMW reads after moving the traject on: where it now stands, and what comes next.
STATE_REACHED = {
    TrajectState.PREPARATION: gettext_lazy("Het traject staat weer in de voorbereiding."),
    TrajectState.VICTIM_TALK: gettext_lazy(
        "De voorbereiding is rond. Nu volgt het gesprek met de gepeste leerling."
    ),
    TrajectState.VICTIM_ASSIGNMENT: gettext_lazy(
        "De opdracht voor de gepeste leerling loopt. Stel intussen de steungroep samen."
    ),
    TrajectState.GROUP_FORMED: gettext_lazy(
        "De steungroep is samengesteld. Plan nu de bijeenkomst met de groep."
    ),
    TrajectState.GROUP_MEETING: gettext_lazy(
        "De bijeenkomst van de steungroep is aan de beurt. Leg daarna de ideeën vast, elk met "
        "de naam van wie het gaat doen."
    ),
    TrajectState.FOLLOW_UP: gettext_lazy(
        "De bijeenkomst is vastgelegd. Nu volgen de nabesprekingen met de gepeste leerling en "
        "met elk lid van de groep."
    ),
    TrajectState.CLOSED_SUCCESS: gettext_lazy(
        "Het traject is afgesloten: het gaat beter. De casus kan nu worden afgesloten."
    ),
    TrajectState.CLOSED_INEFFECTIVE: gettext_lazy(
        "Het traject is afgesloten zonder genoeg verbetering. De casus gaat verder met "
        "stap 4, het plan van aanpak."
    ),
}

TABS = [
    ("traject", gettext_lazy("Overzicht")),
    ("preparation", gettext_lazy("Voorbereiding")),
    ("victim_talk", gettext_lazy("Gesprek met de leerling")),
    ("group", gettext_lazy("Steungroep")),
    ("meeting", gettext_lazy("Bijeenkomst")),
    ("follow_up", gettext_lazy("Nabesprekingen")),
]


def _load(request, pk) -> Traject:
    case = get_object_or_404(visible_cases(request.user).select_related("school"), pk=pk)
    return get_object_or_404(Traject.objects.select_related("case", "case__school"), case=case)


def _page(request, template, traject, tab, **context):
    """Render one of the traject's pages; every one shows pupil data, so its read is recorded."""
    record_access(request, traject, "view")
    return render(
        request,
        template,
        {
            "case": traject.case,
            "traject": traject,
            "tab": tab,
            "tabs": TABS,
            "max_rounds": traject.settings.max_rounds,
            "may_coordinate": rules.COORDINATOR(traject, request.user),
            "may_hold_talks": rules.TALK_HOLDER(traject, request.user),
            "today": timezone.localdate(),
            **context,
        },
    )


def _refused(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _back(traject, name="traject"):
    return redirect(f"noblame:{name}", pk=traject.case_id)


# --- the overview and the transitions ----------------------------------------------------


@login_required
def traject_list(request):
    """The trajects of every case the user may see, a page at a time: the running ones by
    their next date (computed in SQL, see ``noblame.queries``), or the closed ones, newest
    first."""
    trajects = Traject.objects.filter(case__in=visible_cases(request.user))
    counts = trajects.aggregate(
        lopend=Count("pk", filter=~Q(state__in=CLOSED_STATES)),
        afgesloten=Count("pk", filter=Q(state__in=CLOSED_STATES)),
    )
    shown = "afgesloten" if request.GET.get("toon") == "afgesloten" else "lopend"
    if shown == "lopend":
        # The order in SQL (only the next date), then the page's rows with what is due.
        ordered = queries.by_next_due(trajects.exclude(state__in=CLOSED_STATES)).order_by(
            F("next_on").asc(nulls_last=True), "pk"
        )
        page = page_of(
            request, ordered.values_list("pk", flat=True), query="toon=lopend", count=counts[shown]
        )
        found = {t.pk: t for t in queries.with_next_due(_list_rows(trajects, page.object_list))}
        rows = [(found[pk], queries.next_due(found[pk])) for pk in page.object_list]
    else:
        closed = trajects.filter(state__in=CLOSED_STATES).order_by("-closed_at", "-pk")
        page = page_of(request, _list_rows(closed), query="toon=afgesloten", count=counts[shown])
        rows = [(t, None) for t in page.object_list]
    return render(
        request,
        "noblame/traject_list.html",
        {
            "tabs": [
                ("lopend", _("Lopende trajecten"), counts["lopend"]),
                ("afgesloten", _("Afgesloten"), counts["afgesloten"]),
            ],
            "shown": shown,
            "page": page,
            "rows": rows,
            "today": timezone.localdate(),
        },
    )


def _list_rows(trajects, pks=None):
    """Trajects with only what a row of the list shows."""
    if pks is not None:
        trajects = trajects.filter(pk__in=list(pks))
    return case_queries.with_case_pupils(  # the pupils beside the reference
        trajects.select_related("case", "case__school").only(
            "state", "round", "closed_at", "case__reference", "case__state", "case__school__name"
        )
    )


@login_required
def traject_detail(request, pk):
    traject = _load(request, pk)
    transitions = services.available_transitions(traject, request.user)
    still_needed = services.still_needed(traject)
    return _page(
        request,
        "noblame/traject_detail.html",
        traject,
        "traject",
        state_text=STATE_TEXT[traject.state],
        still_needed=still_needed,
        next_due=traject.next_due(),
        buttons=[
            (name, label, _why_not(problems, still_needed))
            for name, label, problems in transitions
            if name != "close_ineffective" and rules.COORDINATOR(traject, request.user)
        ],
        close_form=CloseForm()
        if any(n == "close_ineffective" for n, _l, _p in transitions)
        and rules.COORDINATOR(traject, request.user)
        else None,
        # The sub-steps and the pupils added from another groep, in the order they happened.
        history=sorted(
            [
                *traject.state_changes.select_related("by"),
                *traject.other_class_pupils.select_related("by", "pupil__school_class"),
            ],
            key=lambda row: (row.at, row.pk),
        ),
        members=traject.members(),
        victim_talk=traject.victim_talk,
        check_in=traject.check_in,
        rounds=traject.rounds.order_by("number"),
        invitation_ready=printables.invitation_available(traject),
        slips_ready=printables.slips_available(traject),
    )


def _why_not(problems: list[str], still_needed: list[str]) -> list[str]:
    """Why a button is disabled, without repeating the list of what is still needed."""
    own = [p for p in problems if p not in still_needed]
    if problems and not own:
        return [_("Eerst wat hierboven nog nodig is.")]
    return own


@login_required
@require_POST
def traject_fire(request, pk, name):
    traject = _load(request, pk)
    try:
        services.traject_transition(
            traject, name, by=request.user, remark=request.POST.get("remark", "")
        )
    except services.TransitionRefused as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
    else:
        messages.success(request, str(STATE_REACHED[traject.state]))
    return _back(traject)


# --- preparation -------------------------------------------------------------------------


@login_required
def preparation(request, pk):
    traject = _load(request, pk)
    form = ParticipantAddForm(request.POST or None, traject=traject)
    if request.method == "POST" and form.is_valid():
        try:
            services.participant_add(
                traject, form.cleaned_data["user"], form.cleaned_data["role"], by=request.user
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Toegevoegd aan de lijst."))
            return _back(traject, "preparation")
    people = traject.preparation_list()
    return _page(
        request,
        "noblame/preparation.html",
        traject,
        "preparation",
        people=people,
        form=form,
        editable=traject.state == TrajectState.PREPARATION,
        may_confirm=traject.state == TrajectState.PREPARATION
        and any(p.user_id == request.user.pk and p.confirmed_at is None for p in people),
        guidance=guidance_for(traject.case.school, "preparation"),
    )


@login_required
@require_POST
def preparation_confirm(request, pk):
    # Someone the SMW put on the list (a remedial teacher) may not see the case itself, yet
    # confirms here, from Te doen; confirming reveals nothing of the case.
    on_list = Participant.objects.filter(traject__case_id=pk, user=request.user).values(
        "traject__case_id"
    )
    case = get_object_or_404(
        Traject.objects.filter(
            Q(case__in=visible_cases(request.user)) | Q(case_id__in=on_list)
        ).values_list("case_id", flat=True),
        case_id=pk,
    )
    traject = get_object_or_404(Traject.objects.select_related("case", "case__school"), case=case)
    try:
        services.preparation_confirm(traject, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Bevestigd: u kent de No Blame-aanpak."))
    if request.POST.get("terug") == "te-doen" or not visible_cases(request.user).filter(pk=pk):
        return redirect("cases:todo")  # the one tap from Te doen goes back there
    return _back(traject, "preparation")


@login_required
@require_POST
def participant_remove(request, pk, participant_pk):
    traject = _load(request, pk)
    participant = get_object_or_404(Participant, pk=participant_pk, traject=traject)
    try:
        services.participant_remove(participant, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(traject, "preparation")


# --- the talk with the victim ------------------------------------------------------------


def _victim_talk_initial(traject) -> dict:
    talk = traject.victim_talk
    if talk is None:
        return {
            "held_on": timezone.localdate(),
            "assignment": _(
                "Let de komende tijd op wat andere kinderen doen om aardig voor je te zijn."
            ),
        }
    fields = VictimTalkForm.Meta.fields
    initial = {f: getattr(talk, f) for f in fields if f != "chosen_pupils"}
    initial["chosen_pupils"] = list(talk.chosen_pupils.all())
    return initial


@login_required
@require_POST
def pick_search(request, pk):
    """htmx: the pupils the talk with the victim may choose for the group whose name
    matches what is typed; the ones already chosen left out. POST keeps the name out of
    URLs and logs."""
    traject = _load(request, pk)
    text = request.POST.get("q", "").strip()
    pupils = []
    if len(text) >= 2:
        chosen = record_ids(request.POST.getlist("chosen_pupils"))
        pickable = services.pickable_pupils(traject, request.user)
        pupils = (
            case_queries.pupils_matching(request.user, text)
            .filter(pk__in=pickable.values("pk"))
            .exclude(pk__in=chosen)
            .select_related("school_class")
            .order_by("first_name", "last_name")[:10]
        )
    context = {
        "pupils": pupils,
        "text": text,
        "row_url": reverse("noblame:pick_row", args=[traject.case_id]),
        "rows_id": "chosen-rows",
    }
    return render(request, "cases/_pupil_results.html", context)


@login_required
@require_GET
def pick_row(request, pk):
    """htmx: one pupil picked for the group, as a row to remove again."""
    traject = _load(request, pk)
    wanted = record_ids([request.GET.get("id", "")])
    pupil = get_object_or_404(services.pickable_pupils(traject, request.user), pk__in=wanted)
    chosen = record_ids(request.GET.getlist("chosen_pupils"))
    context = {"pupil": pupil, "duplicate": pupil.pk in chosen, "clear_results": True}
    return render(request, "noblame/_chosen_row.html", context)


@login_required
def victim_talk(request, pk):
    traject = _load(request, pk)
    editable = traject.state in (TrajectState.VICTIM_TALK, TrajectState.VICTIM_ASSIGNMENT)
    form = VictimTalkForm(
        request.POST or None,
        request.FILES or None,
        pupils=services.pickable_pupils(traject, request.user),
        initial=_victim_talk_initial(traject),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.victim_talk_record(
                traject,
                by=request.user,
                held_on=data["held_on"],
                what_happens=data["what_happens"],
                when_happens=data["when_happens"],
                who_could_help=data["who_could_help"],
                wants_change=data["wants_change"],
                approach_explained=data["approach_explained"],
                chosen_pupils=data["chosen_pupils"],
                confidential_agreements=data["confidential_agreements"],
                assignment=data["assignment"],
                check_in_on=data["check_in_on"],
                notes=data["notes"],
                letter=data["letter_upload"],
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Het gesprek is vastgelegd."))
            return _back(traject, "victim_talk")
    return _page(
        request,
        "noblame/victim_talk.html",
        traject,
        "victim_talk",
        form=form,
        editable=editable,
        talk=traject.victim_talk,
        versions=traject.victim_talks.count(),
        guidance=guidance_for(traject.case.school, "victim_talk"),
        may_add_other_class=services.may_add_other_class(traject, request.user),
    )


@login_required
def letter(request, pk):
    """The victim's letter or drawing, as an attachment named after the case only."""
    traject = _load(request, pk)
    talk = traject.victim_talk
    if talk is None or not talk.letter:
        raise Http404
    record_access(request, talk, "download")
    # Served as what its content is, also for letters kept before the content was checked.
    return stored_download(talk.letter, traject.case.reference, "brief")


# --- the support group -------------------------------------------------------------------


def _group_initial(traject) -> list[dict]:
    """The group as it is, or else the pupils chosen with the victim in their case role."""
    members = list(traject.members())
    if members:
        return [{"pupil": m.pupil, "role": m.role} for m in members]
    talk = traject.victim_talk
    if talk is None:
        return []
    case_roles = dict(traject.case.case_pupils.values_list("pupil_id", "role"))
    return [
        {"pupil": p, "role": CASE_ROLE_TO_MEMBER.get(case_roles.get(p.pk), "")}
        for p in talk.chosen_pupils.order_by("first_name")
    ]


@login_required
def group(request, pk):
    traject = _load(request, pk)
    editable = traject.state in (TrajectState.VICTIM_ASSIGNMENT, TrajectState.GROUP_FORMED)
    formset = GroupFormSet(
        request.POST or None,
        pupils=services.pickable_pupils(traject, request.user),
        initial=_group_initial(traject),
        prefix="lid",
    )
    if request.method == "POST" and formset.is_valid():
        try:
            warnings = services.group_compose(traject, formset.members(), by=request.user)
        except ValidationError as error:
            formset._non_form_errors = formset.error_class(error.messages)
        else:
            messages.success(request, _("De steungroep is opgeslagen."))
            for warning in warnings:
                messages.warning(request, warning)
            return _back(traject, "group")
    members = list(traject.members())
    return _page(
        request,
        "noblame/group.html",
        traject,
        "group",
        formset=formset,
        editable=editable,
        members=members,
        warnings=rules.group_warnings([m.role for m in members]),
        chosen=traject.victim_talk.chosen_pupils.all() if traject.victim_talk else [],
        may_add_other_class=services.may_add_other_class(traject, request.user),
    )


# Where "Leerling uit een andere groep toevoegen" goes back to (``?terug=``).
OTHER_CLASS_BACK = ("victim_talk", "group")


@login_required
def other_class(request, pk):
    """The IB's or SMW's step "Leerling uit een andere groep toevoegen": choose the groep
    (GET ``groep``), then the pupil and why (POST). Nobody else gets the page."""
    traject = _load(request, pk)
    if not rules.COORDINATOR(traject, request.user):
        raise PermissionDenied(str(rules.COORDINATOR.message))
    back = request.GET.get("terug")
    back = back if back in OTHER_CLASS_BACK else "group"
    editable = traject.state in services.CHOOSING_STATES
    choice = OtherClassChoiceForm(
        request.GET if "groep" in request.GET else None,
        classes=services.other_classes(traject),
    )
    school_class = choice.cleaned_data["groep"] if choice.is_bound and choice.is_valid() else None
    form = None
    if school_class is not None:
        form = OtherClassPupilForm(
            request.POST or None,
            pupils=services.other_class_candidates(traject, school_class, request.user),
        )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            added = services.other_class_pupil_add(
                traject,
                form.cleaned_data["pupil"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(
                request,
                _("%(name)s kan nu voor de steungroep worden gekozen.")
                % {"name": added.pupil.full_name},
            )
            return _back(traject, back)
    return _page(
        request,
        "noblame/other_class.html",
        traject,
        back,
        choice=choice,
        form=form,
        no_groep=request.method == "POST" and form is None,
        school_class=school_class,
        back=back,
        editable=editable,
        added=traject.other_class_pupils.select_related("pupil__school_class", "by"),
    )


# --- the meeting -------------------------------------------------------------------------


def _meeting_initial(traject) -> dict:
    current = traject.current_round
    meeting = current.meeting() if current else None
    if meeting is None:
        return {
            "held_on": (current.meeting_planned_on if current else None) or timezone.localdate(),
            "attendees": list(traject.group_members.all()),
        }
    initial = {
        "held_on": meeting.held_on,
        "attendees": list(meeting.attendees.all()),
        "notes": meeting.notes,
    }
    for idea in meeting.ideas.all():
        key = MeetingForm.idea_field(idea.member)
        initial[key] = "\n".join(filter(None, [initial.get(key, ""), idea.text]))
    return initial


@login_required
def meeting(request, pk):
    traject = _load(request, pk)
    current = traject.current_round
    form = MeetingForm(request.POST or None, traject=traject, initial=_meeting_initial(traject))
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_record(
                traject,
                by=request.user,
                held_on=form.cleaned_data["held_on"],
                attendees=form.cleaned_data["attendees"],
                ideas=form.ideas(),
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("De bijeenkomst is vastgelegd."))
            return _back(traject, "meeting")
    plan_form = MeetingPlanForm(
        initial={"planned_on": current.meeting_planned_on if current else None}
    )
    meetings = [(r, r.meeting()) for r in traject.rounds.order_by("-number")]
    return _page(
        request,
        "noblame/meeting.html",
        traject,
        "meeting",
        form=form,
        plan_form=plan_form,
        may_plan=traject.state in (TrajectState.GROUP_FORMED, TrajectState.GROUP_MEETING),
        editable=traject.state == TrajectState.GROUP_MEETING,
        current=current,
        meetings=[(r, m) for r, m in meetings if m is not None],
        rules_list=MEETING_RULES,
        guidance=guidance_for(traject.case.school, "group_meeting"),
    )


@login_required
@require_POST
def meeting_plan(request, pk):
    traject = _load(request, pk)
    form = MeetingPlanForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_plan(traject, form.cleaned_data["planned_on"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("De datum van de bijeenkomst is opgeslagen."))
    else:
        messages.error(request, _("Vul een geldige datum in."))
    return _back(traject, "meeting")


# --- follow-ups --------------------------------------------------------------------------


@login_required
def follow_up(request, pk):
    traject = _load(request, pk)
    current = traject.current_round
    order_locked = bool(current and current.follow_ups.filter(member__isnull=False).exists())
    schedule_form = None
    if current is not None and current.meeting() is not None:
        schedule_form = ScheduleForm(
            request.POST or None,
            traject=traject,
            order_locked=order_locked,
            initial={
                "victim_due": current.victim_follow_up_due,
                "group_due": current.group_follow_up_due,
            },
        )
    if request.method == "POST":
        if schedule_form is None:
            raise Http404
        if schedule_form.is_valid():
            try:
                services.follow_up_schedule(
                    traject,
                    by=request.user,
                    victim_due=schedule_form.cleaned_data["victim_due"],
                    group_due=schedule_form.cleaned_data["group_due"],
                    order=schedule_form.order(),
                )
            except ValidationError as error:
                _refused(schedule_form, error)
            else:
                messages.success(request, _("De planning is opgeslagen."))
                return _back(traject, "follow_up")
    members = list(traject.members())
    talks = []
    if current is not None:
        talks = [(None, current.follow_up_for(None))] + [
            (m, current.follow_up_for(m)) for m in members
        ]
    meeting_on = current.meeting().held_on if current and current.meeting() else None
    settings = traject.settings
    return _page(
        request,
        "noblame/follow_up.html",
        traject,
        "follow_up",
        current=current,
        schedule_form=schedule_form,
        schedule_editable=traject.state in (TrajectState.GROUP_MEETING, TrajectState.FOLLOW_UP),
        order_locked=order_locked,
        talks=talks,
        talks_open=traject.state == TrajectState.FOLLOW_UP,
        meeting_on=meeting_on,
        settings=settings,
        past_rounds=[
            (r, r.follow_up_for(None)) for r in traject.rounds.filter(number__lt=traject.round)
        ],
    )


def _follow_up_talk(request, pk, member_pk=None):
    traject = _load(request, pk)
    member = (
        get_object_or_404(SupportGroupMember.objects.select_related("pupil"), pk=member_pk)
        if member_pk is not None
        else None
    )
    if member is not None and member.traject_id != traject.pk:
        raise Http404
    current = traject.current_round
    if current is None:
        raise Http404
    form_class = MemberFollowUpForm if member else VictimFollowUpForm
    latest = current.follow_up_for(member)
    initial = (
        {f: getattr(latest, f) for f in form_class.Meta.fields}
        if latest
        else {"held_on": timezone.localdate()}
    )
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.follow_up_record(traject, member, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("De nabespreking is vastgelegd."))
            return _back(traject, "follow_up")
    meeting_ = current.meeting()
    ideas = meeting_.ideas.filter(member=member) if meeting_ and member else []
    window_opens = services.follow_up_window_opens(traject, member, meeting_)
    waiting = services.members_before(current, member)
    return _page(
        request,
        "noblame/follow_up_talk.html",
        traject,
        "follow_up",
        form=form,
        member=member,
        ideas=ideas,
        current=current,
        latest=latest,
        window_opens=window_opens,
        waiting=waiting,
        editable=traject.state == TrajectState.FOLLOW_UP,
        guidance=guidance_for(
            traject.case.school, "member_follow_up" if member else "victim_follow_up"
        ),
    )


@login_required
def check_in(request, pk):
    """The check-in on the victim's assignment: a short talk, about a week after the talk."""
    traject = _load(request, pk)
    talk = traject.victim_talk
    latest = traject.check_in
    initial = (
        {f: getattr(latest, f) for f in CheckInForm.Meta.fields}
        if latest
        else {"held_on": timezone.localdate()}
    )
    form = CheckInForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_in_record(traject, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Het terugkomen op de opdracht is vastgelegd."))
            return _back(traject)
    return _page(
        request,
        "noblame/check_in.html",
        traject,
        "victim_talk",
        form=form,
        talk=talk,
        latest=latest,
        editable=talk is not None and traject.state in services.CHECK_IN_STATES,
    )


@login_required
def follow_up_victim(request, pk):
    return _follow_up_talk(request, pk)


@login_required
def follow_up_member(request, pk, member_pk):
    return _follow_up_talk(request, pk, member_pk)


# --- printables --------------------------------------------------------------------------

PRINTABLES = {
    "uitnodiging": ("invitation", printables.invitation_available, printables.invitation_list_pdf),
    "hulpbriefjes": ("slips", printables.slips_available, printables.help_slips_pdf),
}


@login_required
def printable(request, pk, kind):
    """A printable as an attachment; 404 for a case the user may not see or a missing one."""
    traject = _load(request, pk)
    if kind not in PRINTABLES:
        raise Http404
    key, available, render_pdf = PRINTABLES[kind]
    if not available(traject):
        raise Http404
    record_access(request, traject, "print")
    response = HttpResponse(render_pdf(traject), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{printables.filename(key, traject)}"'
    response["Cache-Control"] = "no-store"
    return response


# --- the school's own No Blame settings (beheer) --------------------------------------------


@beheer_view("GET", "POST")
def school_settings(request, pk):
    school = get_object_or_404(managed_schools(request.user), pk=pk)
    current = SchoolSettings.for_school(school)
    initial = {name: getattr(current, name) for name in services.SETTINGS_FIELDS}
    form = SchoolSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_settings_save(school, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("De instellingen zijn opgeslagen."))
            return redirect("noblame:school_settings", pk=school.pk)
    return render(request, "noblame/school_settings.html", {"school": school, "form": form})
