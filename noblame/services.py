"""The one way in for every change to a No Blame traject.

``traject_transition`` fires a sub-transition: it checks the permission and the
guard, saves inside ``transaction.atomic()`` and writes one history row. The
other functions record what happens in each sub-step (preparation, the talk with
the victim, the group, the meeting, the follow-ups); each checks who is acting
and in which sub-step. Views, the admin, the demo data and tests call these;
none of them set ``Traject.state`` or write history rows themselves.

Refusals: ``TransitionRefused`` (a transition), ``PermissionDenied`` (the wrong
person) and ``ValidationError`` (bad input or the wrong sub-step), all in Dutch.
"""

import datetime
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, F, IntegerField, Max, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from audit.actor import acting_as
from cases import fsm
from cases.access import visible_pupils
from cases.models import CasePupil, State
from cases.services import TransitionRefused, notify
from cases.uploads import CheckedUpload, check_upload, files_with_rows
from noblame import rules
from noblame.models import (
    CheckIn,
    FollowUpTalk,
    Idea,
    Meeting,
    OtherClassPupil,
    Participant,
    Round,
    SchoolSettings,
    SupportGroupMember,
    Traject,
    TrajectState,
    TrajectStateChange,
    VictimTalk,
    YesNo,
)
from noblame.signals import traject_closed
from schools.models import Membership, Pupil, SchoolClass
from schools.scope import require_managed

__all__ = ["TransitionRefused"]

# Every sub-transition with the words on its button.
TRANSITIONS = {
    "start_victim_talk": gettext_lazy("Voorbereiding klaar: naar het gesprek met de leerling"),
    "give_assignment": gettext_lazy("Opdracht gegeven: de steungroep samenstellen"),
    "form_group": gettext_lazy("Steungroep samengesteld"),
    "plan_meeting": gettext_lazy("Groep uitgenodigd: naar de bijeenkomst"),
    "start_follow_up": gettext_lazy("Bijeenkomst gehouden: naar de nabesprekingen"),
    "close_success": gettext_lazy("Verbeterd: traject met succes afsluiten"),
    "new_round": gettext_lazy("Nog niet verbeterd: nieuwe ronde"),
    "close_ineffective": gettext_lazy("Afsluiten als niet effectief"),
}
TRANSITION_NAMES = tuple(TRANSITIONS)

LETTER_MAX_BYTES = 10 * 1024 * 1024


# --- transitions -------------------------------------------------------------------------


# --- what the case asks of No Blame (cases.hooks) --------------------------------------


def on_case_transitioned(sender, case, transition, source, target, by, **kwargs) -> None:
    """A case that enters stap 3 gets its No Blame traject (inside the transition)."""
    if target == State.SUPPORT_GROUP:
        traject = Traject.objects.create(case=case)
        for person in traject.preparation_list():
            _ask_to_confirm(traject, person.user)


def _ask_to_confirm(traject: Traject, user) -> None:
    """Tell someone on the preparation list that the traject waits for their confirmation
    (a notification; the request itself stays in their Te doen until they confirm)."""
    notify(
        user,
        traject.case,
        _(
            "Casus %(ref)s: de No Blame-aanpak begint. Bevestig onder Te doen dat u de aanpak "
            "kent; de voorbereiding wacht daarop."
        )
        % {"ref": traject.case.reference},
    )


def case_outcome(case) -> str | None:
    """How the case's traject ended: "success", "ineffective", or None while it runs."""
    state = Traject.objects.filter(case=case).values_list("state", flat=True).first()
    return {
        TrajectState.CLOSED_SUCCESS: "success",
        TrajectState.CLOSED_INEFFECTIVE: "ineffective",
    }.get(state)


# Case roles and support-group roles that count as having taken part "on the bullying side".
HISTORY_CASE_ROLES = ("bully", "follower")
HISTORY_MEMBER_ROLES = (SupportGroupMember.Role.RINGLEADER, SupportGroupMember.Role.FOLLOWER)


def no_blame_history(case) -> list[str]:
    """Why ``case`` goes straight to stap 4, one Dutch line per earlier traject: a pupil in
    the role bully or follower of ``case`` who took part in the No Blame traject of another
    case of the school, as its bully or follower or as ringleader or follower in its
    support group. Victims, bystanders and helpers do not count (protocol: "History
    matters")."""
    ours = {
        cp.pupil_id: cp.pupil
        for cp in case.case_pupils.filter(role__in=HISTORY_CASE_ROLES).select_related("pupil")
    }
    if not ours:
        return []
    found: dict[tuple[int, int], str] = {}
    as_case_pupil = (
        CasePupil.objects.filter(
            pupil_id__in=ours,
            role__in=HISTORY_CASE_ROLES,
            case__school_id=case.school_id,
            case__traject__isnull=False,
        )
        .exclude(case=case)
        .select_related("case")
        .order_by("case__created_at", "pk")
    )
    for cp in as_case_pupil:
        found.setdefault(
            (cp.pupil_id, cp.case_id),
            _("%(name)s was %(role)s in casus %(ref)s, waarin de No Blame-aanpak liep.")
            % {
                "name": ours[cp.pupil_id].full_name,
                "role": cp.get_role_display(),
                "ref": cp.case.reference,
            },
        )
    as_member = (
        SupportGroupMember.objects.filter(
            pupil_id__in=ours,
            role__in=HISTORY_MEMBER_ROLES,
            traject__case__school_id=case.school_id,
        )
        .exclude(traject__case=case)
        .select_related("traject__case")
        .order_by("traject__created_at", "pk")
    )
    for member in as_member:
        found.setdefault(
            (member.pupil_id, member.traject.case_id),
            _("%(name)s zat als %(role)s in de steungroep van casus %(ref)s.")
            % {
                "name": ours[member.pupil_id].full_name,
                "role": member.get_role_display(),
                "ref": member.traject.case.reference,
            },
        )
    return list(found.values())


def transition_check(traject: Traject, name: str, user) -> list[str]:
    """What stops ``user`` from firing ``name`` on ``traject`` now; empty when it may fire."""
    not_here = _("Dit kan niet in de huidige fase (%(fase)s).") % {
        "fase": traject.get_state_display()
    }
    return fsm.transition_check(traject, name, user, names=TRANSITION_NAMES, not_here=not_here)


def available_transitions(traject: Traject, user) -> list[tuple[str, str, list[str]]]:
    """The transitions leaving the current sub-state: (name, label, what stops ``user``)."""
    return [
        (name, str(TRANSITIONS[name]), problems)
        for name, problems in fsm.available_transitions(traject, user, names=TRANSITION_NAMES)
    ]


def still_needed(traject: Traject) -> list[str]:
    """What the next step of the traject waits for, whoever looks (for the traject page)."""
    if traject.is_closed:
        return []
    if traject.state == TrajectState.FOLLOW_UP:
        # Whether it improved decides between closing and a new round; first the talks.
        return [str(p) for p in rules.FOLLOW_UPS_DONE.problems(traject)]
    for name in TRANSITION_NAMES:
        fsm_transition = fsm.leaving(traject, name)
        if name != "close_ineffective" and fsm_transition is not None:
            return fsm.guard_problems(traject, fsm_transition)
    return []


def traject_transition(traject: Traject, name: str, *, by, remark: str = "") -> Traject:
    """Fire sub-transition ``name``: permission, guard, atomic save, one history row.

    For ``close_ineffective`` the remark is the reason, which is required and kept
    on the traject. ``new_round`` raises the round and opens it. Raises
    ``TransitionRefused`` with Dutch reasons; nothing is saved then.
    """
    remark = remark.strip()
    previous_reason = traject.close_reason
    if name == "close_ineffective":
        traject.close_reason = remark  # the guard asks for it; saved with the state
    problems = transition_check(traject, name, by)
    if problems:
        traject.close_reason = previous_reason
        raise TransitionRefused(problems)
    source = traject.state
    try:
        with transaction.atomic():
            getattr(traject, name)()
            fields = ["state"]
            if name == "new_round":
                traject.round += 1
                fields.append("round")
            if traject.is_closed:
                traject.closed_at = timezone.now()
                fields += ["closed_at", "close_reason"]
            traject.save(update_fields=fields)
            if name == "new_round":
                Round.objects.create(traject=traject, number=traject.round)
            TrajectStateChange.objects.create(
                traject=traject,
                transition=name,
                source=source,
                target=traject.state,
                round=traject.round,
                by=by,
                remark=remark,
            )
            _after_transition(traject, by)
    except ConcurrentTransition:
        traject.refresh_from_db()
        raise TransitionRefused(
            [
                _(
                    "Iemand anders heeft dit traject zojuist gewijzigd; het is nu in de fase "
                    "'%(fase)s'. Bekijk het opnieuw; er is niets verloren gegaan."
                )
                % {"fase": traject.get_state_display()}
            ]
        ) from None
    return traject


def _after_transition(traject: Traject, by) -> None:
    """A closed traject decides the case's next step: tell the people running the case,
    and let the dossier file its entries (``signals.traject_closed``)."""
    if not traject.is_closed:
        return
    traject_closed.send(sender=Traject, traject=traject, by=by)
    case = traject.case
    if traject.state == TrajectState.CLOSED_SUCCESS:
        message = _(
            "Het No Blame-traject van casus %(ref)s is afgesloten: het is verbeterd. "
            "De casus kan worden afgesloten."
        )
    else:
        message = _(
            "Het No Blame-traject van casus %(ref)s is afgesloten als niet effectief. "
            "De casus gaat verder met stap 4, het plan van aanpak."
        )
    message %= {"ref": case.reference}
    recipients = {u for u in (case.ib, case.smw, case.responsible_teacher) if u is not None}
    for user in sorted(recipients - {by}, key=lambda u: u.pk):
        notify(user, case, message)


def timeline_items(case) -> list[dict]:
    """The traject's talks that the protocol dates, on the case page's timeline: the
    check-in and the follow-ups, with the reason when one was held early or out of order
    (``cases.queries.TimelineItem``). Both kinds in one query (a UNION of the columns
    shown), the traject from the case (the case page selects it with the case)."""
    try:
        traject = case.traject
    except Traject.DoesNotExist:
        return []
    items = []
    for talk in _timeline_talks(traject):
        author = f"{talk['by_first']} {talk['by_last']}".strip() or talk["by_username"]
        detail = [_("vastgelegd door %(name)s") % {"name": author}]
        if talk["kind"] == "check_in":
            if talk["early"]:
                detail.append(_("eerder dan gepland: %(reason)s") % {"reason": talk["early"]})
            title = _("No Blame: terugkomen op de opdracht")
            url = reverse("noblame:check_in", args=[case.pk])
        else:
            if talk["early"]:
                detail.append(_("eerder dan de termijn: %(reason)s") % {"reason": talk["early"]})
            if talk["order"]:
                detail.append(
                    _("andere volgorde dan afgesproken: %(reason)s") % {"reason": talk["order"]}
                )
            who = (
                _("de gepeste leerling")
                if talk["member_pk"] is None
                else f"{talk['pupil_first']} {talk['pupil_last']}"
            )
            title = _("No Blame: nabespreking met %(who)s (ronde %(n)d)") % {
                "who": who,
                "n": talk["round_number"],
            }
            url = reverse("noblame:follow_up", args=[case.pk])
        items.append(
            {
                "on": talk["on"],
                "at": talk["at"],
                "kind": "talk",
                "title": title,
                "detail": "; ".join(str(d) for d in detail),
                "url": url,
            }
        )
    return items


# The columns of a check-in or follow-up the timeline shows, in the same order for both
# halves of the UNION (all annotations, so both select them in this order).
_TIMELINE_COLUMNS = (
    "kind",
    "on",
    "at",
    "early",
    "order",
    "round_number",
    "member_pk",
    "pupil_first",
    "pupil_last",
    "by_first",
    "by_last",
    "by_username",
)


def _timeline_talks(traject: Traject) -> list[dict]:
    """Every check-in and follow-up of ``traject`` (each version), as dicts."""
    text, number = CharField(), IntegerField()
    authors = {
        "by_first": F("author__first_name"),
        "by_last": F("author__last_name"),
        "by_username": F("author__username"),
    }
    check_ins = (
        CheckIn.objects.filter(traject=traject)
        .order_by()
        .annotate(
            kind=Value("check_in", output_field=text),
            on=F("held_on"),
            at=F("created_at"),
            early=F("early_reason"),
            order=Value("", output_field=text),
            round_number=Value(None, output_field=number),
            member_pk=Value(None, output_field=number),
            pupil_first=Value(None, output_field=text),
            pupil_last=Value(None, output_field=text),
            **authors,
        )
        .values_list(*_TIMELINE_COLUMNS)
    )
    follow_ups = (
        FollowUpTalk.objects.filter(round__traject=traject)
        .order_by()
        .annotate(
            kind=Value("follow_up", output_field=text),
            on=F("held_on"),
            at=F("created_at"),
            early=F("early_reason"),
            order=F("order_reason"),
            round_number=F("round__number"),
            member_pk=F("member_id"),
            pupil_first=F("member__pupil__first_name"),
            pupil_last=F("member__pupil__last_name"),
            **authors,
        )
        .values_list(*_TIMELINE_COLUMNS)
    )
    talks = check_ins.union(follow_ups, all=True)
    return [dict(zip(_TIMELINE_COLUMNS, row, strict=True)) for row in talks]


# --- helpers -----------------------------------------------------------------------------


def _require(traject: Traject, user, permission: rules.Permission) -> None:
    if not permission(traject, user):
        raise PermissionDenied(str(permission.message))


def _require_state(traject: Traject, *states: str) -> None:
    if traject.state not in states:
        raise ValidationError(
            _("Dit kan niet in de fase '%(fase)s'.") % {"fase": traject.get_state_display()}
        )


def _check_held_on(
    held_on: datetime.date, earliest: datetime.date | None = None, *, meeting: bool = False
) -> None:
    if held_on > timezone.localdate():
        if meeting:
            raise ValidationError(_("Een bijeenkomst kan niet in de toekomst gehouden zijn."))
        raise ValidationError(_("Een gesprek kan niet in de toekomst gehouden zijn."))
    if earliest is not None and held_on < earliest:
        raise ValidationError(
            _("Deze datum ligt voor %(date)s; dat kan niet in deze volgorde.")
            % {"date": earliest.strftime("%d-%m-%Y")}
        )


def _lock(traject: Traject) -> None:
    """Serialise versioning on this traject (two people saving the same talk at once)."""
    Traject.objects.select_for_update().filter(pk=traject.pk).first()


def _next_number(queryset) -> int:
    return (queryset.aggregate(n=Max("number"))["n"] or 0) + 1


def _current_round(traject: Traject) -> Round:
    current, _created = Round.objects.get_or_create(traject=traject, number=traject.round)
    return current


# --- preparation -------------------------------------------------------------------------


def participant_add(traject: Traject, user, role: str, *, by) -> Participant:
    """Add a staff member who takes part (for example the remedial teacher)."""
    _require(traject, by, rules.COORDINATOR)
    _require_state(traject, TrajectState.PREPARATION)
    if role not in Participant.Role.values:
        raise ValidationError(_("Onbekende rol."))
    if not Membership.objects.filter(user=user, school_id=traject.case.school_id).exists():
        raise ValidationError(_("Deze medewerker werkt niet op deze school."))
    if any(p.user_id == user.pk for p in traject.preparation_list()):
        raise ValidationError(_("Deze medewerker staat al op de lijst."))
    with transaction.atomic():
        participant = Participant.objects.create(traject=traject, user=user, role=role)
        _ask_to_confirm(traject, user)
    return participant


def participant_remove(participant: Participant, *, by) -> None:
    """Take someone off the list again, as long as they have not confirmed."""
    traject = participant.traject
    _require(traject, by, rules.COORDINATOR)
    _require_state(traject, TrajectState.PREPARATION)
    if participant.confirmed_at is not None:
        raise ValidationError(_("Wie al bevestigd heeft, blijft op de lijst."))
    participant.delete()


def preparation_confirm(traject: Traject, *, by) -> Participant:
    """``by`` confirms that they know the approach."""
    _require_state(traject, TrajectState.PREPARATION)
    mine = next((p for p in traject.preparation_list() if p.user_id == by.pk), None)
    if mine is None:
        raise PermissionDenied(
            _(
                "U staat niet op de lijst van betrokkenen; de schoolmaatschappelijk werker "
                "kan u toevoegen."
            )
        )
    if mine.confirmed_at is not None:
        raise ValidationError(_("U heeft dit al bevestigd."))
    mine.confirmed_at = timezone.now()
    mine.save()
    return mine


# --- the talk with the victim ------------------------------------------------------------


def _check_letter(upload) -> CheckedUpload:
    return check_upload(
        upload,
        kinds=("pdf", "jpeg", "png"),
        max_bytes=LETTER_MAX_BYTES,
        error_messages={"not_allowed": _("Een brief of tekening kan een pdf, jpg of png zijn.")},
    )


def victim_talk_record(
    traject: Traject,
    *,
    by,
    held_on: datetime.date,
    what_happens: str,
    when_happens: str,
    who_could_help: str,
    wants_change: str,
    approach_explained: bool,
    assignment: str,
    chosen_pupils: Iterable = (),
    confidential_agreements: str = "",
    check_in_on: datetime.date | None = None,
    notes: str = "",
    letter=None,
) -> VictimTalk:
    """Record the talk with the victim. Recording again adds a version; the old one stays.

    Without a new ``letter`` the letter of the previous version is kept.
    """
    _require(traject, by, rules.TALK_HOLDER)
    _require_state(traject, TrajectState.VICTIM_TALK, TrajectState.VICTIM_ASSIGNMENT)
    _check_held_on(held_on)
    if wants_change not in YesNo.values:
        raise ValidationError(_("Geef aan of de leerling wil dat het verandert."))
    texts = {
        "what_happens": what_happens,
        "when_happens": when_happens,
        "who_could_help": who_could_help,
        "assignment": assignment,
    }
    if not all(str(v).strip() for v in texts.values()):
        raise ValidationError(_("Vul in wat er gebeurt, wanneer, wie kan helpen en de opdracht."))
    check_in_on = check_in_on or held_on + datetime.timedelta(days=traject.settings.check_in_days)
    if check_in_on < held_on:
        raise ValidationError(_("Het terugkomen op de opdracht ligt na het gesprek."))
    pupils = list(chosen_pupils)
    _check_pupils(traject, pupils, by)
    checked_letter = _check_letter(letter) if letter is not None else None
    with files_with_rows() as files, transaction.atomic():
        _lock(traject)
        previous = traject.victim_talk
        talk = VictimTalk(
            traject=traject,
            number=_next_number(traject.victim_talks),
            held_on=held_on,
            wants_change=wants_change,
            approach_explained=bool(approach_explained),
            confidential_agreements=confidential_agreements.strip(),
            check_in_on=check_in_on,
            notes=notes.strip(),
            author=by,
            **{k: str(v).strip() for k, v in texts.items()},
        )
        if letter is not None:
            files.save(talk.letter, letter, "letter")
            talk.letter_name = Path(letter.name).name[:255]
            talk.letter_content_type = checked_letter.content_type  # never the browser's
        elif previous is not None and previous.letter:
            talk.letter = previous.letter.name
            talk.letter_name = previous.letter_name
            talk.letter_content_type = previous.letter_content_type
        talk.save()
        talk.chosen_pupils.set(pupils)
    return talk


def _check_pupils(traject: Traject, pupils: list, by) -> None:
    """Group members and candidates: pupils of the school, never the victim, and only
    pupils ``by`` may choose here (``pickable_pupils``), also against a forged form."""
    case = traject.case
    victims = set(case.case_pupils.filter(role="victim").values_list("pupil_id", flat=True))
    reachable = set(
        _reachable_pupils(traject, by)
        .filter(pk__in=[p.pk for p in pupils])
        .values_list("pk", flat=True)
    )
    for pupil in pupils:
        if pupil.school_id != case.school_id:
            raise ValidationError(
                _("%(name)s zit niet op deze school.") % {"name": pupil.full_name}
            )
        if pupil.pk in victims:
            raise ValidationError(
                _("De gepeste leerling (%(name)s) kan nooit in de steungroep zitten.")
                % {"name": pupil.full_name}
            )
        if pupil.pk not in reachable:
            # No name: the pupil is one ``by`` may not see.
            raise ValidationError(
                _(
                    "U kunt alleen leerlingen kiezen uit de groepen van deze casus. Een "
                    "leerling uit een andere groep voegt de intern begeleider of de "
                    "schoolmaatschappelijk werker eerst toe."
                )
            )
    if len({p.pk for p in pupils}) != len(pupils):
        raise ValidationError(_("Een leerling staat twee keer in de lijst."))


# --- the check-in on the victim's assignment ---------------------------------------------

# The check-in can be recorded once the victim has the assignment, until the follow-ups.
CHECK_IN_STATES = (
    TrajectState.VICTIM_ASSIGNMENT,
    TrajectState.GROUP_FORMED,
    TrajectState.GROUP_MEETING,
)


def _early(held_on: datetime.date, opens: datetime.date, reason: str, what) -> str:
    """A talk held before its window ``opens`` needs a reason (protocol: dates are windows)."""
    reason = (reason or "").strip()
    if held_on < opens and not reason:
        raise ValidationError(
            _(
                "%(what)s is gepland vanaf %(date)s; deze datum ligt eerder. Schrijf op waarom "
                "het gesprek eerder is gehouden."
            )
            % {"what": what, "date": opens.strftime("%d-%m-%Y")}
        )
    return reason if held_on < opens else ""


def check_in_record(
    traject: Traject,
    *,
    by,
    held_on: datetime.date,
    noticed: str,
    how_now: str = "",
    early_reason: str = "",
) -> CheckIn:
    """Record the short talk about the victim's assignment, about a week after the talk
    with the victim. Before the date set there it needs a reason; again adds a version."""
    _require(traject, by, rules.TALK_HOLDER)
    _require_state(traject, *CHECK_IN_STATES)
    talk = traject.victim_talk
    if talk is None:
        raise ValidationError(_("Leg eerst het gesprek met de gepeste leerling vast."))
    _check_held_on(held_on, talk.held_on)
    noticed = (noticed or "").strip()
    if not noticed:
        raise ValidationError(_("Vul in wat de leerling heeft gezien dat anderen aardig deden."))
    reason = _early(held_on, talk.check_in_on, early_reason, _("Het terugkomen op de opdracht"))
    with transaction.atomic():
        _lock(traject)
        return CheckIn.objects.create(
            traject=traject,
            number=_next_number(traject.check_ins),
            held_on=held_on,
            noticed=noticed,
            how_now=(how_now or "").strip(),
            early_reason=reason,
            author=by,
        )


# --- who can be chosen, and the step for a pupil of another groep ------------------------

# While the group can still be chosen: the talk with the victim, and composing the group.
CHOOSING_STATES = (
    TrajectState.VICTIM_TALK,
    TrajectState.VICTIM_ASSIGNMENT,
    TrajectState.GROUP_FORMED,
)


def _case_classes(traject: Traject) -> QuerySet:
    """The groepen of the case's pupils."""
    return Pupil.objects.filter(case_roles__case=traject.case, school_class__isnull=False).values(
        "school_class_id"
    )


def _reachable_pupils(traject: Traject, user) -> QuerySet:
    """Pupils of the case's school that ``user`` may choose for the traject's group.

    The pupils of the case's groepen whom ``user`` may see (``visible_pupils``: a teacher
    their own classes), the case's own pupils, the pupils already chosen or in the group,
    and those the IB or SMW added from another groep (``other_class_pupil_add``).
    """
    case = traject.case
    talk = traject.victim_talk
    chosen = talk.chosen_pupils.values("pk") if talk is not None else Pupil.objects.none()
    return Pupil.objects.filter(school_id=case.school_id).filter(
        Q(pk__in=visible_pupils(user).filter(school_class_id__in=_case_classes(traject)))
        | Q(pk__in=case.case_pupils.values("pupil_id"))
        | Q(pk__in=chosen)
        | Q(pk__in=traject.group_members.values("pupil_id"))
        | Q(pk__in=traject.other_class_pupils.values("pupil_id"))
    )


def pickable_pupils(traject: Traject, user) -> QuerySet:
    """The pupils the pickers of the talk with the victim and of the group offer ``user``:
    those ``user`` may choose (see ``_reachable_pupils``), without the victim and without
    pupils who left, by groep and name."""
    victims = traject.case.case_pupils.filter(role="victim").values("pupil_id")
    return (
        _reachable_pupils(traject, user)
        .exclude(left_on__lte=timezone.localdate())
        .exclude(pk__in=victims)
        .select_related("school_class")
        .order_by("school_class__name", "first_name", "last_name")
    )


def other_classes(traject: Traject) -> QuerySet:
    """The groepen of the case's school outside the case that have pupils at school now:
    where the step "Leerling uit een andere groep toevoegen" chooses from."""
    current = Pupil.objects.filter(school_id=traject.case.school_id).exclude(
        left_on__lte=timezone.localdate()
    )
    return (
        SchoolClass.objects.filter(school_id=traject.case.school_id)
        .filter(pk__in=current.values("school_class_id"))
        .exclude(pk__in=_case_classes(traject))
        .order_by("-school_year", "name")
    )


def other_class_candidates(traject: Traject, school_class, user) -> QuerySet:
    """The pupils of ``school_class`` that ``user`` (the IB or SMW) may add to the traject's
    choice: at school now, seen by ``user``, not the victim and not choosable already."""
    return (
        visible_pupils(user)
        .filter(school_id=traject.case.school_id, school_class=school_class)
        .exclude(pk__in=pickable_pupils(traject, user).values("pk"))
        .exclude(pk__in=traject.case.case_pupils.filter(role="victim").values("pupil_id"))
        .exclude(left_on__lte=timezone.localdate())
        .select_related("school_class")
        .order_by("first_name", "last_name")
    )


def may_add_other_class(traject: Traject, user) -> bool:
    """Whether ``user`` may take the step "Leerling uit een andere groep toevoegen" now."""
    return traject.state in CHOOSING_STATES and rules.COORDINATOR(traject, user)


def other_class_pupil_add(traject: Traject, pupil, *, by, reason: str) -> OtherClassPupil:
    """Make a pupil of a groep outside the case choosable for the support group: the
    explicit step the IB or SMW takes, recorded with who, when and why.

    Refused for anyone else, once the group's meeting is planned, for a pupil of another school
    (also for the IB or SMW: their school is the case's), the victim, a pupil who left,
    or one who can already be chosen.
    """
    _require(traject, by, rules.COORDINATOR)
    _require_state(traject, *CHOOSING_STATES)
    if (
        pupil.school_id != traject.case.school_id
        or not visible_pupils(by).filter(pk=pupil.pk).exists()
    ):
        raise ValidationError(_("Deze leerling zit niet op deze school."))
    if traject.case.case_pupils.filter(role="victim", pupil=pupil).exists():
        raise ValidationError(_("De gepeste leerling kan nooit in de steungroep zitten."))
    if pupil.left_on is not None and pupil.left_on <= timezone.localdate():
        raise ValidationError(_("%(name)s zit niet meer op school.") % {"name": pupil.full_name})
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Schrijf op waarom deze leerling erbij komt."))
    with transaction.atomic():
        _lock(traject)
        if pickable_pupils(traject, by).filter(pk=pupil.pk).exists():
            raise ValidationError(_("%(name)s kunt u al kiezen.") % {"name": pupil.full_name})
        return OtherClassPupil.objects.create(traject=traject, pupil=pupil, reason=reason, by=by)


# --- the support group -------------------------------------------------------------------


def group_compose(traject: Traject, members: Iterable[tuple], *, by) -> list[str]:
    """Set the support group to these (pupil, role) pairs, in this follow-up order.

    Refused outside 5–8 pupils, for the victim, for a pupil of another school or one
    who left. Returns the warnings (size outside 6–8, a mix far from half-half).
    """
    _require(traject, by, rules.COORDINATOR)
    _require_state(traject, TrajectState.VICTIM_ASSIGNMENT, TrajectState.GROUP_FORMED)
    pairs = list(members)
    refusals = rules.group_refusals(len(pairs))
    if refusals:
        raise ValidationError([str(r) for r in refusals])
    pupils = [pupil for pupil, _role in pairs]
    _check_pupils(traject, pupils, by)
    today = timezone.localdate()
    for pupil, role in pairs:
        if role not in SupportGroupMember.Role.values:
            raise ValidationError(_("Kies voor %(name)s een rol.") % {"name": pupil.full_name})
        if pupil.left_on is not None and pupil.left_on <= today:
            raise ValidationError(
                _("%(name)s zit niet meer op school.") % {"name": pupil.full_name}
            )
    with transaction.atomic():
        _lock(traject)
        # Before the first meeting nothing refers to the members yet: set them anew, one
        # save per member so each leaves its change history.
        traject.group_members.all().delete()
        for n, (pupil, role) in enumerate(pairs, start=1):
            SupportGroupMember.objects.create(traject=traject, pupil=pupil, role=role, position=n)
    return [str(w) for w in rules.group_warnings([role for _pupil, role in pairs])]


# --- the meeting -------------------------------------------------------------------------


def meeting_plan(traject: Traject, planned_on: datetime.date, *, by) -> Round:
    """Plan the date of this round's meeting (it goes on the invitation list)."""
    _require(traject, by, rules.COORDINATOR)
    _require_state(traject, TrajectState.GROUP_FORMED, TrajectState.GROUP_MEETING)
    talk = traject.victim_talk
    if talk is not None and planned_on < talk.held_on:
        raise ValidationError(_("De bijeenkomst komt na het gesprek met de gepeste leerling."))
    with transaction.atomic():
        current = _current_round(traject)
        current.meeting_planned_on = planned_on
        current.save(update_fields=["meeting_planned_on"])
    return current


def meeting_record(
    traject: Traject,
    *,
    by,
    held_on: datetime.date,
    attendees: Iterable[SupportGroupMember],
    ideas: dict,
    notes: str = "",
) -> Meeting:
    """Record this round's meeting: who was there and each idea with the member who does it.

    ``ideas`` maps a member to the text of their idea. Recording again adds a version.
    The follow-up due dates are set from the meeting's date and the school's settings.
    """
    _require(traject, by, rules.TALK_HOLDER)
    _require_state(traject, TrajectState.GROUP_MEETING)
    talk = traject.victim_talk
    _check_held_on(held_on, talk.held_on if talk else None, meeting=True)
    members = {m.pk: m for m in traject.group_members.select_related("pupil")}
    present = list(attendees)
    if not present:
        raise ValidationError(_("Geef aan wie er bij de bijeenkomst waren."))
    if any(m.pk not in members for m in present):
        raise ValidationError(_("Alleen leden van de steungroep kunnen aanwezig zijn."))
    present_ids = {m.pk for m in present}
    cleaned = {}
    for member, text in ideas.items():
        text = str(text).strip()
        if not text:
            continue
        if member.pk not in present_ids:
            raise ValidationError(
                _("%(name)s was er niet bij; noteer alleen ideeën van wie er was.")
                % {"name": members[member.pk].pupil.full_name if member.pk in members else "?"}
            )
        cleaned[member.pk] = text
    settings = traject.settings
    with transaction.atomic():
        _lock(traject)
        current = _current_round(traject)
        previous = current.meeting()
        meeting = Meeting.objects.create(
            round=current,
            number=_next_number(current.meetings),
            held_on=held_on,
            notes=notes.strip(),
            author=by,
        )
        meeting.attendees.set(present)
        for pk, text in cleaned.items():
            Idea.objects.create(meeting=meeting, member_id=pk, text=text)
        if previous is None or previous.held_on != held_on:
            current.victim_follow_up_due = held_on + datetime.timedelta(
                days=settings.victim_follow_up_max_days
            )
            current.group_follow_up_due = held_on + datetime.timedelta(
                days=settings.group_follow_up_max_days
            )
            current.save(update_fields=["victim_follow_up_due", "group_follow_up_due"])
    return meeting


# --- follow-ups --------------------------------------------------------------------------


def follow_up_schedule(
    traject: Traject,
    *,
    by,
    victim_due: datetime.date,
    group_due: datetime.date,
    order: Iterable[SupportGroupMember] | None = None,
) -> Round:
    """Change this round's due dates and, before the first member talk, the talk order."""
    _require(traject, by, rules.COORDINATOR)
    _require_state(traject, TrajectState.GROUP_MEETING, TrajectState.FOLLOW_UP)
    current = traject.current_round
    meeting = current.meeting() if current else None
    if meeting is None:
        raise ValidationError(_("Leg eerst de bijeenkomst van deze ronde vast."))
    if victim_due < meeting.held_on or group_due < meeting.held_on:
        raise ValidationError(_("Een nabespreking komt na de bijeenkomst."))
    members = list(traject.members())
    new_order = list(order) if order is not None else members
    if sorted(m.pk for m in new_order) != sorted(m.pk for m in members):
        raise ValidationError(_("Geef elk lid van de steungroep precies één plek in de volgorde."))
    changes_order = [m.pk for m in new_order] != [m.pk for m in members]
    if changes_order and current.follow_ups.filter(member__isnull=False).exists():
        raise ValidationError(
            _("De volgorde ligt vast zodra de eerste nabespreking met een lid is gehouden.")
        )
    with transaction.atomic():
        current.victim_follow_up_due = victim_due
        current.group_follow_up_due = group_due
        current.save(update_fields=["victim_follow_up_due", "group_follow_up_due"])
        if changes_order:
            # One save per member, so the change history shows the new order. Positions are
            # unique per group: a member who moves steps out of the way (+100) first.
            stored = {m.pk: m for m in traject.group_members.all()}
            moving = [
                (n, stored[m.pk])
                for n, m in enumerate(new_order, start=1)
                if stored[m.pk].position != n
            ]
            for _n, member in moving:
                member.position += 100
                member.save(update_fields=["position"])
            for n, member in moving:
                member.position = n
                member.save(update_fields=["position"])
    return current


def follow_up_record(
    traject: Traject,
    member: SupportGroupMember | None = None,
    *,
    by,
    held_on: datetime.date,
    what_changed: str,
    how_now: str,
    improved: str = "",
    did_their_part: str = "",
    notes: str = "",
    early_reason: str = "",
    order_reason: str = "",
) -> FollowUpTalk:
    """Record a follow-up talk of this round: with the victim (no ``member``) or a member.

    The victim's talk says whether it improved; a member's whether they did their
    part. Recording again adds a version. Held before its window opens (the school's
    days after the meeting) it needs ``early_reason``; a member talked with before
    someone earlier in the order set beforehand needs ``order_reason``.
    """
    _require(traject, by, rules.TALK_HOLDER)
    _require_state(traject, TrajectState.FOLLOW_UP)
    current = traject.current_round
    meeting = current.meeting() if current else None
    _check_held_on(held_on, meeting.held_on if meeting else None)
    if member is not None and member.traject_id != traject.pk:
        raise ValidationError(_("Deze leerling zit niet in deze steungroep."))
    early_reason = _follow_up_early(traject, member, meeting, held_on, early_reason)
    order_reason = _follow_up_order(current, member, order_reason)
    if member is None and improved not in YesNo.values:
        raise ValidationError(_("Geef aan of het volgens de leerling verbeterd is."))
    if member is not None and did_their_part not in FollowUpTalk.Part.values:
        raise ValidationError(_("Geef aan of de leerling zijn of haar deel heeft gedaan."))
    if not what_changed.strip() or not how_now.strip():
        raise ValidationError(_("Vul in wat er veranderd is en hoe het nu gaat."))
    with transaction.atomic():
        _lock(traject)
        earlier = (
            current.follow_ups.filter(member=member)
            if member
            else current.follow_ups.filter(member__isnull=True)
        )
        return FollowUpTalk.objects.create(
            round=current,
            member=member,
            number=_next_number(earlier),
            held_on=held_on,
            what_changed=what_changed.strip(),
            how_now=how_now.strip(),
            improved=improved if member is None else "",
            did_their_part=did_their_part if member is not None else "",
            notes=notes.strip(),
            early_reason=early_reason,
            order_reason=order_reason,
            author=by,
        )


def follow_up_window_opens(traject: Traject, member, meeting) -> datetime.date | None:
    """The first day of the follow-up's window: days after the meeting, per the school's
    settings (the victim's and the members' windows differ)."""
    if meeting is None:
        return None
    settings = traject.settings
    days = (
        settings.victim_follow_up_min_days if member is None else settings.group_follow_up_min_days
    )
    return meeting.held_on + datetime.timedelta(days=days)


def _follow_up_early(traject, member, meeting, held_on, reason) -> str:
    opens = follow_up_window_opens(traject, member, meeting)
    if opens is None:
        return ""
    what = (
        _("De nabespreking met de gepeste leerling")
        if member is None
        else _("De nabespreking met %(name)s") % {"name": member.pupil.full_name}
    )
    return _early(held_on, opens, reason, what)


def members_before(current: Round, member) -> list[SupportGroupMember]:
    """Members earlier in the order set beforehand who have no follow-up this round yet."""
    if member is None:
        return []
    talked = set(current.follow_ups.exclude(member=None).values_list("member_id", flat=True))
    return list(
        SupportGroupMember.objects.filter(
            traject_id=member.traject_id, position__lt=member.position
        )
        .exclude(pk__in=talked)
        .select_related("pupil")
        .order_by("position")
    )


def _follow_up_order(current: Round, member, reason: str) -> str:
    """Follow-ups with members go in the order set beforehand; another order needs a reason."""
    waiting = members_before(current, member)
    reason = (reason or "").strip()
    if waiting and not reason:
        raise ValidationError(
            _(
                "Volgens de afgesproken volgorde is eerst %(names)s aan de beurt. Schrijf op "
                "waarom u van de volgorde afwijkt."
            )
            % {"names": ", ".join(m.pupil.full_name for m in waiting)}
        )
    return reason if waiting else ""


# --- the school's own settings (beheer) -----------------------------------------------------

SETTINGS_FIELDS = (
    "check_in_days",
    "victim_follow_up_min_days",
    "victim_follow_up_max_days",
    "group_follow_up_min_days",
    "group_follow_up_max_days",
    "max_rounds",
)


def school_settings_save(school, *, by, **values) -> SchoolSettings:
    """Change the No Blame dates and rounds of a school ``by`` manages. A check-in date
    already set stays; the follow-up windows and the most rounds apply at once, to running
    trajects too (they are read from these settings)."""
    require_managed(by, school)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not a No Blame setting: {sorted(unknown)}")
    with transaction.atomic(), acting_as(by):
        settings = SchoolSettings.objects.select_for_update().filter(school=school).first()
        settings = settings or SchoolSettings(school=school)
        for name, value in values.items():
            setattr(settings, name, value)
        settings.full_clean()
        settings.save()
    return settings
