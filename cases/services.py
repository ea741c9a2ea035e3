"""The one way in for every change to a case: create, transition, record a talk, sign a plan.

Views, the admin, management commands and tests call these functions; none of
them set ``Case.state`` or write history rows themselves.
"""

import datetime
import hashlib
from collections.abc import Iterable
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from cases import fsm, plans, rules
from cases.access import PAGES, can_see_case, visible_pupils
from cases.models import (
    OPEN_STATES,
    ActionPlan,
    Case,
    CasePupil,
    DossierEntry,
    Notification,
    Place,
    PlanAgreement,
    PlanDocument,
    PlanLocked,
    PlanScan,
    PlanSignatory,
    PlanTalk,
    Recurrence,
    ReporterKind,
    State,
    StateChange,
    Talk,
    TalkVersion,
)
from cases.plan_files import scan_check, signature_check
from cases.signs import WARNING_SIGN_SLUGS
from cases.steps import ANYTIME_TALKS, TALKS_BY_STATE
from cases.talks import TalkKind, missing_answers, questions_for
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
    """Side effects of a transition, inside its atomic block."""
    today = timezone.localdate()
    if name == "classify_one_off":
        _talk_plan(
            case,
            TalkKind.ONE_OFF_REVIEW,
            today + datetime.timedelta(days=case.school.one_off_review_days),
            by=by,
        )
    elif name == "start_review":
        text = _("Eenmalig incident besproken tussen gepeste en pester; beide worden gevolgd.")
        for cp in case.case_pupils.filter(role__in=[CasePupil.Role.VICTIM, CasePupil.Role.BULLY]):
            _dossier_add(cp.pupil, DossierEntry.Kind.ONE_OFF, text, case=case, by=by)
    elif name == "close" and source == State.CLOSING:
        plan = latest_locked_plan(case)
        text = _(
            "Casus afgesloten na stap 10. Het getekende plan van aanpak hoort bij dit dossier."
        )
        for cp in case.case_pupils.all():
            _dossier_add(cp.pupil, DossierEntry.Kind.CLOSING, text, case=case, plan=plan, by=by)
    elif name == "reopen":
        _record_recurrence(case, by)

    if case.state == State.SUPPORT_GROUP:
        from noblame.models import Traject

        Traject.objects.create(case=case)
    if case.state in (State.SUPPORT_GROUP, State.ACTION_PLAN) or name == "reopen":
        _involve_ib(case)


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
        advised = number >= 2
        Recurrence.objects.create(
            case=case, pupil=cp.pupil, number=number, outside_help_advised=advised
        )
        text = _("Herhaling %(n)d: de pester pest opnieuw.") % {"n": number}
        if advised:
            text += " " + _("Dringend advies aan de ouders: zoek hulp van buitenaf.")
        _dossier_add(cp.pupil, DossierEntry.Kind.RECURRENCE, text, case=case, by=by)


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
DOSSIER_NOTE = rules.Write(
    rules.CASE_WORKERS,
    OPEN_STATES,
    gettext_lazy("Bij een afgesloten casus komt geen nieuwe aantekening meer."),
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
    year = timezone.localdate().year
    count = Case.objects.filter(school=school, reference__startswith=f"{year}-").count()
    return f"{year}-{count + 1 + offset:03d}"


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
        plan = latest_locked_plan(case)
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
        return _talk_plan(case, kind, planned_on, by=by)


def _talk_plan(case: Case, kind: str, planned_on: datetime.date, *, by) -> Talk:
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


# --- plan van aanpak -----------------------------------------------------------------

# A plan is made in stap 4 and can get a new version until the case closes.
PLAN_STATES = (
    State.ACTION_PLAN,
    State.COACHING,
    State.TALKS,
    State.REFLECTION,
    State.GROUP_DISCUSSION,
    State.BACK_IN_CLASS,
    State.CLOSING,
)


def plan_may_edit(case: Case, user) -> bool:
    """May ``user`` write (a new version of) the plan of ``case``: its teacher or the IB."""
    return rules.TEACHER_OR_IB(case, user)


def _require_plan_editor(case: Case, by) -> None:
    if not plan_may_edit(case, by):
        raise PermissionDenied(str(rules.TEACHER_OR_IB.message))


def plan_create(case: Case, *, by, **content) -> ActionPlan:
    """A new version of the plan of ``case``; earlier versions and their signatures stay.

    ``content`` (all optional): agreements (the general ones), signatories (dicts
    with name, role and one of user/guardian/pupil; the usual ones from
    ``plans.default_signatories`` when left out), parties (dicts with party, pupil
    and text), talks (dicts with kind, planned_on and participants), coach_bully,
    coach_victim, coach_group, activities (slugs of ``plans.ACTIVITIES``),
    activities_other and registration.
    """
    _require_plan_editor(case, by)
    if case.state not in PLAN_STATES:
        raise ValidationError(_("Een plan van aanpak hoort bij stap 4 tot en met 10."))
    fields, parts = _plan_prepare(case, **content)
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()  # serialise versioning
        version = (case.plans.aggregate(n=Max("version"))["n"] or 0) + 1
        plan = ActionPlan.objects.create(case=case, version=version, created_by=by, **fields)
        _plan_write_parts(plan, *parts)
    return plan


def plan_update(plan: ActionPlan, *, by, **content) -> ActionPlan:
    """Change a draft: the latest version, which nobody signed yet. Anything else is refused.

    ``content`` is as for ``plan_create`` and replaces all of the draft's content.
    """
    _require_plan_editor(plan.case, by)
    fields, parts = _plan_prepare(plan.case, **content)
    with transaction.atomic():
        state = (
            Case.objects.select_for_update().values_list("state", flat=True).get(pk=plan.case_id)
        )
        if state not in PLAN_STATES:
            raise ValidationError(_("Een plan van aanpak hoort bij stap 4 tot en met 10."))
        plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.locked_at:
            raise PlanLocked(
                _("Dit plan is door iedereen getekend en vastgezet; maak een nieuwe versie.")
            )
        if plan.has_signatures:
            raise PlanLocked(
                _("Er heeft al iemand getekend; een wijziging wordt een nieuwe versie.")
            )
        if not plan.is_latest:
            raise ValidationError(_("Er is al een nieuwere versie van dit plan."))
        for field, value in fields.items():
            setattr(plan, field, value)
        plan.save()
        plan.party_agreements.all().delete()
        plan.talks.all().delete()
        plan.signatories.all().delete()
        _plan_write_parts(plan, *parts)
    return plan


def _plan_prepare(
    case: Case,
    *,
    agreements: str = "",
    signatories: Iterable[dict] | None = None,
    parties: Iterable[dict] = (),
    talks: Iterable[dict] = (),
    coach_bully=None,
    coach_victim=None,
    coach_group=None,
    activities: Iterable[str] = (),
    activities_other: str = "",
    registration: str | None = None,
) -> tuple[dict, tuple[list, list, list]]:
    """Check a plan's content for ``case``: the plan's own fields and its parts."""
    staff = set(Membership.objects.filter(school=case.school).values_list("user_id", flat=True))
    for coach in (coach_bully, coach_victim, coach_group):
        if coach is not None and coach.pk not in staff:
            raise ValidationError(_("Een coach moet op deze school werken."))
    activities = list(dict.fromkeys(activities))
    if set(activities) - plans.ACTIVITY_SLUGS:
        raise ValidationError(_("Onbekende activiteit in de lijst."))
    if registration is None:
        registration = str(plans.DEFAULT_REGISTRATION)
    fields = {
        "agreements": (agreements or "").strip(),
        "coach_bully": coach_bully,
        "coach_victim": coach_victim,
        "coach_group": coach_group,
        "activities": activities,
        "activities_other": (activities_other or "").strip(),
        "registration": registration.strip(),
    }
    signatories = plans.default_signatories(case) if signatories is None else list(signatories)
    parts = (signatories, list(parties), list(talks))
    _plan_check_parts(case, *parts)
    return fields, parts


def _plan_check_parts(case: Case, signatories: list, parties: list, talks: list) -> None:
    """Every person in the plan belongs to this case (or its school, for staff)."""
    pupil_ids = set(case.case_pupils.values_list("pupil_id", flat=True))
    guardian_ids = set(Guardian.objects.filter(pupils__in=pupil_ids).values_list("pk", flat=True))
    staff = set(Membership.objects.filter(school=case.school).values_list("user_id", flat=True))
    if not signatories:
        raise ValidationError(_("Kies wie het plan ondertekenen."))
    for s in signatories:
        user, guardian, pupil = s.get("user"), s.get("guardian"), s.get("pupil")
        if (
            (user is not None and user.pk not in staff)
            or (guardian is not None and guardian.pk not in guardian_ids)
            or (pupil is not None and pupil.pk not in pupil_ids)
        ):
            raise ValidationError(
                _("%(name)s hoort niet bij deze casus en kan het plan niet tekenen.")
                % {"name": s.get("name", "")}
            )
    for p in parties:
        if p.get("pupil") is not None and p["pupil"].pk not in pupil_ids:
            raise ValidationError(_("Afspraken kunnen alleen met betrokkenen van deze casus."))
    for t in talks:
        if t["kind"] not in plans.PLAN_TALK_KINDS:
            raise ValidationError(_("Dit gesprek hoort niet in de planning van stap 5–10."))


def _plan_write_parts(plan: ActionPlan, signatories: list, parties: list, talks: list) -> None:
    # One save per row (no bulk_create): each row gets its entry in the change history.
    for n, s in enumerate(signatories):
        PlanSignatory.objects.create(plan=plan, position=n, **s)
    for n, p in enumerate(parties):
        if p.get("text", "").strip():
            PlanAgreement.objects.create(
                plan=plan,
                position=n,
                party=p["party"],
                pupil=p.get("pupil"),
                text=p["text"].strip(),
            )
    for n, t in enumerate(talks):
        PlanTalk.objects.create(
            plan=plan,
            position=n,
            kind=t["kind"],
            planned_on=t["planned_on"],
            participants=t.get("participants", "").strip(),
        )


def _signable(signatory: PlanSignatory, *, lock: bool = True) -> ActionPlan:
    """Refuse when this signature cannot be added (any more); ``lock`` the plan row (inside
    a transaction) so two signatures at once are counted one after the other."""
    plans_qs = ActionPlan.objects.select_for_update() if lock else ActionPlan.objects
    plan = plans_qs.get(pk=signatory.plan_id)
    if plan.locked_at:
        raise PlanLocked(_("Dit plan is al door iedereen getekend en vastgezet."))
    if not plan.is_latest:
        raise ValidationError(_("Er is een nieuwere versie van dit plan; teken die versie."))
    if PlanSignatory.objects.filter(pk=signatory.pk, signed_at__isnull=False).exists():
        raise ValidationError(_("%(name)s heeft al getekend.") % {"name": signatory.name})
    return plan


def plan_sign(signatory: PlanSignatory, *, by, signature: bytes | None = None) -> PlanSignatory:
    """Record a signature drawn on the screen (PNG); the plan locks with the last one.

    A staff member signs only for themselves (the view has them confirm their
    password first). A parent or pupil signs on the screen of the teacher or IB
    of the case, who is recorded as ``recorded_by``.
    """
    case = signatory.plan.case
    _signable(signatory, lock=False)  # says first when signing is over, whoever asks
    if signatory.user_id is not None:
        if signatory.user_id != by.pk:
            raise PermissionDenied(
                _("%(name)s tekent zelf, ingelogd met een eigen account.")
                % {"name": signatory.name}
            )
        if not can_see_case(by, case):
            raise PermissionDenied(_("U kunt deze casus niet bekijken."))
    else:
        _require_plan_editor(case, by)
    if not signature:
        raise ValidationError(_("Zet eerst een handtekening in het vak."))
    signature_check(signature)
    with transaction.atomic():
        plan = _signable(signatory)
        signatory.signature.save(f"{signatory.pk}.png", ContentFile(signature), save=False)
        signatory.signed_at = timezone.now()
        signatory.method = PlanSignatory.Method.SCREEN
        signatory.recorded_by = by
        signatory.save(update_fields=["signature", "signed_at", "method", "recorded_by"])
        if plan.is_signed_by_all:
            _plan_lock(plan, by)
    return signatory


def plan_sign_paper(
    plan: ActionPlan, *, by, upload, signatories: Iterable[PlanSignatory]
) -> PlanScan:
    """Keep a scan of a paper copy signed with pen; it counts as the signatures of
    ``signatories`` (the ones whose signature is on that paper)."""
    _require_plan_editor(plan.case, by)
    content_type = scan_check(upload)
    chosen = list(signatories)
    if not chosen:
        raise ValidationError(_("Kies wie op deze papieren versie hebben getekend."))
    if any(s.plan_id != plan.pk for s in chosen):
        raise ValidationError(_("Deze ondertekenaar hoort niet bij dit plan."))
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        for signatory in chosen:
            plan = _signable(signatory)
        scan = PlanScan(
            plan=plan,
            original_name=PurePath(upload.name).name[:255],
            content_type=content_type,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=by,
        )
        scan.file.save("scan", upload, save=False)
        scan.save()
        now = timezone.now()
        for signatory in chosen:
            signatory.signed_at = now
            signatory.method = PlanSignatory.Method.PAPER
            signatory.scan = scan
            signatory.recorded_by = by
            signatory.save(update_fields=["signed_at", "method", "scan", "recorded_by"])
        if plan.is_signed_by_all:
            _plan_lock(plan, by)
    return scan


def _plan_lock(plan: ActionPlan, by) -> None:
    """Every signature is in: apply the plan to the case, lock it, file its PDF once."""
    from cases.documents import render_plan_pdf

    case = Case.objects.get(pk=plan.case_id)
    _plan_apply_coaches(plan, case)
    _plan_apply_talks(plan, case, by)
    plan.locked_at = timezone.now()
    plan.save(update_fields=["locked_at"])
    pdf = render_plan_pdf(plan)
    document = PlanDocument(plan=plan, size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest())
    document.file.save("plan.pdf", ContentFile(pdf), save=False)
    document.save()
    text = _(
        "Plan van aanpak versie %(version)d is door iedereen getekend en opgeslagen "
        "(SHA-256 %(sha)s)."
    ) % {"version": plan.version, "sha": document.sha256}
    for cp in case.case_pupils.select_related("pupil"):
        _dossier_add(cp.pupil, DossierEntry.Kind.PLAN, text, case=case, plan=plan, by=by)


def _plan_apply_coaches(plan: ActionPlan, case: Case) -> None:
    """The case's coaches follow the latest locked plan; one it leaves open stays as it is."""
    changed = []
    for field in ("coach_bully", "coach_victim", "coach_group"):
        coach_id = getattr(plan, f"{field}_id")
        if coach_id is not None and getattr(case, f"{field}_id") != coach_id:
            setattr(case, f"{field}_id", coach_id)
            changed.append(field)
    if changed:
        case.save(update_fields=changed)


def _plan_apply_talks(plan: ActionPlan, case: Case, by) -> None:
    """The planning becomes the case's planned talks.

    A talk planned by the previous locked version moves to its new date (when it
    was not held yet); the n-th talk of a kind matches the n-th of that kind
    before. A planned talk the new version drops is removed when nothing was
    recorded in it.
    """
    previous = (
        case.plans.filter(locked_at__isnull=False, version__lt=plan.version)
        .order_by("-version")
        .first()
    )
    earlier: dict[str, list[Talk]] = {}
    if previous is not None:
        for item in previous.talks.select_related("talk").order_by("planned_on", "position"):
            if item.talk is not None and item.talk.cycle == case.cycle:
                earlier.setdefault(item.kind, []).append(item.talk)
    kept = set()
    for item in plan.talks.order_by("planned_on", "position"):
        talk = earlier.get(item.kind, [None]).pop(0) if earlier.get(item.kind) else None
        if talk is None:
            talk = _talk_plan(case, item.kind, item.planned_on, by=by)
        elif talk.planned_on != item.planned_on and not talk.versions.exists():
            talk.planned_on = item.planned_on
            talk.save(update_fields=["planned_on"])
        item.talk = talk
        item.save(update_fields=["talk"])
        kept.add(talk.pk)
    for talks in earlier.values():
        for talk in talks:
            if talk.pk not in kept and not talk.versions.exists():
                talk.delete()


def latest_locked_plan(case: Case) -> ActionPlan | None:
    return case.plans.filter(locked_at__isnull=False).order_by("-version").first()


# --- dossier and notifications -------------------------------------------------------


def dossier_add(pupil, kind: str, text: str, *, by, case=None, plan=None) -> DossierEntry:
    """A note (``DossierEntry.Kind.NOTE``) in ``pupil``'s dossier, about ``case`` or not.

    About a case: by someone who works on it, while it is open, for a pupil of the case.
    Outside a case: by the pupil's teacher, the IB or the SMW of the pupil's school, while
    the pupil is at the school. The other kinds are written by the steps themselves.
    """
    if kind != DossierEntry.Kind.NOTE:
        raise ValidationError(_("Deze aantekening schrijft het stappenplan zelf."))
    text = text.strip()
    with transaction.atomic():
        if case is not None:
            DOSSIER_NOTE.require(case, by)
            if not case.case_pupils.filter(pupil=pupil).exists():
                raise ValidationError(_("Deze leerling is niet bij de casus betrokken."))
            if plan is not None and plan.case_id != case.pk:
                raise ValidationError(_("Dit plan hoort niet bij deze casus."))
        else:
            roles = Membership.objects.filter(user=by, school_id=pupil.school_id).values_list(
                "role", flat=True
            )
            if not (
                set(roles) & rules.CASE_WORKERS.roles
                and visible_pupils(by).filter(pk=pupil.pk).exists()
            ):
                raise PermissionDenied(
                    _(
                        "Een aantekening in het dossier maakt de leerkracht van de leerling, de "
                        "intern begeleider of de schoolmaatschappelijk werker."
                    )
                )
            if plan is not None:
                raise ValidationError(_("Een plan van aanpak hoort bij een casus."))
            if pupil.left_on is not None and pupil.left_on <= timezone.localdate():
                raise ValidationError(_("Deze leerling zit niet meer op school."))
        if not text:
            raise ValidationError(_("Schrijf de aantekening."))
        return _dossier_add(pupil, kind, text, case=case, plan=plan, by=by)


def _dossier_add(pupil, kind: str, text: str, *, by, case=None, plan=None) -> DossierEntry:
    """An entry a step of the protocol writes (inside that step's checks and transaction)."""
    return DossierEntry.objects.create(
        pupil=pupil, kind=kind, text=text, case=case, plan=plan, created_by=by
    )


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
