"""Every write of the plan van aanpak (stap 4): versions, signatures, locking and filing.

Each service checks who may act and on which plan itself, saves atomically and leaves
the change history. When every signatory signed, the plan locks: its coaches and planned
talks go to the case; then a task stores its PDF once with its SHA-256 and ``plan_locked``
tells the dossier (which files an entry for every pupil of the case).
"""

import datetime
import hashlib
import logging
from collections.abc import Iterable
from pathlib import PurePath

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from cases import rules
from cases import services as case_services
from cases.access import can_see_case
from cases.models import Case, CasePupil, State, Talk
from cases.tasks import retry_or_give_up
from cases.uploads import files_with_rows
from plans import content
from plans.documents import render_plan_pdf
from plans.files import scan_check, signature_check
from plans.models import (
    ActionPlan,
    PlanAgreement,
    PlanDocument,
    PlanLocked,
    PlanScan,
    PlanSignatory,
    PlanTalk,
)
from schools.models import Guardian, GuardianRelation, Membership

# Sent when the locked plan's PDF is filed (plan_file_pdf), with: plan, document, by.
plan_locked = Signal()
log = logging.getLogger("pestprotocol.tasks")

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
    ``content.default_signatories`` when left out), parties (dicts with party, pupil
    and text), talks (dicts with kind, planned_on and participants), coach_bully,
    coach_victim, coach_group, activities (slugs of ``plans.content.ACTIVITIES``),
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
    if set(activities) - content.ACTIVITY_SLUGS:
        raise ValidationError(_("Onbekende activiteit in de lijst."))
    if registration is None:
        registration = str(content.DEFAULT_REGISTRATION)
    fields = {
        "agreements": (agreements or "").strip(),
        "coach_bully": coach_bully,
        "coach_victim": coach_victim,
        "coach_group": coach_group,
        "activities": activities,
        "activities_other": (activities_other or "").strip(),
        "registration": registration.strip(),
    }
    signatories = content.default_signatories(case) if signatories is None else list(signatories)
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
        if t["kind"] not in content.PLAN_TALK_KINDS:
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
    if PlanSignatory.objects.filter(pk=signatory.pk, refused_on__isnull=False).exists():
        raise ValidationError(
            _(
                "Van %(name)s is vastgelegd dat hij of zij niet tekent. Wil %(name)s nu toch "
                "tekenen, maak dan een nieuwe versie van het plan."
            )
            % {"name": signatory.name}
        )
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
    with files_with_rows() as files, transaction.atomic():
        plan = _signable(signatory)
        files.save(signatory.signature, ContentFile(signature), "signature.png")
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
    with files_with_rows() as files, transaction.atomic():
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
        files.save(scan.file, upload, "scan")
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


def plan_may_record_refusal(case: Case, user) -> bool:
    """Only the IB of the case records that a parent will not sign."""
    return rules.IB_ONLY(case, user)


def plan_record_refusal(
    signatory: PlanSignatory, *, by, refused_on: datetime.date, reason: str
) -> PlanSignatory:
    """Record that a parent will not sign this plan: who (the signatory), when and why.

    By the IB of the case, for a parent on the latest, unlocked version who has not
    signed. The plan shows it; stap 5 may then start without this signature. When every
    other signatory has signed, the plan locks (and its PDF shows the refusal).
    """
    case = signatory.plan.case
    if not plan_may_record_refusal(case, by):
        raise PermissionDenied(str(rules.IB_ONLY.message))
    _signable(signatory, lock=False)
    if signatory.guardian_id is None:
        raise ValidationError(
            _(
                "Alleen van een ouder/verzorger wordt een weigering vastgelegd; %(name)s tekent "
                "zelf of wordt uit een nieuwe versie van het plan gehaald."
            )
            % {"name": signatory.name}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Schrijf op waarom %(name)s niet tekent.") % {"name": signatory.name}
        )
    if refused_on is None:
        raise ValidationError(_("Vul de datum in waarop de ouder weigerde te tekenen."))
    if refused_on > timezone.localdate():
        raise ValidationError(_("De datum van de weigering ligt in de toekomst."))
    if refused_on < timezone.localdate(signatory.plan.created_at):
        raise ValidationError(_("De datum van de weigering ligt voor de datum van dit plan."))
    with transaction.atomic():
        plan = _signable(signatory)
        signatory.refused_on = refused_on
        signatory.refusal_reason = reason
        signatory.recorded_by = by
        signatory.save(update_fields=["refused_on", "refusal_reason", "recorded_by"])
        if plan.is_signed_by_all:
            _plan_lock(plan, by)
    return signatory


def required_parents(case: Case) -> list[tuple]:
    """(guardian, pupil) for every parent with custody of the victim and of the bully: the
    parents who must sign the plan, or be recorded as refusing, before stap 5."""
    relations = (
        GuardianRelation.objects.filter(
            pupil__case_roles__case=case,
            pupil__case_roles__role__in=[CasePupil.Role.VICTIM, CasePupil.Role.BULLY],
            has_custody=True,
        )
        .select_related("guardian", "pupil")
        .order_by("pk")
    )
    return [(r.guardian, r.pupil) for r in relations]


def parents_problems(case: Case, plan: ActionPlan) -> list[str]:
    """What the plan misses of the parents who must sign it (a plan staff alone signed does
    not count): a victim or bully without a known parent with custody, or such a parent
    who is not among the signatories."""
    problems = []
    parents = required_parents(case)
    with_parent = {pupil.pk for _g, pupil in parents}
    for cp in case.case_pupils.filter(
        role__in=[CasePupil.Role.VICTIM, CasePupil.Role.BULLY]
    ).select_related("pupil"):
        if cp.pupil_id not in with_parent:
            problems.append(
                _(
                    "Van %(name)s (%(role)s) is geen ouder/verzorger met gezag bekend. De "
                    "beheerder legt die vast bij de leerling; daarna tekent die ouder het plan."
                )
                % {"name": cp.pupil.full_name, "role": cp.get_role_display()}
            )
    on_plan = set(
        plan.signatories.filter(guardian__isnull=False).values_list("guardian_id", flat=True)
    )
    for guardian, pupil in parents:
        if guardian.pk not in on_plan:
            problems.append(
                _(
                    "%(name)s (ouder met gezag van %(pupil)s) staat niet bij de ondertekenaars. "
                    "Voeg deze ouder toe aan het plan (een nieuwe versie als er al getekend is)."
                )
                % {"name": str(guardian), "pupil": pupil.first_name}
            )
    return problems


def _plan_lock(plan: ActionPlan, by) -> None:
    """Every signature is in: apply the plan to the case and lock it. Its PDF is a task
    (``plans.tasks.file_plan_pdf``) written in this transaction: it runs after the commit
    (at once in development and the tests) and is tried until the PDF is filed."""
    case = Case.objects.get(pk=plan.case_id)
    _plan_apply_coaches(plan, case)
    _plan_apply_talks(plan, case, by)
    plan.locked_at = timezone.now()
    plan.save(update_fields=["locked_at"])
    file_plan_pdf.enqueue(plan.pk, by.pk)


def plan_file_pdf(plan: ActionPlan, *, by) -> PlanDocument:
    """File the PDF of a locked plan, once, with its SHA-256, then tell the dossier
    (``plan_locked``). Running it again returns the filed document."""
    with files_with_rows() as files, transaction.atomic():
        plan = ActionPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.locked_at is None:
            raise ValidationError(_("Dit plan is nog niet door iedereen getekend."))
        filed = PlanDocument.objects.filter(plan=plan).first()
        if filed is not None:
            return filed
        pdf = render_plan_pdf(plan)
        document = PlanDocument(plan=plan, size=len(pdf), sha256=hashlib.sha256(pdf).hexdigest())
        files.save(document.file, ContentFile(pdf), "plan.pdf")
        document.save()
        plan_locked.send(sender=ActionPlan, plan=plan, document=document, by=by)
    return document


@task()
def file_plan_pdf(plan_id: int, by_id: int | None, attempt: int = 1) -> str:
    """Render and file the PDF of a locked plan (``plans.services.plan_file_pdf``)."""
    plan = ActionPlan.objects.filter(pk=plan_id).first()
    if plan is None:
        return "plan gone"
    by = User.objects.filter(pk=by_id).first() if by_id else None
    if by is None:  # the safety net: whoever recorded the last signature locked it
        last = plan.signatories.exclude(signed_at=None).order_by("-signed_at", "-pk").first()
        by = last.recorded_by if last is not None else None
    try:
        document = plan_file_pdf(plan, by=by)
    except Exception as error:
        retry_or_give_up(file_plan_pdf, (plan_id, by_id), attempt, error, plan_id=plan_id)
        raise  # this attempt counts as failed in the task results
    log.info("plan pdf filed", extra={"plan_id": plan_id, "document_id": document.pk})
    return "filed"


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
            talk = case_services.schedule_talk(case, item.kind, item.planned_on, by=by)
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


# --- what the case asks of the plan (cases.hooks) -------------------------------------------


def earlier_plan_for(case: Case, user) -> ActionPlan | None:
    """For a recurrence in a new case: the bully's earlier signed plan, when ``user`` may
    see the case it belongs to (its text is not shown to anyone else)."""
    for recurrence in case.recurrences.filter(cycle=case.cycle, earlier_case__isnull=False):
        earlier = recurrence.earlier_case
        if earlier.pk != case.pk and can_see_case(user, earlier):
            plan = latest_locked_plan(earlier)
            if plan is not None:
                return plan
    return None


def cases_with_signed_plan():
    """The cases (a queryset of ids) with a plan signed by everyone, in any version; the
    recurrence rule of ``cases.routing`` asks it through ``cases.hooks``."""
    return ActionPlan.objects.filter(locked_at__isnull=False).values("case_id")


def signed_problems(case: Case) -> list[str]:
    """What is missing before the latest plan of ``case`` counts as signed (stap 4 → 5)."""
    plan = case.plans.order_by("-version").first()
    if plan is None:
        return [_("Stel eerst het plan van aanpak op.")]
    if not plan.signatories.exists():
        return [_("Het plan van aanpak heeft nog geen ondertekenaars.")]
    problems = parents_problems(case, plan)
    unsigned = [s.name for s in plan.signatories.all() if not s.is_settled]
    if unsigned:
        problems.append(
            _("Het plan van aanpak is nog niet getekend door: %(names)s.")
            % {"names": ", ".join(unsigned)}
        )
    return problems


def case_plans(case: Case) -> list[ActionPlan]:
    """Every version of the case's plan, newest first, with signatories and document: read
    once per case object, so the case page's panel and timeline share one fetch."""
    if not hasattr(case, "_plan_versions"):
        case._plan_versions = list(
            case.plans.order_by("-version")
            .prefetch_related("signatories")
            .select_related("document")
        )
    return case._plan_versions


def timeline_items(case: Case) -> list[dict]:
    """The plan's versions on the case page's timeline (``cases.queries.TimelineItem``)."""
    items = []
    for plan in reversed(case_plans(case)):
        items.append(
            {
                "on": timezone.localtime(plan.created_at).date(),
                "at": plan.created_at,
                "kind": "document",
                "title": _("Plan van aanpak, versie %(n)d") % {"n": plan.version},
                "detail": (
                    _("getekend; de weigering van een ouder is vastgelegd")
                    if plan.locked_at and plan.refusals
                    else _("door iedereen getekend")
                    if plan.locked_at
                    else _("nog niet door iedereen getekend")
                ),
            }
        )
    return items
