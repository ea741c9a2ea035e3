"""The one way in for every change to a case: create, transition, record a talk, sign a plan.

Views, the admin, management commands and tests call these functions; none of
them set ``Case.state`` or write history rows themselves.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from cases.models import (
    ActionPlan,
    Case,
    CasePupil,
    DossierEntry,
    Notification,
    PlanSignatory,
    Recurrence,
    State,
    StateChange,
    Talk,
    TalkVersion,
)
from cases.signs import WARNING_SIGN_SLUGS
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
    if name not in TRANSITION_NAMES:
        return [_("Onbekende overgang.")]
    fsm_transition = getattr(Case, name)._django_fsm.get_transition(case.state)
    if fsm_transition is None:
        return [_("Dit kan niet in de huidige stap (%(stap)s).") % {"stap": case.stap_label}]
    if not fsm_transition.has_perm(case, user):
        return [str(fsm_transition.permission.message)]
    return [str(p) for guard in fsm_transition.conditions for p in guard.problems(case)]


def available_transitions(case: Case, user) -> list[tuple[str, list[str]]]:
    """Every transition leaving the current state, with what stops ``user`` (if anything)."""
    return [
        (name, transition_check(case, name, user))
        for name in TRANSITION_NAMES
        if getattr(Case, name)._django_fsm.get_transition(case.state) is not None
    ]


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
        talk_plan(
            case,
            TalkKind.ONE_OFF_REVIEW,
            today + datetime.timedelta(days=case.school.one_off_review_days),
            by=by,
        )
    elif name == "start_review":
        text = _("Eenmalig incident besproken tussen gepeste en pester; beide worden gevolgd.")
        for cp in case.case_pupils.filter(role__in=[CasePupil.Role.VICTIM, CasePupil.Role.BULLY]):
            dossier_add(cp.pupil, DossierEntry.Kind.ONE_OFF, text, case=case, by=by)
    elif name == "close" and source == State.CLOSING:
        plan = case.plans.order_by("-version").first()
        text = _(
            "Casus afgesloten na stap 10. Het getekende plan van aanpak hoort bij dit dossier."
        )
        for cp in case.case_pupils.all():
            dossier_add(cp.pupil, DossierEntry.Kind.CLOSING, text, case=case, plan=plan, by=by)
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
        dossier_add(cp.pupil, DossierEntry.Kind.RECURRENCE, text, case=case, by=by)


# --- creating a case -----------------------------------------------------------------


def case_create(*, school, by, pupils: Iterable[tuple], **signal) -> Case:
    """Log a new signal. ``pupils`` holds (pupil, role) pairs; a victim is required."""
    pairs = list(pupils)
    if not any(role == CasePupil.Role.VICTIM for _p, role in pairs):
        raise ValidationError(_("Geef aan welke leerling gepest wordt."))
    if any(p.school_id != school.pk for p, _r in pairs):
        raise ValidationError(_("Alle leerlingen moeten op deze school zitten."))
    unknown = set(signal.get("warning_signs", [])) - WARNING_SIGN_SLUGS
    if unknown:
        raise ValidationError(_("Onbekend signaal in de lijst."))
    signal.setdefault("responsible_teacher", by if _is_teacher(by, school) else None)
    for attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    school=school,
                    reference=_next_reference(school, offset=attempt),
                    logged_by=by,
                    **signal,
                )
                CasePupil.objects.bulk_create(
                    CasePupil(case=case, pupil=pupil, role=role) for pupil, role in pairs
                )
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
    if pupil.school_id != case.school_id:
        raise ValidationError(_("Deze leerling zit op een andere school."))
    if case.case_pupils.filter(pupil=pupil).exists():
        raise ValidationError(_("Deze leerling is al bij de casus betrokken."))
    return CasePupil.objects.create(case=case, pupil=pupil, role=role)


def case_note_outcome(case: Case, outcome: str, *, by) -> Case:
    case.outcome = outcome.strip()
    case.save(update_fields=["outcome"])
    return case


def case_assign_coaches(case: Case, *, by, bully=None, victim=None, group=None) -> Case:
    staff = set(Membership.objects.filter(school=case.school).values_list("user_id", flat=True))
    for person in (bully, victim, group):
        if person is not None and person.pk not in staff:
            raise ValidationError(_("Een coach moet op deze school werken."))
    case.coach_bully, case.coach_victim, case.coach_group = bully, victim, group
    case.save(update_fields=["coach_bully", "coach_victim", "coach_group"])
    return case


# --- talks ---------------------------------------------------------------------------


def talk_plan(case: Case, kind: str, planned_on: datetime.date, *, by) -> Talk:
    return Talk.objects.create(
        case=case, kind=kind, cycle=case.cycle, planned_on=planned_on, created_by=by
    )


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
    current cycle, or starts a new one.
    """
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
    with transaction.atomic():
        if talk is None:
            talk = (
                case.talks.filter(kind=kind, cycle=case.cycle, versions=None)
                .order_by("planned_on", "pk")
                .first()
            ) or Talk.objects.create(case=case, kind=kind, cycle=case.cycle, created_by=by)
        elif talk.case_id != case.pk or talk.kind != kind:
            raise ValidationError(_("Dit gesprek hoort niet bij deze casus."))
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


def plan_create(case: Case, *, by, agreements: str, signatories: Iterable[dict]) -> ActionPlan:
    """A new version of the plan; signatories are dicts with name, role and user/guardian/pupil."""
    with transaction.atomic():
        version = (case.plans.aggregate(n=Max("version"))["n"] or 0) + 1
        plan = ActionPlan.objects.create(
            case=case, version=version, agreements=agreements, created_by=by
        )
        PlanSignatory.objects.bulk_create(PlanSignatory(plan=plan, **s) for s in signatories)
    return plan


def plan_sign(signatory: PlanSignatory, *, by) -> PlanSignatory:
    """Record a signature; the plan locks when the last signature is in."""
    with transaction.atomic():
        plan = ActionPlan.objects.select_for_update().get(pk=signatory.plan_id)
        if plan.locked_at:
            raise ValidationError(_("Dit plan is al door iedereen getekend en vastgezet."))
        if signatory.signed_at:
            raise ValidationError(_("Deze persoon heeft al getekend."))
        signatory.signed_at = timezone.now()
        signatory.save(update_fields=["signed_at"])
        if plan.is_signed_by_all:
            plan.locked_at = timezone.now()
            plan.save(update_fields=["locked_at"])
    return signatory


# --- dossier and notifications -------------------------------------------------------


def dossier_add(pupil, kind: str, text: str, *, by, case=None, plan=None) -> DossierEntry:
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
