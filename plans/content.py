"""What a plan van aanpak (stap 4) holds by default: parties, planning, activities, signatories.

The services and the plan form both read these, so a new plan starts from the
same proposal wherever it is made. Everything here is a proposal the school
adjusts per plan.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.talks import TalkKind

# Talks a plan can plan: the ones of stap 6 to 10 and the extra ones.
PLAN_TALK_KINDS = (
    TalkKind.BULLY,
    TalkKind.BULLY_PARENTS,
    TalkKind.VICTIM_PARENTS,
    TalkKind.REFLECTION,
    TalkKind.GROUP_DISCUSSION,
    TalkKind.EVALUATION,
    TalkKind.CLOSING,
    TalkKind.OUTSIDE_HELP,
    TalkKind.OTHER,
)

# (kind, days after the plan, who takes part) — the default planning of stap 6–10.
DEFAULT_PLANNING = (
    (TalkKind.BULLY, 2, _("leerkracht en {bully}")),
    (TalkKind.BULLY_PARENTS, 4, _("leerkracht, intern begeleider en de ouders van {bully}")),
    (TalkKind.VICTIM_PARENTS, 7, _("leerkracht, {victim} en de ouders van {victim}")),
    (TalkKind.REFLECTION, 9, _("coach van de pester en {bully}")),
    (TalkKind.GROUP_DISCUSSION, 14, _("leerkracht en de hele groep")),
    (TalkKind.EVALUATION, 28, _("leerkracht, {victim} en {bully}")),
    (TalkKind.EVALUATION, 56, _("leerkracht, intern begeleider, {victim} en {bully}")),
    (TalkKind.CLOSING, 63, _("iedereen die het plan tekende")),
)

# Extra activities the school can add (the protocol names these; free text is possible too).
ACTIVITIES = (
    ("frog_quartet", _("Kwartetspel ‘De coole kikker’ in de groep")),
    ("talk_cards", _("Gesprekskaarten (Eigenwijsjes) bij de gesprekken met de leerlingen")),
    ("superhero_game", _("Spel ‘Superheld’ om sociale vaardigheden te oefenen")),
    ("books", _("Samen een boek over pesten en vriendschap lezen en bespreken")),
    ("circle_talks", _("Wekelijks een kort kringgesprek over hoe het gaat in de groep")),
)
ACTIVITY_SLUGS = frozenset(slug for slug, _label in ACTIVITIES)

DEFAULT_REGISTRATION = _(
    "De leerkracht legt elk gesprek, elke activiteit en elke evaluatie uit dit plan vast in de "
    "casus, met de datum en wat eruit kwam. De intern begeleider kijkt elke twee weken of de "
    "planning wordt gevolgd en spreekt de leerkracht aan als een gesprek is blijven liggen."
)


def default_planning(case, start: datetime.date | None = None) -> list[dict]:
    """The default planning for ``case``, counted from ``start`` (today)."""
    start = start or timezone.localdate()
    victim = next(iter(case.pupils_in_role("victim")), None)
    bully = next(iter(case.pupils_in_role("bully")), None)
    names = {
        "victim": victim.first_name if victim else _("de gepeste leerling"),
        "bully": bully.first_name if bully else _("de pester"),
    }
    return [
        {
            "kind": kind,
            "planned_on": start + datetime.timedelta(days=days),
            "participants": str(who).format(**names),
        }
        for kind, days, who in DEFAULT_PLANNING
    ]


@dataclass(frozen=True)
class Candidate:
    """Someone who could sign a plan of this case; ``default`` marks the usual signatories."""

    key: str
    name: str
    role: str
    default: bool
    person: dict

    def as_signatory(self) -> dict:
        return {"name": self.name, "role": self.role, **self.person}


def signatory_candidates(case) -> list[Candidate]:
    """Everyone who could sign: the case's staff, each pupil's guardians, the pupils themselves.

    By default the responsible teacher, the IB and the guardians with custody of
    every pupil of the case sign; the SMW, guardians without custody and the
    pupils can be added per plan.
    """
    candidates: list[Candidate] = []
    seen_users: set[int] = set()
    staff = (
        (case.responsible_teacher, _("leerkracht"), True),
        (case.ib, _("intern begeleider"), True),
        (case.smw, _("schoolmaatschappelijk werker"), False),
    )
    for user, role, default in staff:
        if user is None or user.pk in seen_users:
            continue
        seen_users.add(user.pk)
        candidates.append(
            Candidate(
                f"user:{user.pk}",
                user.get_full_name() or user.username,
                str(role),
                default,
                {"user": user},
            )
        )
    case_pupils = case.case_pupils.select_related("pupil").order_by("pk")
    seen_guardians: set[int] = set()
    for cp in case_pupils:
        relations = cp.pupil.guardian_relations.select_related("guardian").order_by("pk")
        for relation in relations:
            guardian = relation.guardian
            if guardian.pk in seen_guardians:
                continue
            seen_guardians.add(guardian.pk)
            role = _("%(relation)s van %(name)s") % {
                "relation": relation.get_relation_display(),
                "name": cp.pupil.first_name,
            }
            if not relation.has_custody:
                role = _("%(role)s (zonder gezag)") % {"role": role}
            candidates.append(
                Candidate(
                    f"guardian:{guardian.pk}",
                    str(guardian),
                    str(role),
                    relation.has_custody,
                    {"guardian": guardian},
                )
            )
    for cp in case_pupils:
        candidates.append(
            Candidate(
                f"pupil:{cp.pupil.pk}",
                cp.pupil.full_name,
                str(_("leerling (%(role)s)") % {"role": cp.get_role_display()}),
                False,
                {"pupil": cp.pupil},
            )
        )
    return candidates


def default_signatories(case) -> list[dict]:
    return [c.as_signatory() for c in signatory_candidates(case) if c.default]


def party_slots(case) -> list[dict]:
    """The parties the plan records agreements with, in the order the document shows them."""
    slots = []
    case_pupils = case.case_pupils.select_related("pupil").order_by("pk")
    for cp in case_pupils:
        slots.append(
            {
                "party": "pupil",
                "pupil": cp.pupil,
                "label": f"{cp.pupil.full_name} ({cp.get_role_display()})",
            }
        )
    for cp in case_pupils:
        if cp.role in ("victim", "bully"):
            slots.append(
                {
                    "party": "guardians",
                    "pupil": cp.pupil,
                    "label": str(
                        _("Ouders/verzorgers van %(name)s") % {"name": cp.pupil.first_name}
                    ),
                }
            )
    slots.append({"party": "group", "pupil": None, "label": str(_("De groep"))})
    slots.append(
        {"party": "school", "pupil": None, "label": str(_("De school (leerkracht en IB)"))}
    )
    return slots
