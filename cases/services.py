"""The one way in for every change to a case: create, transition, record a talk, sign a plan.

Views, the admin, management commands and tests call these functions; none of
them set ``Case.state`` or write history rows themselves.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from cases import fsm, hooks, routing, rules, windows
from cases.access import PAGES, visible_pupils
from cases.models import (
    OPEN_STATES,
    Case,
    CasePupil,
    CaseReport,
    Notification,
    Place,
    Recurrence,
    ReporterKind,
    State,
    StateChange,
    Talk,
    TalkVersion,
)
from cases.signs import WARNING_SIGN_SLUGS
from cases.steps import ANYTIME_TALKS, TALKS_BY_STATE
from cases.talks import TalkKind, missing_answers, questions_for
from cases.tasks import enqueue_after_commit, send_notification_mail
from schools.models import Guardian, Membership, Role

TRANSITION_NAMES = (
    "start_victim_talk",
    "assess",
    "classify_no_bullying",
    "classify_one_off",
    "classify_repeated",
    "start_review",
    "close",
    "escalate",
    "start_coaching",
    "start_talks",
    "start_reflection",
    "start_group_discussion",
    "return_to_class",
    "start_closing",
    "reopen",
    "withdraw",
)

# Transitions that need a remark: why a signal is withdrawn stays in the history.
REMARK_REQUIRED = {
    "withdraw": gettext_lazy(
        "Geef de reden waarom de melding wordt ingetrokken (bijvoorbeeld: verkeerde leerling, "
        "dubbele melding)."
    ),
}


class TransitionRefused(Exception):
    """A transition that may not fire now. ``reasons`` say in Dutch what is missing."""

    def __init__(self, reasons: Iterable[str]):
        self.reasons = [str(r) for r in reasons]
        super().__init__(" ".join(self.reasons))


# --- transitions ---------------------------------------------------------------------


def transition_check(case: Case, name: str, user) -> list[str]:
    """What stops ``user`` from firing ``name`` on ``case`` now; empty when it may fire."""
    not_here = _("Dit kan niet in de huidige stap (%(stap)s).") % {"stap": case.stap_label}
    return fsm.transition_check(case, name, user, names=TRANSITION_NAMES, not_here=not_here)


def available_transitions(case: Case, user) -> list[tuple[str, list[str]]]:
    """Every transition leaving the current state, with what stops ``user`` (if anything)."""
    return fsm.available_transitions(case, user, names=TRANSITION_NAMES)


def case_transition(case: Case, name: str, *, by, remark: str = "") -> Case:
    """Fire transition ``name``: check permission and guard, save atomically, log one row.

    Raises ``TransitionRefused`` with Dutch reasons; nothing is saved then. When
    someone else moved the case since it was loaded, the refusal says so and the
    case is reloaded.
    """
    problems = transition_check(case, name, by)
    if not problems and name in REMARK_REQUIRED and not remark.strip():
        problems = [str(REMARK_REQUIRED[name])]
    if problems:
        raise TransitionRefused(problems)
    source = case.state
    try:
        with transaction.atomic():
            getattr(case, name)()
            case.save(update_fields=["state"])
            recurrences = _record_recurrences(case, name, source, by)
            rule, reason = routing.explain(case, name, source, recurrences)
            StateChange.objects.create(
                case=case,
                transition=name,
                source=source,
                target=case.state,
                by=by,
                remark=remark.strip(),
                rule=rule,
                rule_reason=reason,
            )
            for recurrence in recurrences:
                hooks.recurrence_recorded.send(sender=Recurrence, recurrence=recurrence, by=by)
            _after_transition(case, name, source, by)
    except ConcurrentTransition:
        case.refresh_from_db()
        raise TransitionRefused(
            [
                _(
                    "Iemand anders heeft deze casus zojuist gewijzigd; deze is nu in stap "
                    "'%(stap)s'. Bekijk de casus opnieuw; er is niets verloren gegaan."
                )
                % {"stap": case.stap_label}
            ]
        ) from None
    return case


def _after_transition(case: Case, name: str, source: str, by) -> None:
    """Side effects of a transition, inside its atomic block. What other apps do (open a
    No Blame traject, write dossier entries) they do on ``hooks.case_transitioned``."""
    today = timezone.localdate()
    if name == "classify_one_off":
        due = today + datetime.timedelta(days=case.school.one_off_review_days)
        schedule_talk(
            case,
            TalkKind.ONE_OFF_REVIEW,
            due,
            by=by,
            window_opens=due,
            window_closes=due + datetime.timedelta(days=case.school.one_off_review_late_days),
        )
    if name in routing.CLASSIFY_BULLYING:
        _plan_outside_help_for_victims(case, by)
    if case.state in (State.SUPPORT_GROUP, State.ACTION_PLAN) or name == "reopen":
        _involve_ib(case)
    hooks.case_transitioned.send(
        sender=Case, case=case, transition=name, source=source, target=case.state, by=by
    )


def _involve_ib(case: Case) -> None:
    """From stap 2 option 3 on the IB (and for stap 3 the SMW) is part of the case and told so."""
    changed = []
    for field, role in (("ib", Role.IB), ("smw", Role.SMW)):
        if getattr(case, f"{field}_id") is None:
            member = (
                Membership.objects.filter(school=case.school, role=role, user__is_active=True)
                .order_by("pk")
                .first()
            )
            if member is not None:
                setattr(case, field, member.user)
                changed.append(field)
    if changed:
        case.save(update_fields=changed)
    message = _("Casus %(ref)s staat nu in %(stap)s.") % {
        "ref": case.reference,
        "stap": case.stap_label,
    }
    recipients = [case.ib] + ([case.smw] if case.state == State.SUPPORT_GROUP else [])
    for user in recipients:
        if user is not None:
            notify(user, case, message)


# Transitions that find a pupil bullying again (besides a one-off case's own review).
RECURRENCE_TRANSITIONS = ("reopen", "classify_repeated")


def _record_recurrences(case: Case, name: str, source: str, by) -> list[Recurrence]:
    """Herhaling belongs to the pupil: every bully of the case who already had a signed plan
    van aanpak as bully (any case of the school, or an earlier cycle of this one) gets the
    next recurrence number. A reopen starts a new cycle of the case.

    The advice for outside help is never recorded here: only the stap 6 talk with the
    bully's parents records it (``talk_record``).
    """
    if name == "reopen":
        case.cycle += 1
        case.save(update_fields=["cycle"])
    elif not (
        name in RECURRENCE_TRANSITIONS or (name == "escalate" and source == State.ONE_OFF_REVIEW)
    ):
        return []
    if case.state not in (State.ACTION_PLAN, State.COACHING):
        return []  # no plan before: the history rule sent it to stap 3, no recurrence
    found = []
    for earlier in routing.bullies_with_plan_before(case):
        number = Recurrence.objects.filter(pupil=earlier.pupil).count() + 1
        found.append(
            Recurrence.objects.create(
                case=case,
                pupil=earlier.pupil,
                number=number,
                cycle=case.cycle,
                earlier_case=earlier.case,
            )
        )
    return found


def _plan_outside_help_for_victims(case: Case, by) -> None:
    """A victim in a third bullying case within the school's period: plan the talk with
    the parents about outside help (once per case) and tell the IB."""
    repeated = routing.victims_in_third_case(case)
    if not repeated or case.talks.filter(kind=TalkKind.OUTSIDE_HELP_VICTIM).exists():
        return
    schedule_talk(
        case,
        TalkKind.OUTSIDE_HELP_VICTIM,
        timezone.localdate() + datetime.timedelta(days=OUTSIDE_HELP_TALK_DAYS),
        by=by,
    )
    ib = case.ib or _school_ib(case)
    if ib is not None:
        notify(
            ib,
            case,
            _(
                "Casus %(ref)s: een gepeste leerling is voor de derde keer betrokken. Er is een "
                "gesprek met de ouders over hulp van buitenaf gepland."
            )
            % {"ref": case.reference},
        )


# The talk with a victim's parents about outside help is planned this many days ahead.
OUTSIDE_HELP_TALK_DAYS = 14


def _school_ib(case: Case):
    member = (
        Membership.objects.filter(school=case.school, role=Role.IB, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return member.user if member else None


# --- who may make the other changes, and when ----------------------------------------

# Talks are planned from stap 4 (with the plan van aanpak) to stap 9.
PLANNING_STATES = (
    State.ACTION_PLAN,
    State.COACHING,
    State.TALKS,
    State.REFLECTION,
    State.GROUP_DISCUSSION,
    State.BACK_IN_CLASS,
)

ADD_PUPIL = rules.Write(
    rules.CASE_WORKERS,
    OPEN_STATES,
    gettext_lazy("Aan een afgesloten casus wordt geen leerling meer gekoppeld."),
)
NOTE_OUTCOME = rules.Write(
    rules.CASE_WORKERS,
    [State.RESOLVED_OTHER],
    gettext_lazy(
        "Een uitkomst noteert u in stap 2.1 (geen pesten, opgelost); deze casus staat in "
        "'%(stap)s'."
    ),
)
ASSIGN_COACHES = rules.Write(
    rules.TEACHER_OR_IB,
    [State.COACHING],
    gettext_lazy("Coaches wijst u toe in stap 5 (coaching); deze casus staat in '%(stap)s'."),
)
PLAN_TALK = rules.Write(
    rules.CASE_WORKERS,
    PLANNING_STATES,
    gettext_lazy(
        "Een gesprek plant u vanaf stap 4 (plan van aanpak) tot en met stap 9; deze casus "
        "staat in '%(stap)s'."
    ),
)
RECORD_TALK = rules.Write(
    rules.CASE_WORKERS,
    OPEN_STATES,
    gettext_lazy("Bij een afgesloten casus wordt geen gesprek meer vastgelegd."),
)
ADD_EVIDENCE = rules.Write(
    rules.CASE_WORKERS,
    OPEN_STATES,
    gettext_lazy("Bij een afgesloten casus wordt geen bewijs meer bewaard."),
)


# --- creating a case -----------------------------------------------------------------


def case_create(
    *,
    school,
    by,
    pupils: Iterable[tuple],
    reporter_kind: str,
    place: str,
    description: str,
    reporter_name: str = "",
    signal_date: datetime.date | None = None,
    warning_signs: Iterable[str] = (),
    is_digital: bool = False,
    responsible_teacher=None,
    created_at: datetime.datetime | None = None,
    separate_reason: str = "",
) -> Case:
    """Log a new signal: a case in the first stap (``signaled``), logged by ``by``.

    A teacher or the IB of ``school`` logs it, about pupils they may see. ``pupils``
    holds (pupil, role) pairs; a victim is required. The responsible teacher is ``by``
    when ``by`` teaches at the school, unless one is given. ``created_at`` (when it was
    logged, now when left out) is for the demo data; it is never in the future.

    The creation is in the history twice: the case's own ``logged_by`` and
    ``created_at`` (the first item of its timeline) and django-auditlog's entry.

    One open case per bullying situation: when a pupil of the signal is already in an
    open case of the school, a second case is opened only with ``separate_reason`` (why
    this is another situation); the IB is told. Otherwise the signal belongs on that case
    (``case_add_report``).
    """
    if not (
        by.is_active
        and Membership.objects.filter(user=by, school=school, role__in=PAGES["signal"]).exists()
    ):
        raise PermissionDenied(
            _("Een melding doet een leerkracht of de intern begeleider van deze school.")
        )
    pairs = list(pupils)
    if not any(role == CasePupil.Role.VICTIM for _p, role in pairs):
        raise ValidationError(_("Geef aan welke leerling gepest wordt."))
    if any(role not in CasePupil.Role.values for _p, role in pairs):
        raise ValidationError(_("Kies bij elke leerling welke rol hij of zij had."))
    if len({p.pk for p, _r in pairs}) != len(pairs):
        raise ValidationError(_("Een leerling staat twee keer in de melding."))
    if any(p.school_id != school.pk for p, _r in pairs):
        raise ValidationError(_("Alle leerlingen moeten op deze school zitten."))
    if visible_pupils(by).filter(pk__in=[p.pk for p, _r in pairs]).count() != len(pairs):
        raise PermissionDenied(
            _("Een leerkracht meldt alleen over leerlingen van de eigen groepen.")
        )
    if reporter_kind not in ReporterKind.values:
        raise ValidationError(_("Kies wie het meldde."))
    if place not in Place.values:
        raise ValidationError(_("Kies waar het gebeurde."))
    description = description.strip()
    if not description:
        raise ValidationError(_("Beschrijf wat er is gebeurd."))
    now = timezone.now()
    signal_date = signal_date or timezone.localdate(now)
    if signal_date > timezone.localdate(now):
        raise ValidationError(_("De datum van het voorval ligt in de toekomst."))
    created_at = created_at or now
    if created_at > now or timezone.localdate(created_at) < signal_date:
        raise ValidationError(_("Een melding wordt vastgelegd na het voorval, niet later dan nu."))
    warning_signs = list(dict.fromkeys(warning_signs))
    if set(warning_signs) - WARNING_SIGN_SLUGS:
        raise ValidationError(_("Onbekend signaal in de lijst."))
    if responsible_teacher is None:
        responsible_teacher = by if _is_teacher(by, school) else None
    elif not _is_teacher(responsible_teacher, school):
        raise ValidationError(
            _("De verantwoordelijke leerkracht werkt niet als leerkracht op deze school.")
        )
    already_open = list(open_cases_about(school, [p for p, _r in pairs]))
    separate_reason = separate_reason.strip() if already_open else ""
    if already_open and not separate_reason:
        raise ValidationError(
            _(
                "Over een van deze leerlingen loopt al een casus. Voeg de melding aan die casus "
                "toe, of schrijf op waarom dit een aparte situatie is."
            )
        )
    for attempt in range(5):
        try:
            with transaction.atomic():
                # No state given: every case starts in the model's initial state, signaled.
                case = Case.objects.create(
                    school=school,
                    board_id=school.board_id,
                    reference=_next_reference(school, offset=attempt),
                    logged_by=by,
                    created_at=created_at,
                    responsible_teacher=responsible_teacher,
                    reporter_kind=reporter_kind,
                    reporter_name=reporter_name.strip(),
                    signal_date=signal_date,
                    place=place,
                    description=description,
                    warning_signs=warning_signs,
                    is_digital=bool(is_digital),
                    separate_reason=separate_reason,
                )
                for pupil, role in pairs:  # one save each: each gets its history entry
                    CasePupil.objects.create(case=case, pupil=pupil, role=role)
                if already_open:
                    _tell_ib_about_separate_case(case, already_open)
                return case
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


def open_cases_about(school, pupils) -> QuerySet:
    """Open cases of ``school`` with any of ``pupils`` (any visibility: callers filter what
    they show). Another school's cases never count: a pupil who moved starts afresh."""
    return Case.objects.filter(
        school=school, state__in=OPEN_STATES, case_pupils__pupil__in=pupils
    ).distinct()


def _tell_ib_about_separate_case(case: Case, already_open) -> None:
    """A second case about a pupil of an open case: the IB checks whether they belong
    together. Names no pupil, and goes to the IB, who sees every case of the school."""
    ib = _school_ib(case)
    if ib is None:
        return
    notify(
        ib,
        case,
        _(
            "Casus %(ref)s is apart geopend, terwijl een leerling ervan al in een open casus "
            "staat (%(refs)s). Kijk of ze bij elkaar horen."
        )
        % {"ref": case.reference, "refs": ", ".join(c.reference for c in already_open)},
    )


ADD_REPORT = rules.Write(
    rules.Permission(
        [Role.TEACHER, Role.IB],
        gettext_lazy("Een melding voegt de leerkracht van de casus of de intern begeleider toe."),
    ),
    OPEN_STATES,
    gettext_lazy("Een afgesloten of ingetrokken casus krijgt geen nieuwe melding meer."),
)


def case_add_report(
    case: Case,
    *,
    by,
    reporter_kind: str,
    place: str,
    description: str,
    pupils: Iterable[tuple] = (),
    reporter_name: str = "",
    signal_date: datetime.date | None = None,
    warning_signs: Iterable[str] = (),
    is_digital: bool = False,
) -> CaseReport:
    """A new signal about the situation of an open case: a dated report on its timeline
    instead of a second case. Pupils of the signal not in the case yet join it in their
    role (``case_add_pupil``'s checks); a digital report makes the case digital."""
    description = description.strip()
    if reporter_kind not in ReporterKind.values:
        raise ValidationError(_("Kies wie het meldde."))
    if place not in Place.values:
        raise ValidationError(_("Kies waar het gebeurde."))
    if not description:
        raise ValidationError(_("Beschrijf wat er is gebeurd."))
    signal_date = signal_date or timezone.localdate()
    if signal_date > timezone.localdate():
        raise ValidationError(_("De datum van het voorval ligt in de toekomst."))
    warning_signs = list(dict.fromkeys(warning_signs))
    if set(warning_signs) - WARNING_SIGN_SLUGS:
        raise ValidationError(_("Onbekend signaal in de lijst."))
    with transaction.atomic():
        ADD_REPORT.require(case, by)
        in_case = set(case.case_pupils.values_list("pupil_id", flat=True))
        for pupil, role in pupils:
            if pupil.pk not in in_case:
                case_add_pupil(case, pupil, role, by=by)
        report = CaseReport.objects.create(
            case=case,
            reporter_kind=reporter_kind,
            reporter_name=reporter_name.strip(),
            signal_date=signal_date,
            place=place,
            description=description,
            warning_signs=warning_signs,
            is_digital=bool(is_digital),
            logged_by=by,
        )
        if is_digital and not case.is_digital:
            case.is_digital = True
            case.save(update_fields=["is_digital"])
    return report


def _is_teacher(user, school) -> bool:
    return Membership.objects.filter(user=user, school=school, role=Role.TEACHER).exists()


def _next_reference(school, offset: int = 0) -> str:
    """The next free "<year>-<number>" of the school's board: a reference names one case
    across the board, so an SMW or IB working at two schools never meets it twice."""
    year = timezone.localdate().year
    taken = Case.objects.filter(
        board_id=school.board_id, reference__startswith=f"{year}-"
    ).values_list("reference", flat=True)
    numbers = [int(ref.split("-", 1)[1]) for ref in taken if ref.split("-", 1)[1].isdigit()]
    return f"{year}-{max(numbers, default=0) + 1 + offset:03d}"


def case_add_pupil(case: Case, pupil, role: str, *, by) -> CasePupil:
    """Involve one more pupil (one ``by`` may see) in ``case``, in any stap before it closes."""
    with transaction.atomic():
        ADD_PUPIL.require(case, by)
        if pupil.school_id != case.school_id:
            raise ValidationError(_("Deze leerling zit op een andere school."))
        if not visible_pupils(by).filter(pk=pupil.pk).exists():
            raise PermissionDenied(
                _("Een leerkracht koppelt alleen leerlingen van de eigen groepen.")
            )
        if pupil.left_on is not None and pupil.left_on <= timezone.localdate():
            raise ValidationError(_("Deze leerling zit niet meer op school."))
        if role not in CasePupil.Role.values:
            raise ValidationError(_("Kies welke rol de leerling in de casus heeft."))
        if case.case_pupils.filter(pupil=pupil).exists():
            raise ValidationError(_("Deze leerling is al bij de casus betrokken."))
        return CasePupil.objects.create(case=case, pupil=pupil, role=role)


def case_note_outcome(case: Case, outcome: str, *, by) -> Case:
    """Stap 2.1 (it was not bullying): note how it was solved; the case closes after it."""
    outcome = outcome.strip()
    with transaction.atomic():
        NOTE_OUTCOME.require(case, by)
        if not outcome:
            raise ValidationError(_("Noteer hoe het is opgelost."))
        case.outcome = outcome
        case.save(update_fields=["outcome"])
    return case


def case_assign_coaches(case: Case, *, by, bully=None, victim=None, group=None) -> Case:
    """Stap 5: name the coaches the signed plan left open.

    The plan van aanpak is the source of the coaches: when it locks its coaches
    are applied to the case. A coach the latest locked plan names cannot be
    changed here; that takes a new version of the plan, signed again.
    """
    with transaction.atomic():
        ASSIGN_COACHES.require(case, by)
        staff = set(Membership.objects.filter(school=case.school).values_list("user_id", flat=True))
        for person in (bully, victim, group):
            if person is not None and person.pk not in staff:
                raise ValidationError(_("Een coach moet op deze school werken."))
        plan = hooks.ask("signed_plan", case)
        for field, person in (
            ("coach_bully", bully),
            ("coach_victim", victim),
            ("coach_group", group),
        ):
            named = getattr(plan, f"{field}_id", None)
            if named is not None and named != getattr(person, "pk", None):
                raise ValidationError(
                    _(
                        "Het getekende plan van aanpak noemt de coaches al; maak een nieuwe "
                        "versie van het plan om een coach te wijzigen."
                    )
                )
        case.coach_bully, case.coach_victim, case.coach_group = bully, victim, group
        case.save(update_fields=["coach_bully", "coach_victim", "coach_group"])
    return case


# --- talks ---------------------------------------------------------------------------


def talk_plan(case: Case, kind: str, planned_on: datetime.date, *, by) -> Talk:
    """Plan a talk of ``kind`` on ``planned_on``, from stap 4 to stap 9 (``PLANNING_STATES``)."""
    with transaction.atomic():
        PLAN_TALK.require(case, by)
        if kind not in TalkKind.values:
            raise ValidationError(_("Onbekend soort gesprek."))
        return schedule_talk(case, kind, planned_on, by=by)


def schedule_talk(
    case: Case,
    kind: str,
    planned_on: datetime.date,
    *,
    by,
    window_opens: datetime.date | None = None,
    window_closes: datetime.date | None = None,
) -> Talk:
    """Plan a talk as a side effect of a step another service already checked (a
    transition, a plan that locks); ``talk_plan`` is the checked way in for people.
    ``window_opens``/``window_closes``: the protocol's window for it (``Talk``)."""
    return Talk.objects.create(
        case=case,
        kind=kind,
        cycle=case.cycle,
        planned_on=planned_on,
        window_opens=window_opens,
        window_closes=window_closes,
        created_by=by,
    )


def _talk_fits(case: Case, kind: str, talk: Talk | None) -> bool:
    """Does a talk of ``kind`` belong to the case's stap now?

    The talks of the stap and the ones that can be held at any time do; so does a talk
    that was planned, and a new version (a correction) of a talk held earlier.
    """
    if kind in ANYTIME_TALKS or kind in TALKS_BY_STATE.get(case.state, ()):
        return True
    if talk is not None:
        return True
    return case.talks.filter(
        kind=kind, cycle=case.cycle, planned_on__isnull=False, recorded=False
    ).exists()


def talk_record(
    case: Case,
    kind: str,
    *,
    by,
    held_on: datetime.date,
    answers: dict,
    notes: str = "",
    confidential_notes: str = "",
    staff=(),
    pupils=(),
    guardians=(),
    talk: Talk | None = None,
    early_reason: str = "",
) -> TalkVersion:
    """Record what was said. Recording again (an edit) adds a version; the old one stays.

    Without ``talk`` it fills the oldest planned, unrecorded talk of this kind in the
    current cycle, or starts a new one. A talk is recorded by someone who works on the
    case, while it is open, in the stap it belongs to (see ``_talk_fits``), with the
    people the protocol wants at it (``attendance_problems``). A talk held before its
    window opens needs ``early_reason``. From a bully's second recurrence on, the talk
    with the bully's parents that records the advice for outside help marks it as given.
    """
    if kind not in TalkKind.values:
        raise ValidationError(_("Onbekend soort gesprek."))
    with transaction.atomic():
        RECORD_TALK.require(case, by)
        if talk is not None and (talk.case_id != case.pk or talk.kind != kind):
            raise ValidationError(_("Dit gesprek hoort niet bij deze casus."))
        if not _talk_fits(case, kind, talk):
            raise ValidationError(
                _(
                    "Het gesprek '%(talk)s' hoort niet bij de stap van deze casus "
                    "(%(stap)s); plan het eerst, of kies een gesprek van deze stap."
                )
                % {"talk": TalkKind(kind).label, "stap": case.stap_label}
            )
        level = case.recurrence_level()
        keys = {q.key for q in questions_for(kind, level)}
        answers = {k: str(v).strip() for k, v in answers.items() if k in keys}
        missing = missing_answers(kind, answers, level)
        if missing:
            raise ValidationError(
                _("Beantwoord nog: %(questions)s")
                % {"questions": "; ".join(str(q.label) for q in missing)}
            )
        if held_on > timezone.localdate():
            raise ValidationError(_("Een gesprek kan niet in de toekomst gehouden zijn."))
        pupils, guardians = list(pupils), list(guardians)
        absent = attendance_problems(case, kind, pupils, guardians)
        if absent:
            raise ValidationError(absent)
        if talk is None:
            talk = (
                case.talks.filter(kind=kind, cycle=case.cycle, recorded=False)
                .order_by("planned_on", "pk")
                .first()
            ) or Talk.objects.create(case=case, kind=kind, cycle=case.cycle, created_by=by)
        early_reason = early_reason.strip()
        early = windows.early_problem(talk, held_on, early_reason)
        if early:
            raise ValidationError(early)
        Talk.objects.select_for_update().filter(pk=talk.pk).first()  # serialise versioning
        number = (talk.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = TalkVersion.objects.create(
            talk=talk,
            number=number,
            held_on=held_on,
            answers=answers,
            notes=notes,
            confidential_notes=confidential_notes,
            early_reason=early_reason if windows.is_early(talk, held_on) else "",
            author=by,
        )
        if not talk.recorded:
            talk.recorded = True
            talk.save(update_fields=["recorded"])
        version.staff.set(staff)
        version.pupils.set(pupils)
        version.guardians.set(guardians)
        if kind == TalkKind.BULLY_PARENTS and answers.get("outside_help_advice"):
            _outside_help_advised(case, version, by)
    return version


def _outside_help_advised(case: Case, version: TalkVersion, by) -> None:
    """The strong advice for outside help was given to the parents of a bully at their second
    (or later) recurrence: only now is it recorded, and the dossier told."""
    due = case.recurrences.filter(
        cycle=case.cycle, number__gte=2, outside_help_advised=False
    ).select_related("pupil", "case")
    for recurrence in due:
        recurrence.outside_help_advised = True
        recurrence.advice_talk = version
        recurrence.save(update_fields=["outside_help_advised", "advice_talk"])
        hooks.outside_help_advised.send(
            sender=Recurrence, recurrence=recurrence, version=version, by=by
        )


# Who must be at each stap 6 talk (and at the talk about outside help for a victim):
# (pupils in these roles present, a guardian of a pupil in these roles present).
ATTENDANCE = {
    TalkKind.BULLY: ((CasePupil.Role.BULLY,), ()),
    TalkKind.BULLY_PARENTS: ((), (CasePupil.Role.BULLY,)),
    TalkKind.VICTIM_PARENTS: ((CasePupil.Role.VICTIM,), (CasePupil.Role.VICTIM,)),
    TalkKind.OUTSIDE_HELP_VICTIM: ((), (CasePupil.Role.VICTIM,)),
}


def attendance_problems(case: Case, kind: str, pupils, guardians) -> list[str]:
    """What the attendance of a talk of ``kind`` misses, in Dutch; empty when it is right.

    The talk with the bully has a bully of the case present; the talk with the bully's
    parents at least one guardian of a bully; the talk with the victim and parents the
    victim and at least one of the victim's guardians.
    """
    if kind not in ATTENDANCE:
        return []
    pupil_roles, guardian_roles = ATTENDANCE[kind]
    present = {p.pk for p in pupils}
    present_guardians = {g.pk for g in guardians}
    problems = []
    for role in pupil_roles:
        in_role = [cp.pupil for cp in case.case_pupils.select_related("pupil") if cp.role == role]
        if in_role and not present & {p.pk for p in in_role}:
            problems.append(
                _("Bij dit gesprek hoort %(who)s aanwezig te zijn: vink aan wie erbij was.")
                % {"who": " of ".join(p.full_name for p in in_role)}
            )
    for role in guardian_roles:
        in_role = [cp.pupil for cp in case.case_pupils.select_related("pupil") if cp.role == role]
        if not in_role:
            continue
        theirs = set(
            Guardian.objects.filter(pupils__in=in_role).values_list("pk", flat=True).distinct()
        )
        if not present_guardians & theirs:
            problems.append(
                _(
                    "Bij dit gesprek hoort minstens één ouder of verzorger van %(who)s: "
                    "vink aan wie erbij was."
                )
                % {"who": " of ".join(p.full_name for p in in_role)}
            )
    return problems


# --- notifications -----------------------------------------------------------------


def notify(user, case: Case, message: str) -> Notification:
    """Tell a staff member about a case, in the app and by e-mail. Never names a pupil.

    The e-mail is a task (``cases.tasks``) that goes with the transaction: sent after the
    commit, tried again when the mail server fails, and logged when it gives up."""
    limit = Notification._meta.get_field("message").max_length
    if len(message) > limit:  # e.g. a long list of open cases; the case page has it all
        message = message[: limit - 1] + "…"
    notification = Notification.objects.create(user=user, case=case, message=message)
    if user.email:
        enqueue_after_commit(send_notification_mail, notification.pk)
    return notification
