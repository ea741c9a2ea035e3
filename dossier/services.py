"""Every write of the pupil's dossier: notes by staff, and the entries the protocol's steps
file (a one-off talk, a recurrence, a signed plan, a closed case), which arrive through the
signals of ``cases.hooks`` and ``plans.services`` inside those steps' transactions.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import rules
from cases.access import visible_pupils
from cases.models import OPEN_STATES, CasePupil, State
from dossier.models import DossierEntry
from plans.services import latest_locked_plan
from schools.models import Membership

DOSSIER_NOTE = rules.Write(
    rules.CASE_WORKERS,
    OPEN_STATES,
    gettext_lazy("Bij een afgesloten casus komt geen nieuwe aantekening meer."),
)


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


# --- entries the steps file --------------------------------------------------------------


def on_case_transitioned(sender, case, transition, source, target, by, **kwargs) -> None:
    """A one-off talk held (stap 2.2) and a case closed after stap 10 go into the dossiers."""
    if transition == "start_review":
        text = _("Eenmalig incident besproken tussen gepeste en pester; beide worden gevolgd.")
        roles = [CasePupil.Role.VICTIM, CasePupil.Role.BULLY]
        for cp in case.case_pupils.filter(role__in=roles).select_related("pupil"):
            _dossier_add(cp.pupil, DossierEntry.Kind.ONE_OFF, text, case=case, by=by)
    elif transition == "close" and source == State.CLOSING:
        plan = latest_locked_plan(case)
        # Never refer to a plan that does not exist.
        text = (
            _("Casus afgesloten na stap 10. Het getekende plan van aanpak hoort bij dit dossier.")
            if plan is not None
            else _("Casus afgesloten na stap 10.")
        )
        for cp in case.case_pupils.select_related("pupil"):
            _dossier_add(cp.pupil, DossierEntry.Kind.CLOSING, text, case=case, plan=plan, by=by)


def on_recurrence(sender, recurrence, by, **kwargs) -> None:
    """Herhaling: the bully's dossier says which recurrence this is. The advice for outside
    help is not in it: that is filed when the talk with the parents recorded it."""
    text = _("Herhaling %(n)d: de leerling pest opnieuw na een plan van aanpak.") % {
        "n": recurrence.number
    }
    _dossier_add(recurrence.pupil, DossierEntry.Kind.RECURRENCE, text, case=recurrence.case, by=by)


def on_outside_help_advised(sender, recurrence, version, by, **kwargs) -> None:
    """The stap 6 talk with the bully's parents recorded the strong advice for outside help."""
    text = _(
        "Herhaling %(n)d: in het gesprek van %(date)s hebben de ouders het dringende advies "
        "gekregen hulp van buitenaf te zoeken."
    ) % {"n": recurrence.number, "date": version.held_on.strftime("%d-%m-%Y")}
    _dossier_add(recurrence.pupil, DossierEntry.Kind.RECURRENCE, text, case=recurrence.case, by=by)


def on_plan_locked(sender, plan, document, by, **kwargs) -> None:
    """Every pupil of the case gets an entry that refers to the signed plan."""
    # The file's SHA-256 stays with the stored PDF (its metadata and download), not in
    # the text parents and staff read.
    text = _("Plan van aanpak versie %(version)d is door iedereen getekend en opgeslagen.") % {
        "version": plan.version
    }
    if plan.refusals:
        # No names: the entry goes into the dossier of every pupil of the case.
        text = _(
            "Plan van aanpak versie %(version)d is getekend en opgeslagen. Een "
            "ouder/verzorger weigerde te tekenen; de weigering staat in het plan."
        ) % {"version": plan.version}
    # Its author is who drew up the plan, not whoever happened to place the last signature
    # (often a teacher entering a parent's signature on the screen).
    author = plan.created_by
    for cp in plan.case.case_pupils.select_related("pupil"):
        _dossier_add(cp.pupil, DossierEntry.Kind.PLAN, text, case=plan.case, plan=plan, by=author)


# The pupils of a case whose dossier refers to its No Blame traject; bystanders and
# helpers (of the case or of the support group) get no entry.
NO_BLAME_ROLES = (CasePupil.Role.VICTIM, CasePupil.Role.BULLY, CasePupil.Role.FOLLOWER)


def on_traject_closed(sender, traject, by, **kwargs) -> None:
    """A No Blame traject closed (either way): every victim, bully and follower of the case
    gets an entry that refers to it. No names: the entry goes into several dossiers."""
    case = traject.case
    values = {
        "ref": case.reference,
        "on": timezone.localtime(traject.closed_at).strftime("%d-%m-%Y"),
        "rounds": traject.round,
    }
    if traject.state == "closed_success":
        text = _(
            "No Blame-aanpak (steungroep) in casus %(ref)s afgesloten op %(on)s na "
            "%(rounds)d ronde(n): het pesten is verbeterd."
        )
    else:
        text = _(
            "No Blame-aanpak (steungroep) in casus %(ref)s afgesloten op %(on)s na "
            "%(rounds)d ronde(n): niet effectief; de casus gaat verder met een plan van aanpak."
        )
    for cp in case.case_pupils.filter(role__in=NO_BLAME_ROLES).select_related("pupil"):
        _dossier_add(cp.pupil, DossierEntry.Kind.NO_BLAME, text % values, case=case, by=by)
