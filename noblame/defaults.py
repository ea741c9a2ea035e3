"""Each school's starting point: its No Blame settings and the guidance beside each talk.

The guidance summarises the No Blame guide (Leidraad) in our own words: how to
open, what to ask or do, what to avoid. Every school gets its own copy when it
is created (see ``apps.py``), which its beheerder can then edit in the admin.
"""

from django.utils.translation import gettext_lazy as _

GUIDANCE = {
    "preparation": {
        "opening": (
            "Lees de stappen van de aanpak samen door, ook als iedereen ze al kent.\n"
            "Spreek af wie welk gesprek voert en wie de bijeenkomst met de groep leidt."
        ),
        "questions": (
            "Wat weten we van deze leerling, en wat viel op in de laatste weken?\n"
            "Welke sterke kanten heeft de leerling?\n"
            "Worden de ouders nu ingelicht, en door wie?\n"
            "Kies als gespreksleider iemand die de kinderen vertrouwen."
        ),
        "avoid": (
            "Laat niemand de bijeenkomst leiden die zelf deel is van het probleem.\n"
            "Begin pas als iedereen weet dat er bij deze aanpak niemand gestraft wordt."
        ),
    },
    "victim_talk": {
        "opening": (
            "Zeg dat u blij bent dat de leerling er is en dat het niet over schoolwerk gaat.\n"
            "Vertel eerst wat u zelf is opgevallen; zo merkt de leerling dat hij of zij er niet "
            "alleen voor staat.\n"
            "Vraag hoe het op school gaat, in het algemeen."
        ),
        "questions": (
            "Wat gebeurt er, en op welke momenten?\n"
            "Wie zou je kunnen helpen? Met wie ben je graag samen?\n"
            "Wie doet niet aardig tegen je, en wie kijkt toe of doet mee?\n"
            "Zou je willen dat het weer goed wordt? Mag ik je daarbij helpen?\n"
            "Leg uit: een paar kinderen gaan meedenken, niemand krijgt straf en de leerling "
            "hoeft zelf niets te doen.\n"
            "Vraag wat u absoluut niet verder mag vertellen, en leg dat vast.\n"
            "Vraag of de leerling een brief of tekening voor de groep wil maken; u leest die "
            "voor.\n"
            "Geef de opdracht: let op wat anderen doen om aardig voor je te zijn. Spreek af "
            "wanneer u daarop terugkomt."
        ),
        "avoid": (
            "Vraag niet door naar alle details; het gaat om de oplossing, niet om de schuld.\n"
            "Beloof niet dat de naam van de leerling verborgen blijft: de groep moet weten om "
            "wie het gaat.\n"
            "Laat de leerling niet gaan met de angst dat het erger wordt: zeg dat u weet hoe u "
            "dit aanpakt."
        ),
    },
    "group_meeting": {
        "opening": (
            "Zet de stoelen in een kring en begroet elk kind persoonlijk.\n"
            "Zeg dat u hun hulp nodig hebt, en hoe lang het gesprek duurt.\n"
            "Vertel in de ik-vorm hoe het met de leerling gaat en dat u zich zorgen maakt."
        ),
        "questions": (
            "Lees de brief voor of laat de tekening zien, als die er is.\n"
            "Vertel elk kind waarom juist hij of zij gevraagd is.\n"
            "Vraag: wat zou jij kunnen doen zodat het beter gaat?\n"
            "Schrijf elk idee op met de naam van wie het gaat doen.\n"
            "Bedank de groep, spreek uw vertrouwen uit en zeg dat u over een week of twee bij "
            "ieder terugkomt."
        ),
        "avoid": (
            "Begint iemand met verwijten, buig het dan vriendelijk om naar wat er nu kan.\n"
            "Noem geen feiten van wat er gebeurd is en niets uit het gesprek met de leerling.\n"
            "Bedenk de oplossingen niet zelf: de ideeën komen van de kinderen."
        ),
    },
    "victim_follow_up": {
        "opening": (
            "Laat de leerling zelf vertellen; vaak begint hij of zij er vanzelf over.\n"
            "Geef een compliment voor alles wat de leerling heeft opgemerkt."
        ),
        "questions": (
            "Hoe ging het de afgelopen tijd? Wat is er veranderd?\n"
            "Hoe voel je je nu op school?\n"
            "Wat deden anderen om aardig voor je te zijn?\n"
            "Wat heb je nog nodig? Kan ik nog iets voor je doen?\n"
            "Is het beter: zeg dat de leerling meteen mag komen als het weer misgaat. Nog niet: "
            "zeg dat u opnieuw met de groep gaat praten."
        ),
        "avoid": (
            "Trek de conclusie niet voor de leerling: vraag zelf of het genoeg verbeterd is.\n"
            "Maak van het gesprek geen verhoor over wie wat deed."
        ),
    },
    "member_follow_up": {
        "opening": (
            "Spreek ieder kind apart, vijf tot tien minuten, in de afgesproken volgorde.\n"
            "Vraag of het goed is om nu even te praten, en zeg dat u terugkomt op de afspraak "
            "van de bijeenkomst."
        ),
        "questions": (
            "Wat heb jij de laatste tijd gezien?\n"
            "Hoe gaat het nu met de leerling, denk je? Wat is er beter?\n"
            "Wat heb jij kunnen doen van wat je had bedacht?\n"
            "Wat zou nog kunnen helpen?\n"
            "Hoe gaat het met jou?"
        ),
        "avoid": (
            "Het is geen controle: geen verwijt als iets niet gelukt is, en geen straf.\n"
            "Voer het gesprek niet gehaast tussen twee lessen door.\n"
            "Vergeet niet te bedanken voor de hulp, hoe klein die ook was."
        ),
    },
}

# The rules of the meeting, shown beside its form. They are the method itself, not
# something a school changes.
MEETING_RULES = (
    _("Niemand krijgt de schuld en niemand wordt gestraft."),
    _("Noem geen feiten: niet wat er gebeurd is en niets uit het gesprek met de leerling."),
    _("Gebruik het woord 'pesten' niet."),
    _("De gepeste leerling is er niet bij."),
    _("Schrijf elk idee op met de naam van het kind dat het gaat doen."),
)


def ensure_school_defaults(school) -> None:
    """Give ``school`` its settings and a copy of every guidance text it does not have yet."""
    from noblame.models import Guidance, SchoolSettings

    SchoolSettings.objects.get_or_create(school=school)
    for talk, texts in GUIDANCE.items():
        Guidance.objects.get_or_create(school=school, talk=talk, defaults=texts)


def guidance_for(school, talk: str):
    """The school's guidance for ``talk``; the unsaved default when the school has none."""
    from noblame.models import Guidance

    return Guidance.objects.filter(school=school, talk=talk).first() or Guidance(
        school=school, talk=talk, **GUIDANCE[talk]
    )
