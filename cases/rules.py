"""Who may fire a transition (permissions) and what must be true first (guards); who may
make the other changes to a case, and in which stappen (``Write``).

Each guard knows how to say in Dutch what is missing; each permission knows how
to say who may act. ``services.case_transition`` collects these messages when
it refuses a transition. This module is imported by ``cases.models`` itself: it
reaches models through the case it is given, or the app registry.
"""

from collections.abc import Callable, Iterable

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from cases import hooks, routing
from cases.access import acting_roles
from cases.talks import TalkKind
from schools.models import Role

# A pupil's part in a case (``CasePupil.Role``), as the guards compare it.
BULLY = "bully"


def _case_model():
    """The Case model, from the registry: this module is imported by ``cases.models``."""
    return apps.get_model("cases", "Case")


class Permission:
    """A django-fsm permission: the user acts in one of ``roles`` on this case."""

    def __init__(self, roles: Iterable[str], message):
        self.roles = frozenset(roles)
        self.message = message

    def __call__(self, case, user) -> bool:
        return bool(acting_roles(user, case) & self.roles)


class Guard:
    """A django-fsm condition with a Dutch explanation of what is missing."""

    def __init__(self, problems: Callable[[object], list[str]]):
        self.problems = problems

    def __call__(self, case) -> bool:
        return not self.problems(case)


TEACHER_OR_IB = Permission(
    [Role.TEACHER, Role.IB], _("Dit kan alleen de leerkracht van de casus of de intern begeleider.")
)
SMW_OR_IB = Permission(
    [Role.SMW, Role.IB],
    _("Dit kan alleen de schoolmaatschappelijk werker of de intern begeleider."),
)
IB_ONLY = Permission([Role.IB], _("Dit kan alleen de intern begeleider."))
# Who records talks, notes, evidence and pupils on a case: not the director (who
# reads) and not the beheerder (who manages data).
CASE_WORKERS = Permission(
    [Role.TEACHER, Role.IB, Role.SMW],
    _(
        "Dit kan alleen de leerkracht van de casus, de intern begeleider of de "
        "schoolmaatschappelijk werker."
    ),
)


class Write:
    """A change to a case besides the transitions (adding a pupil, planning a talk, ...):
    who may make it and in which stappen it makes sense.

    ``when`` says in Dutch where the change belongs; ``%(stap)s`` is the case's stap.
    Views ask ``problem`` to decide what to offer; the service calls ``require``.
    """

    def __init__(self, permission: Permission, states: Iterable[str], when):
        self.permission = permission
        self.states = frozenset(states)
        self.when = when

    def _state_problem(self, state: str) -> str:
        labels = dict(_case_model()._meta.get_field("state").choices)
        return str(self.when) % {"stap": labels.get(state, state)}

    def problem(self, case, user) -> str | None:
        """What stops ``user`` from making this change now, or None."""
        if not self.permission(case, user):
            return str(self.permission.message)
        if case.state not in self.states:
            return self._state_problem(case.state)
        return None

    def allows(self, case, user) -> bool:
        return self.problem(case, user) is None

    def require(self, case, user) -> None:
        """Refuse (``PermissionDenied``, or ``ValidationError`` for the wrong stap) unless
        ``user`` may make this change now.

        Call it inside the change's ``transaction.atomic()``: it locks the case row and
        reads the stap as stored, so a transition at the same moment waits or is seen.
        """
        if not self.permission(case, user):
            raise PermissionDenied(str(self.permission.message))
        state = (
            _case_model()
            .objects.select_for_update()
            .values_list("state", flat=True)
            .get(pk=case.pk)
        )
        if state not in self.states:
            raise ValidationError(self._state_problem(state))
        if state != case.state:
            # Saving a copy that still holds the old stap would be refused by the
            # optimistic lock (ConcurrentTransition): say so instead.
            raise ValidationError(
                _("De casus is zojuist door iemand anders gewijzigd. Laad de pagina opnieuw.")
            )


def _needs_role(role: str, message) -> Guard:
    def problems(case):
        return [] if any(cp.role == role for cp in case.case_pupils.all()) else [message]

    return Guard(problems)


HAS_VICTIM = _needs_role("victim", _("Koppel eerst de gepeste leerling aan de casus."))
HAS_BULLY = _needs_role(BULLY, _("Koppel eerst de pester aan de casus."))


def talk_recorded(kind: str) -> Guard:
    def problems(case):
        if case.talk_is_recorded(kind):
            return []
        return [
            _("Leg eerst het gesprek vast: %(talk)s (alle verplichte vragen beantwoord).")
            % {"talk": TalkKind(kind).label}
        ]

    return Guard(problems)


def _no_earlier_warning(case) -> list[str]:
    """A bully who was warned in a one-off case before goes the repeated way."""
    bullies = [cp.pupil_id for cp in case.case_pupils.all() if cp.role == BULLY]
    earlier = (
        case.state_changes.model.objects.filter(
            transition="classify_one_off",
            case__case_pupils__pupil_id__in=bullies,
            case__case_pupils__role=BULLY,
        )
        .exclude(case=case)
        .exclude(case__state="withdrawn")
        .values_list("case__reference", flat=True)
        .distinct()
    )
    return [
        _(
            "Een pester in deze casus kreeg al eerder een waarschuwing (casus %(ref)s): "
            "kies 'herhaald pesten'."
        )
        % {"ref": ref}
        for ref in earlier
    ]


NO_EARLIER_WARNING = Guard(_no_earlier_warning)


def _no_earlier_plan(case) -> list[str]:
    """A bully who already had a plan van aanpak has a recurrence: never a one-off again."""
    return [
        _(
            "%(pupil)s had al een plan van aanpak als pester (casus %(ref)s): dit is een "
            "herhaling, kies 'herhaald pesten'."
        )
        % {"pupil": earlier.pupil.full_name, "ref": earlier.case.reference}
        for earlier in routing.bullies_with_plan_before(case)
    ]


NO_EARLIER_PLAN = Guard(_no_earlier_plan)


def _victim_outside_help_held(case) -> list[str]:
    """A victim in a third case: the talk with the parents about outside help has an outcome."""
    waiting = case.talks.filter(kind=TalkKind.OUTSIDE_HELP_VICTIM, recorded=False).exists()
    if not waiting:
        return []
    return [
        _(
            "Leg eerst het gesprek met de ouders van de gepeste over hulp van buitenaf vast; "
            "zonder uitkomst van dat gesprek gaat de casus niet dicht."
        )
    ]


VICTIM_OUTSIDE_HELP_HELD = Guard(_victim_outside_help_held)

OUTCOME_NOTED = Guard(
    lambda case: [] if case.outcome.strip() else [_("Noteer eerst hoe het is opgelost.")]
)


def review_says(*, stopped: bool) -> Guard:
    def problems(case):
        if not case.talk_is_recorded(TalkKind.ONE_OFF_REVIEW):
            return [_("Leg eerst het evaluatiegesprek vast.")]
        answer = case.current_version(TalkKind.ONE_OFF_REVIEW).answers.get("bullying_stopped")
        if stopped and answer != "yes":
            return [_("Volgens het evaluatiegesprek is het pesten niet gestopt.")]
        if not stopped and answer != "no":
            return [_("Volgens het evaluatiegesprek is het pesten gestopt.")]
        return []

    return Guard(problems)


def traject_closed(*, success: bool) -> Guard:
    """The No Blame traject (app ``noblame``, through ``cases.hooks``) ended this way."""

    def problems(case):
        wanted = "success" if success else "ineffective"
        if hooks.ask("no_blame_outcome", case) == wanted:
            return []
        if success:
            return [_("De No Blame-aanpak is nog niet met succes afgesloten.")]
        return [_("De No Blame-aanpak is nog niet afgesloten als niet effectief.")]

    return Guard(problems)


def _plan_signed(case) -> list[str]:
    """Asked of the plan van aanpak (app ``plans``, through ``cases.hooks``)."""
    return hooks.ask("plan_signed", case, default=[_("Het plan van aanpak is niet beschikbaar.")])


PLAN_SIGNED = Guard(_plan_signed)


def _coaches_assigned(case) -> list[str]:
    missing = []
    if case.coach_bully_id is None:
        missing.append(_("Wijs een coach toe voor de pester."))
    if case.coach_victim_id is None:
        missing.append(_("Wijs een coach toe voor de gepeste leerling."))
    return missing


COACHES_ASSIGNED = Guard(_coaches_assigned)


def _planned_talks_done(case) -> list[str]:
    # The closing talk (stap 10) is planned too, but held after this step.
    open_talks = case.talks.filter(
        cycle=case.cycle, planned_on__isnull=False, recorded=False
    ).exclude(kind="closing")
    return [
        _("Het geplande gesprek van %(date)s heeft nog geen uitkomst: %(talk)s.")
        % {"date": talk.planned_on.strftime("%d-%m-%Y"), "talk": talk.get_kind_display()}
        for talk in open_talks.order_by("planned_on")
    ]


PLANNED_TALKS_DONE = Guard(_planned_talks_done)
