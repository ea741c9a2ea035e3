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
from django_fsm import ConcurrentTransition

from cases import plans, rules
from cases.access import can_see_case
from cases.models import (
    ActionPlan,
    Case,
    CasePupil,
    DossierEntry,
    Notification,
    PlanAgreement,
    PlanDocument,
    PlanLocked,
    PlanScan,
    PlanSignatory,
    PlanTalk,
    Recurrence,
    State,
    StateChange,
    Talk,
    TalkVersion,
)
from cases.plan_files import scan_check, signature_check
from cases.signs import WARNING_SIGN_SLUGS
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
        plan = latest_locked_plan(case)
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
    """Stap 5: name the coaches the signed plan left open.

    The plan van aanpak is the source of the coaches: when it locks its coaches
    are applied to the case. A coach the latest locked plan names cannot be
    changed here; that takes a new version of the plan, signed again.
    """
    staff = set(Membership.objects.filter(school=case.school).values_list("user_id", flat=True))
    for person in (bully, victim, group):
        if person is not None and person.pk not in staff:
            raise ValidationError(_("Een coach moet op deze school werken."))
    plan = latest_locked_plan(case)
    for field, person in (("coach_bully", bully), ("coach_victim", victim), ("coach_group", group)):
        named = getattr(plan, f"{field}_id", None)
        if named is not None and named != getattr(person, "pk", None):
            raise ValidationError(
                _(
                    "Het getekende plan van aanpak noemt de coaches al; maak een nieuwe versie "
                    "van het plan om een coach te wijzigen."
                )
            )
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
    PlanSignatory.objects.bulk_create(
        PlanSignatory(plan=plan, position=n, **s) for n, s in enumerate(signatories)
    )
    PlanAgreement.objects.bulk_create(
        PlanAgreement(
            plan=plan,
            position=n,
            party=p["party"],
            pupil=p.get("pupil"),
            text=p["text"].strip(),
        )
        for n, p in enumerate(parties)
        if p.get("text", "").strip()
    )
    PlanTalk.objects.bulk_create(
        PlanTalk(
            plan=plan,
            position=n,
            kind=t["kind"],
            planned_on=t["planned_on"],
            participants=t.get("participants", "").strip(),
        )
        for n, t in enumerate(talks)
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
        dossier_add(cp.pupil, DossierEntry.Kind.PLAN, text, case=case, plan=plan, by=by)


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
            talk = talk_plan(case, item.kind, item.planned_on, by=by)
        elif talk.planned_on != item.planned_on and not talk.versions.exists():
            Talk.objects.filter(pk=talk.pk).update(planned_on=item.planned_on)
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
