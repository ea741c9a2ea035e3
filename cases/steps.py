"""What each stap means on screen: a plain explanation, the button label of every transition
leaving it, and the talks that belong to it.

The state machine itself lives in ``cases.models``; this module only says it in words.
"""

from django.utils.translation import gettext_lazy as _

from cases.models import State
from cases.talks import TalkKind

STATE_HELP = {
    State.SIGNALED: _(
        "Er is een melding gedaan. De leerkracht gaat nu eerst in gesprek met de leerling die "
        "gepest wordt."
    ),
    State.VICTIM_TALK: _(
        "De leerkracht praat met de gepeste leerling: wat gebeurt er, hoe vaak en sinds "
        "wanneer. Leg dat gesprek vast om verder te gaan."
    ),
    State.ASSESSMENT: _(
        "De leerkracht kiest wat dit is: geen pesten, een eenmalig incident of herhaald pesten. "
        "Gebruik de hulp bij de keuze en kijk naar eerdere casussen van deze leerlingen."
    ),
    State.RESOLVED_OTHER: _(
        "Het is geen pesten. Het wordt met de betrokkenen opgelost; noteer hoe, en sluit dan af."
    ),
    State.ONE_OFF: _(
        "Een eenmalig incident: gepeste en pester praten met elkaar. De pester ziet de "
        "gevolgen, biedt excuses aan en zegt hoe het niet meer gebeurt."
    ),
    State.ONE_OFF_REVIEW: _(
        "Na ongeveer twee weken volgt een evaluatiegesprek. Is het pesten gestopt, dan sluit "
        "de casus; gaat het door, dan volgt het verdere stappenplan."
    ),
    State.SUPPORT_GROUP: _(
        "De No Blame-aanpak loopt, gecoördineerd door de schoolmaatschappelijk werker. De "
        "intern begeleider is op de hoogte."
    ),
    State.ACTION_PLAN: _(
        "Er komt een plan van aanpak met afspraken en een planning van alle gesprekken. "
        "Iedereen die betrokken is tekent het plan."
    ),
    State.COACHING: _("Spreek af wie de pester, de gepeste en zo nodig de groep begeleidt."),
    State.TALKS: _(
        "Drie gesprekken: met de pester, met de ouders van de pester, en met de gepeste en "
        "diens ouders."
    ),
    State.REFLECTION: _(
        "De pester werkt buiten de groep aan een reflectie en aan excuses aan de gepeste."
    ),
    State.GROUP_DISCUSSION: _("Het pesten wordt in de groep besproken, bijvoorbeeld in de kring."),
    State.BACK_IN_CLASS: _(
        "De pester is terug in de groep. De geplande gesprekken en afspraken worden gevolgd."
    ),
    State.CLOSING: _("Een afsluitend gesprek met alle betrokkenen; daarna gaat de casus dicht."),
    State.CLOSED: _(
        "De casus is afgesloten. Pest dezelfde leerling opnieuw, dan kan de casus weer open "
        "(herhaling). Met een getekend plan van aanpak gaat het verder vanaf stap 5; zonder "
        "getekend plan bepaalt de geschiedenis van de leerlingen de stap."
    ),
    State.WITHDRAWN: _(
        "De melding is ingetrokken door de intern begeleider, bijvoorbeeld omdat ze over de "
        "verkeerde leerling ging of dubbel was. Ze blijft bewaard, maar is geen open werk meer."
    ),
}

# (transition name, source state) -> button label. One name can leave several states.
TRANSITION_LABELS = {
    ("start_victim_talk", State.SIGNALED): _("Gesprek met de gepeste leerling starten"),
    ("assess", State.VICTIM_TALK): _("Inschatting maken"),
    ("classify_no_bullying", State.ASSESSMENT): _("Geen pesten"),
    ("classify_one_off", State.ASSESSMENT): _("Eenmalig incident"),
    ("classify_repeated", State.ASSESSMENT): _("Herhaald pesten"),
    ("close", State.RESOLVED_OTHER): _("Afsluiten: opgelost"),
    ("start_review", State.ONE_OFF): _("Naar het evaluatiegesprek"),
    ("close", State.ONE_OFF_REVIEW): _("Afsluiten: het pesten is gestopt"),
    ("escalate", State.ONE_OFF_REVIEW): _("Het pesten gaat door: verder met het stappenplan"),
    ("close", State.SUPPORT_GROUP): _("Afsluiten: de No Blame-aanpak werkte"),
    ("escalate", State.SUPPORT_GROUP): _("Naar stap 4: plan van aanpak"),
    ("start_coaching", State.ACTION_PLAN): _("Naar stap 5: coaching"),
    ("start_talks", State.COACHING): _("Naar stap 6: gesprekken"),
    ("start_reflection", State.TALKS): _("Naar stap 7: reflectie en excuses"),
    ("start_group_discussion", State.REFLECTION): _("Naar stap 8: bespreking in de groep"),
    ("return_to_class", State.GROUP_DISCUSSION): _("Naar stap 9: terug in de groep"),
    ("start_closing", State.BACK_IN_CLASS): _("Naar stap 10: afsluiting"),
    ("close", State.CLOSING): _("Casus afsluiten"),
    ("reopen", State.CLOSED): _("Heropenen: er wordt opnieuw gepest"),
    ("withdraw", State.SIGNALED): _("Melding intrekken (bijvoorbeeld verkeerde leerling)"),
    ("withdraw", State.VICTIM_TALK): _("Melding intrekken (bijvoorbeeld verkeerde leerling)"),
    ("withdraw", State.ASSESSMENT): _("Melding intrekken (bijvoorbeeld verkeerde leerling)"),
}


def transition_label(name: str, source: str) -> str:
    return str(TRANSITION_LABELS.get((name, source), name))


# The protocol talks held in each stap; other talks can be recorded at any time.
TALKS_BY_STATE = {
    State.VICTIM_TALK: (TalkKind.VICTIM,),
    State.ONE_OFF: (TalkKind.ONE_OFF,),
    State.ONE_OFF_REVIEW: (TalkKind.ONE_OFF_REVIEW,),
    State.TALKS: (TalkKind.BULLY, TalkKind.BULLY_PARENTS, TalkKind.VICTIM_PARENTS),
    State.REFLECTION: (TalkKind.REFLECTION,),
    State.GROUP_DISCUSSION: (TalkKind.GROUP_DISCUSSION,),
    State.BACK_IN_CLASS: (TalkKind.EVALUATION,),
    State.CLOSING: (TalkKind.CLOSING,),
}

ANYTIME_TALKS = (TalkKind.OUTSIDE_HELP, TalkKind.OTHER)


# The stap 2 choices are confirmed on a page of their own before they fire: what happens
# next and who hears of it, in plain words. Each entry: (what happens, who is informed).
def confirmation(name: str, case) -> tuple[list[str], str] | None:
    """What firing ``name`` on ``case`` will do, for the confirmation page; None when the
    transition fires straight from the case page."""
    if case.state != State.ASSESSMENT:
        return None
    if name == "classify_no_bullying":
        return (
            [
                _("U legt vast dat dit geen pesten is, maar plagen of een ruzie."),
                _(
                    "De casus gaat naar stap 2.1: u lost het op met de betrokken leerlingen "
                    "en schrijft de uitkomst op. Daarna kunt u de casus afsluiten."
                ),
            ],
            _("Niemand krijgt hier automatisch bericht van."),
        )
    if name == "classify_one_off":
        return (
            [
                _("U legt vast dat dit een eenmalig incident is (stap 2.2)."),
                _(
                    "U voert een gesprek tussen de gepeste leerling en de pester. Beide "
                    "leerlingen krijgen een aantekening in hun dossier en worden gevolgd."
                ),
                _("Er wordt een evaluatiegesprek gepland over %(days)d dagen.")
                % {"days": case.school.one_off_review_days},
            ],
            _("Niemand krijgt hier automatisch bericht van."),
        )
    if name == "classify_repeated":
        if case.had_no_blame_before():
            steps = [
                _("U legt vast dat er herhaald gepest wordt."),
                _(
                    "Een leerling van deze casus had de No Blame-aanpak al eerder. De casus "
                    "gaat daarom meteen naar stap 4: een plan van aanpak dat iedereen tekent."
                ),
            ]
            informed = _("De intern begeleider krijgt bericht en doet vanaf nu mee.")
        else:
            steps = [
                _("U legt vast dat er herhaald gepest wordt."),
                _(
                    "De casus gaat naar stap 3: de No Blame-aanpak met een steungroep, "
                    "gecoördineerd door de schoolmaatschappelijk werker."
                ),
            ]
            informed = _(
                "De intern begeleider en de schoolmaatschappelijk werker krijgen bericht; "
                "de intern begeleider doet vanaf nu mee."
            )
        return steps, informed
    return None
