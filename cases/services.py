"""The one way in for every change to a case: create, transition, record a talk, sign a plan.

Views, the admin, management commands and tests call these functions; none of
them set ``Case.state`` or write history rows themselves.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from cases import fsm, hooks, rules
from cases.access import PAGES, visible_pupils
from cases.models import (
    OPEN_STATES,
    Case,
    CasePupil,
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
from schools.models import Membership, Role

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
)


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
    if problems:
        raise TransitionRefused(problems)
    source = case.state
    try:
        with transaction.atomic():
            getattr(case, name)()
            case.save(update_fields=["state"])
            StateChange.objects.create(
                case=case,
                transition=name,
                source=source,
                target=case.state,
                by=by,
                remark=remark.strip(),
            )
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
        schedule_talk(
            case,
            TalkKind.ONE_OFF_REVIEW,
            today + datetime.timedelta(days=case.school.one_off_review_days),
            by=by,
        )
    elif name == "reopen":
        _record_recurrence(case, by)
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


def _record_recurrence(case: Case, by) -> None:
    """Herhaling: count per bully; from the second one record the advice for outside help."""
    case.cycle += 1
    case.save(update_fields=["cycle"])
    for cp in case.case_pupils.filter(role=CasePupil.Role.BULLY).select_related("pupil"):
        number = Recurrence.objects.filter(pupil=cp.pupil).count() + 1
        recurrence = Recurrence.objects.create(
            case=case, pupil=cp.pupil, number=number, outside_help_advised=number >= 2
        )
        hooks.recurrence_recorded.send(sender=Recurrence, recurrence=recurrence, by=by)


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
) -> Case:
    """Log a new signal: a case in the first stap (``signaled``), logged by ``by``.

    A teacher or the IB of ``school`` logs it, about pupils they may see. ``pupils``
    holds (pupil, role) pairs; a victim is required. The responsible teacher is ``by``
    when ``by`` teaches at the school, unless one is given. ``created_at`` (when it was
    logged, now when left out) is for the demo data; it is never in the future.

    The creation is in the history twice: the case's own ``logged_by`` and
    ``created_at`` (the first item of its timeline) and django-auditlog's entry.
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
                )
                for pupil, role in pairs:  # one save each: each gets its history entry
                    CasePupil.objects.create(case=case, pupil=pupil, role=role)
                return case
        except IntegrityError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


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


def schedule_talk(case: Case, kind: str, planned_on: datetime.date, *, by) -> Talk:
    """Plan a talk as a side effect of a step another service already checked (a
    transition, a plan that locks); ``talk_plan`` is the checked way in for people."""
    """A talk a step of the protocol plans itself (the one-off review, the plan's planning)."""
    return Talk.objects.create(
        case=case, kind=kind, cycle=case.cycle, planned_on=planned_on, created_by=by
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
        kind=kind, cycle=case.cycle, planned_on__isnull=False, versions=None
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
) -> TalkVersion:
    """Record what was said. Recording again (an edit) adds a version; the old one stays.

    Without ``talk`` it fills the oldest planned, unrecorded talk of this kind in the
    current cycle, or starts a new one. A talk is recorded by someone who works on the
    case, while it is open, in the stap it belongs to (see ``_talk_fits``).
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
        keys = {q.key for q in questions_for(kind, case.cycle)}
        answers = {k: str(v).strip() for k, v in answers.items() if k in keys}
        missing = missing_answers(kind, answers, case.cycle)
        if missing:
            raise ValidationError(
                _("Beantwoord nog: %(questions)s")
                % {"questions": "; ".join(str(q.label) for q in missing)}
            )
        if held_on > timezone.localdate():
            raise ValidationError(_("Een gesprek kan niet in de toekomst gehouden zijn."))
        if talk is None:
            talk = (
                case.talks.filter(kind=kind, cycle=case.cycle, versions=None)
                .order_by("planned_on", "pk")
                .first()
            ) or Talk.objects.create(case=case, kind=kind, cycle=case.cycle, created_by=by)
        Talk.objects.select_for_update().filter(pk=talk.pk).first()  # serialise versioning
        number = (talk.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = TalkVersion.objects.create(
            talk=talk,
            number=number,
            held_on=held_on,
            answers=answers,
            notes=notes,
            confidential_notes=confidential_notes,
            author=by,
        )
        version.staff.set(staff)
        version.pupils.set(pupils)
        version.guardians.set(guardians)
    return version


# --- notifications -----------------------------------------------------------------


def notify(user, case: Case, message: str) -> Notification:
    """Tell a staff member about a case, in the app and by e-mail. Never names a pupil."""
    notification = Notification.objects.create(user=user, case=case, message=message)
    if user.email:
        link = settings.SITE_URL + reverse("cases:detail", args=[case.pk])

        def send():
            send_mail(
                _("Pestprotocol: casus %(ref)s") % {"ref": case.reference},
                f"{message}\n\n{link}",
                None,
                [user.email],
                fail_silently=True,
            )

        transaction.on_commit(send)
    return notification
