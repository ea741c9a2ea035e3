"""The talks (gesprekken) of the protocol and the structured questions of each kind.

A talk's answers are stored as a JSON object keyed by question. The questions
live here, in code, so forms, guards and printables read one definition.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class TalkKind(models.TextChoices):
    VICTIM = "victim", _("Stap 1: gesprek met de gepeste leerling")
    ONE_OFF = "one_off", _("Stap 2.2: gesprek tussen gepeste en pester")
    ONE_OFF_REVIEW = "one_off_review", _("Stap 2.2: evaluatiegesprek na twee weken")
    BULLY = "bully", _("Stap 6: gesprek met de pester")
    BULLY_PARENTS = "bully_parents", _("Stap 6: gesprek met de ouders van de pester")
    VICTIM_PARENTS = "victim_parents", _("Stap 6: gesprek met de gepeste en de ouders")
    REFLECTION = "reflection", _("Stap 7: reflectie en excuses van de pester")
    GROUP_DISCUSSION = "group_discussion", _("Stap 8: bespreking in de groep")
    EVALUATION = "evaluation", _("Stap 9: gepland gesprek volgens het plan van aanpak")
    CLOSING = "closing", _("Stap 10: afsluitend gesprek")
    OUTSIDE_HELP = "outside_help", _("Gesprek met ouders over hulp van buitenaf")
    OUTSIDE_HELP_VICTIM = (
        "outside_help_victim",
        _("Gesprek met de ouders van de gepeste over hulp van buitenaf"),
    )
    OTHER = "other", _("Ander gesprek")


YES_NO = (("yes", _("ja")), ("no", _("nee")))


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    required: bool = True
    choices: tuple = ()
    # Asked (and then required) only from the first recurrence (herhaling) of a bully of
    # the case on; ``from_recurrence`` asks it only from that recurrence on (the second:
    # the strong advice to seek outside help).
    recurrence_only: bool = False
    from_recurrence: int = 0

    def applies(self, level: int) -> bool:
        """Is this question asked in a case whose bullies reached recurrence ``level``
        (0: none; see ``Case.recurrence_level``)?"""
        needed = max(self.from_recurrence, 1 if self.recurrence_only else 0)
        return level >= needed


QUESTIONS: dict[str, tuple[Question, ...]] = {
    TalkKind.VICTIM: (
        Question("what_happens", _("Wat gebeurt er precies?")),
        Question("how_often", _("Hoe vaak gebeurt het?")),
        Question("since_when", _("Sinds wanneer gebeurt het?")),
        Question("where_when", _("Waar en op welke momenten?"), required=False),
        Question("wants_change", _("Wil de leerling dat er iets verandert?"), choices=YES_NO),
    ),
    TalkKind.ONE_OFF: (
        Question("consequences", _("Wat ziet de pester van de gevolgen voor de ander?")),
        Question("apology", _("Heeft de pester excuses aangeboden?"), choices=YES_NO),
        Question("prevention", _("Hoe zorgt de pester dat het niet meer gebeurt?")),
        Question(
            "next_steps_told",
            _(
                "Welke vervolgstappen zijn de pester uitgelegd als het opnieuw gebeurt, "
                "ook bij een ander kind?"
            ),
        ),
    ),
    TalkKind.ONE_OFF_REVIEW: (
        Question("bullying_stopped", _("Is het pesten gestopt?"), choices=YES_NO),
        Question("observations", _("Wat hebben leerkracht en leerlingen gezien?")),
    ),
    TalkKind.BULLY: (
        Question("held_responsible", _("Hoe is de pester aangesproken op het gedrag?")),
        Question("next_steps", _("Welke vervolgstappen zijn uitgelegd?")),
        Question(
            "if_continues",
            _("Wat gebeurt er als het pesten doorgaat?"),
            recurrence_only=True,
        ),
    ),
    TalkKind.BULLY_PARENTS: (
        Question("done_so_far", _("Wat heeft de school al gedaan?")),
        Question("next_steps", _("Welke stappen volgen nu?")),
        Question("shared_responsibility", _("Welke afspraken maken school en ouders samen?")),
        Question(
            "if_continues",
            _("Wat gebeurt er als het pesten doorgaat?"),
            recurrence_only=True,
        ),
        Question(
            "outside_help_advice",
            _("Welk dringend advies om hulp van buitenaf te zoeken is de ouders gegeven?"),
            from_recurrence=2,
        ),
        Question(
            "outside_help_response",
            _("Hoe reageerden de ouders op dat advies?"),
            from_recurrence=2,
        ),
    ),
    TalkKind.VICTIM_PARENTS: (
        Question("how_is_it_now", _("Hoe gaat het nu met de leerling?")),
        Question("next_steps", _("Welke stappen volgen nu?")),
    ),
    TalkKind.REFLECTION: (
        Question("reflection", _("Reflectie van de pester (samenvatting)")),
        Question(
            "apology_form",
            _("Vorm van de excuses"),
            choices=(("letter", _("brief")), ("talk", _("gesprek")), ("other", _("anders"))),
        ),
        Question("sees_what_they_did", _("Excuses, deel 1: wat ziet de pester dat hij/zij deed?")),
        Question("promise_to_stop", _("Excuses, deel 2: de belofte om te stoppen")),
        Question(
            "how_victim_notices",
            _("Excuses, deel 3: waaraan merkt de gepeste dat het verandert?"),
        ),
    ),
    TalkKind.GROUP_DISCUSSION: (
        Question("form", _("Vorm (bijvoorbeeld een kringgesprek)"), required=False),
        Question("summary", _("Wat is er in de groep besproken en afgesproken?")),
    ),
    TalkKind.EVALUATION: (Question("outcome", _("Uitkomst van het gesprek")),),
    TalkKind.CLOSING: (Question("conclusion", _("Conclusie en afspraken bij de afsluiting")),),
    TalkKind.OUTSIDE_HELP: (
        Question("advice", _("Welk advies over hulp van buitenaf is gegeven?")),
        Question("agreements", _("Welke afspraken zijn gemaakt?"), required=False),
    ),
    TalkKind.OUTSIDE_HELP_VICTIM: (
        Question("advice", _("Welke hulp van buitenaf is met de ouders besproken?")),
        Question("parents_response", _("Hoe reageerden de ouders?")),
        Question("agreements", _("Welke afspraken zijn gemaakt?"), required=False),
    ),
    TalkKind.OTHER: (Question("summary", _("Samenvatting")),),
}


def questions_for(kind: str, level: int = 0) -> tuple[Question, ...]:
    """The questions of a talk of ``kind`` in a case at recurrence ``level``."""
    return tuple(q for q in QUESTIONS[kind] if q.applies(level))


def missing_answers(kind: str, answers: dict, level: int = 0) -> list[Question]:
    """Required questions of this kind that have no answer."""
    return [
        q
        for q in questions_for(kind, level)
        if q.required and not str(answers.get(q.key, "")).strip()
    ]
