"""The warning-signs checklist offered when a signal is logged.

Summarised in our own words from the school's pestprotocol (signs seen in a pupil
who is bullied, and in a pupil who bullies). Stored on the case as a list of slugs.
"""

from django.utils.translation import gettext_lazy as _

VICTIM_SIGNS = [
    (
        "victim_injuries",
        _("Onverklaarde blauwe plekken, kapotte kleding of spullen, dingen 'kwijt'"),
    ),
    (
        "victim_withdrawn",
        _("Maakt zich onzichtbaar: stil, somber of plotselinge stemmingswisselingen"),
    ),
    ("victim_agitated", _("Reageert opgejaagd, boos of overspannen")),
    ("victim_alone", _("Staat vaak alleen op het plein, wordt niet uitgenodigd om te spelen")),
    (
        "victim_seeks_adults",
        _("Zoekt steeds de nabijheid van de leerkracht of een andere volwassene"),
    ),
    ("victim_chosen_last", _("Wordt als laatste gekozen of blijft over bij groepjes maken")),
    ("victim_grades_drop", _("Schoolresultaten gaan plotseling achteruit")),
    (
        "victim_avoids_school",
        _("Komt op het laatste moment, vertrekt direct, wil niet naar school"),
    ),
]

BULLY_SIGNS = [
    ("bully_followers", _("Heeft volgzame vriendjes die op aanwijzingen wachten")),
    ("bully_bossy", _("Wil de baas zijn, kan moeilijk samen spelen of samenwerken")),
    ("bully_no_criticism", _("Kan slecht tegen kritiek, ook niet als grap bedoeld")),
    ("bully_belittles", _("Praat met de groep kleinerend over bepaalde kinderen")),
    ("bully_aggressive_idols", _("Kiest agressieve voorbeelden uit sport, muziek of film")),
    (
        "bully_harsh_at_home",
        _("Is vaak brutaal tegen een zwakker gezinslid, soms ook tegen een ouder"),
    ),
    ("bully_little_empathy", _("Leeft zich weinig in anderen in, toont weinig schuldgevoel")),
    ("bully_no_limits", _("Accepteert moeilijk grenzen die anderen stellen")),
    ("bully_double_life", _("Braaf bij volwassenen, maar klachten over onbewaakte momenten")),
]

WARNING_SIGNS = VICTIM_SIGNS + BULLY_SIGNS
WARNING_SIGN_SLUGS = frozenset(slug for slug, _label in WARNING_SIGNS)
