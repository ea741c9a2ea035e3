"""The protocol's rules across cases: where the history of the pupils sends a case, and why.

- Recurrence (herhaling, seed 6.2) belongs to the pupil: a bully who already had a plan
  van aanpak as bully, in any case of the school, has a recurrence when found bullying
  again, by reopening the old case or in a new case (``bullies_with_plan_before``).
- Reopen never skips: stap 5 only with a signed plan of the case itself
  (``has_signed_plan``); otherwise the history rule decides.
- A victim in a third bullying case within the school's period gets a talk with the
  parents about outside help (``victims_in_third_case``).

Every transition stores the rule that decided it with a plain Dutch reason
(``explain``), shown on the case page and its timeline. This module is imported by
``cases.models``: it reaches the models through the app registry and asks the other
apps through ``cases.hooks``.
"""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import hooks

BULLY, VICTIM = "bully", "victim"
# Transitions that decide a case is bullying (stap 2, options 2 and 3).
CLASSIFY_BULLYING = ("classify_one_off", "classify_repeated")

# The rules a transition can be sent by: slug -> short title on the case page.
RULES = {
    "history_first_approach": gettext_lazy("Herhaald pesten: eerst de No Blame-aanpak"),
    "history_no_blame_before": gettext_lazy("Eerder No Blame gehad: direct naar stap 4"),
    "recurrence_after_plan": gettext_lazy("Herhaling na een plan van aanpak"),
    "reopen_signed_plan": gettext_lazy("Heropend met een getekend plan: weer vanaf stap 5"),
    "reopen_after_no_blame": gettext_lazy("Heropend na de No Blame-aanpak: stap 4"),
    "reopen_by_history": gettext_lazy("Heropend zonder getekend plan"),
    "withdrawn": gettext_lazy("Melding ingetrokken"),
    "victim_third_case": gettext_lazy("Gepeste voor de derde keer in een casus"),
}


def _model(name: str):
    return apps.get_model("cases", name)


def has_signed_plan(case) -> bool:
    """Does the case itself have a plan van aanpak signed by everyone (app ``plans``)?"""
    return hooks.ask("signed_plan", case) is not None


def had_own_traject(case) -> bool:
    """Did this case itself already go through a No Blame traject (app ``noblame``)?"""
    return hooks.ask("no_blame_outcome", case) is not None


@dataclass(frozen=True)
class EarlierPlan:
    """A bully of the case and the newest case of the school where they had a signed plan."""

    pupil: object
    case: object


def bullies_with_plan_before(case) -> list[EarlierPlan]:
    """The bullies of ``case`` who already had a signed plan van aanpak as bully in a case
    of this school (another case, or this case in an earlier cycle)."""
    bullies = [cp.pupil_id for cp in case.case_pupils.all() if cp.role == BULLY]
    if not bullies:
        return []
    with_plan = hooks.ask("cases_with_signed_plan")
    if with_plan is None:
        return []
    rows = (
        _model("CasePupil")
        .objects.filter(
            pupil_id__in=bullies, role=BULLY, case__school_id=case.school_id, case__in=with_plan
        )
        .select_related("pupil", "case")
        .order_by("-case__created_at", "-case__pk")
    )
    found: dict[int, EarlierPlan] = {}
    for row in rows:
        found.setdefault(row.pupil_id, EarlierPlan(row.pupil, row.case))
    return list(found.values())


def months_back(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` months earlier (the last day of a shorter month)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class RepeatedVictim:
    """A victim of the case and the bullying cases (this one included) in the period."""

    pupil: object
    cases: list


def victims_in_third_case(case, today: datetime.date | None = None) -> list[RepeatedVictim]:
    """Victims of ``case`` for whom it is at least the third bullying case of the school
    within the school's period (``School.victim_outside_help_months``).

    A case counts as bullying once stap 2 chose a one-off incident or repeated bullying;
    ``case`` itself counts when it did, or is being classified now.
    """
    Case, CasePupil, StateChange = _model("Case"), _model("CasePupil"), _model("StateChange")
    today = today or timezone.localdate()
    since = months_back(today, case.school.victim_outside_help_months)
    victims = [cp.pupil for cp in case.case_pupils.all() if cp.role == VICTIM]
    bullying = StateChange.objects.filter(transition__in=CLASSIFY_BULLYING).values("case_id")
    found = []
    for pupil in victims:
        in_cases = CasePupil.objects.filter(pupil=pupil, role=VICTIM).values("case_id")
        others = list(
            Case.objects.filter(school_id=case.school_id, pk__in=in_cases, signal_date__gte=since)
            .filter(pk__in=bullying)
            .exclude(pk=case.pk)
            .order_by("signal_date", "pk")
        )
        if len(others) + 1 >= 3:
            found.append(RepeatedVictim(pupil, [*others, case]))
    return found


def _refs(cases) -> str:
    return ", ".join(c.reference for c in cases)


def explain(case, name: str, source: str, recurrences=()) -> tuple[str, str]:
    """(rule, reason): the protocol rule that sent ``case`` (already moved) where it is now
    by transition ``name``, and why in plain Dutch; ("", "") for a plain step."""
    labels = dict(_model("Case")._meta.get_field("state").choices)
    target = labels.get(case.state, case.state)
    rule, parts = "", []
    if name == "withdraw":
        rule = "withdrawn"
        parts.append(
            _(
                "De melding is ingetrokken. Ze blijft in de geschiedenis staan, maar telt niet "
                "meer als openstaand werk."
            )
        )
    elif name == "reopen":
        if case.state == "coaching":
            rule = "reopen_signed_plan"
            parts.append(
                _(
                    "Deze casus heeft een plan van aanpak dat door iedereen is getekend. Bij "
                    "herhaling gaat het stappenplan verder vanaf stap 5 (%(target)s)."
                )
                % {"target": target}
            )
        elif had_own_traject(case) and case.state == "action_plan":
            rule = "reopen_after_no_blame"
            parts.append(
                _(
                    "Deze casus had al de No Blame-aanpak en nog geen getekend plan van aanpak. "
                    "Het pesten gaat door, dus volgt nu het plan van aanpak (stap 4)."
                )
            )
        else:
            rule = "reopen_by_history"
            parts.append(
                _(
                    "Deze casus heeft geen getekend plan van aanpak, dus gaat ze niet naar "
                    "stap 5. De geschiedenis van de leerlingen bepaalt de stap: %(target)s."
                )
                % {"target": target}
            )
    by_history = name in ("classify_repeated", "reopen") or (
        name == "escalate" and source == "one_off_review"
    )
    if by_history and case.state in ("support_group", "action_plan"):
        if recurrences:
            rule = rule if rule == "reopen_after_no_blame" else "recurrence_after_plan"
            for recurrence in recurrences:
                parts.append(
                    _(
                        "%(pupil)s had al een plan van aanpak als pester (casus %(ref)s). Dit is "
                        "herhaling %(n)d van deze leerling: er komen nieuwe afspraken in een "
                        "plan van aanpak (stap 4)."
                    )
                    % {
                        "pupil": recurrence.pupil.full_name,
                        "ref": recurrence.earlier_case.reference
                        if recurrence.earlier_case
                        else case.reference,
                        "n": recurrence.number,
                    }
                )
        elif case.state == "action_plan" and rule != "reopen_after_no_blame":
            rule = rule or "history_no_blame_before"
            parts.append(
                _(
                    "Een pester of meeloper van deze casus deed al eerder mee aan de No "
                    "Blame-aanpak. Daarom gaat de casus direct naar het plan van aanpak (stap 4)."
                )
            )
            # Who, in which earlier case and in which role (app noblame, Case.no_blame_history).
            parts.extend(case.no_blame_history())
        elif case.state == "support_group":
            rule = rule or "history_first_approach"
            parts.append(
                _(
                    "Geen pester of meeloper van deze casus had eerder een plan van aanpak of de "
                    "No Blame-aanpak (de geschiedenis van de gepeste leerling telt hier niet). "
                    "Daarom eerst de No Blame-aanpak (stap 3)."
                )
            )
    if name in CLASSIFY_BULLYING:
        for repeated in victims_in_third_case(case):
            rule = rule or "victim_third_case"
            parts.append(
                _(
                    "%(pupil)s is binnen %(months)d maanden voor de derde keer gepeste in een "
                    "casus (%(refs)s). Er is een gesprek met de ouders over hulp van buitenaf "
                    "gepland."
                )
                % {
                    "pupil": repeated.pupil.full_name,
                    "months": case.school.victim_outside_help_months,
                    "refs": _refs(repeated.cases),
                }
            )
    return rule, " ".join(str(p) for p in parts)
