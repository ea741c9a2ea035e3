"""``manage.py seed_demo``: fill a development database with a realistic demo school board.

What it creates: one school board with two schools, their groepen with pupils and
guardians (deterministic, ``random.Random(2026)``), the demo staff logins (password
``demo``) and cases in every state of the stap 1 to 10 machine. Every case is created
with ``services.case_create`` and moved only with ``services.case_transition``, with
its talks, outcome, coaches and plan van aanpak recorded through the services, so
the demo data passes the same guards real data does.

Safety and repeatability:

- Refused unless ``DEBUG`` is on: this must never run against a production database.
- Idempotent: when the demo board already exists nothing is changed; the logins and
  counts are printed again.
- Everything is written in one transaction.
"""

import datetime
import itertools
import random
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CasePupil, Place, ReporterKind, State
from cases.talks import TalkKind
from demo import across_cases as demo_across_cases
from demo import history as demo_history
from demo import plans as demo_plans
from demo import trajects as demo_trajects
from plans import services as plan_services
from schools.models import (
    Guardian,
    GuardianRelation,
    Membership,
    Pupil,
    Role,
    School,
    SchoolBoard,
    SchoolClass,
    current_school_year,
)

SEED = 2026
PASSWORD = "demo"
BOARD_NAME = "Stichting Primair Onderwijs De Linde"
EMAIL_DOMAIN = "example.nl"

Relation = GuardianRelation.Relation
PupilRole = CasePupil.Role

# --- schools, classes and staff ---------------------------------------------------------

# The board's technical application manager: a superuser for Django's admin only.
APPLICATION_MANAGER = "applicatiebeheer"

# Pupil numbers as a pupil administration would hand them out.
PUPIL_NUMBER_START = 10_401

# key -> (name, town)
SCHOOLS = {
    "regenboog": ("OBS De Regenboog", "Utrecht"),
    "kompas": ("CBS Het Kompas", "Amersfoort"),
}

# (school key, class name, groep number, (min, max) pupils, teacher usernames)
CLASSES = [
    ("regenboog", "groep 4", 4, (24, 26), ["leerkracht4"]),
    ("regenboog", "groep 5", 5, (24, 26), ["leerkracht"]),
    ("regenboog", "groep 7", 7, (24, 26), ["leerkracht2"]),
    ("kompas", "groep 6", 6, (19, 21), ["leerkracht3"]),
    ("kompas", "groep 8", 8, (19, 21), ["leerkracht3"]),
]

# username -> (first name, last name, [(school key, role)])
STAFF = {
    "leerkracht": ("Sanne", "Verbeek", [("regenboog", Role.TEACHER)]),
    "leerkracht2": ("Joost", "van der Heijden", [("regenboog", Role.TEACHER)]),
    "leerkracht4": ("Ilse", "Koster", [("regenboog", Role.TEACHER)]),
    "ib": ("Marloes", "Dekkers", [("regenboog", Role.IB)]),
    "smw": ("Rachid", "Amrani", [("regenboog", Role.SMW), ("kompas", Role.SMW)]),
    "directie": ("Peter", "Vonk", [("regenboog", Role.DIRECTOR)]),
    "beheerder": ("Karin", "Smeets", [("regenboog", Role.ADMIN)]),
    "leerkracht3": ("Hatice", "Aydin", [("kompas", Role.TEACHER)]),
    "ib2": ("Wendy", "Bosman", [("kompas", Role.IB)]),
    "coordinator": ("Nadia", "El Idrissi", [("regenboog", Role.COORDINATOR)]),
    # The board role at one school opens the figures of every school of the board.
    "bestuur": ("Hans", "Brouwer", [("regenboog", Role.BOARD)]),
}

# --- names ------------------------------------------------------------------------------

# The data tables below are laid out by hand for reading; the formatter leaves them alone.
# fmt: off


@dataclass(frozen=True)
class Origin:
    weight: int
    girls: tuple
    boys: tuple
    surnames: tuple
    mothers: tuple
    fathers: tuple


ORIGINS = {
    "nl": Origin(
        62,
        girls=(
            "Emma", "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Nora", "Eva", "Liv",
            "Saar", "Anna", "Fenna", "Lotte", "Noor", "Lieke", "Isa", "Fleur", "Roos", "Nina",
            "Lynn", "Maud", "Jasmijn", "Esmee", "Femke", "Evi", "Hanna", "Elin", "Floor",
        ),
        boys=(
            "Noah", "Sem", "Liam", "Lucas", "Daan", "Finn", "Levi", "Luuk", "Milan", "Bram",
            "Jesse", "Thijs", "Sven", "Ruben", "Tim", "Lars", "Gijs", "Mees", "Teun", "Stijn",
            "Thomas", "Max", "Jens", "Siem", "Boaz", "Hidde", "Julian", "Ties", "Olivier",
        ),
        surnames=(
            "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer",
            "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen",
            "Dekker", "Brouwer", "de Wit", "Dijkstra", "de Graaf", "van der Meer",
            "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel",
            "van der Veen", "van Dijk", "Verhoeven", "Kuipers", "Willems", "Hoekstra",
            "Schouten", "van Beek", "Post", "van Vliet", "Prins", "Huisman", "Kramer",
            "ter Horst", "van 't Hof", "van Wijk", "Koning", "Blom", "van der Laan",
        ),
        mothers=(
            "Linda", "Marieke", "Sanne", "Esther", "Iris", "Femke", "Anouk", "Mirjam",
            "Judith", "Karin", "Laura", "Eline", "Kim", "Lisanne", "Anne", "Marloes", "Ilse",
        ),
        fathers=(
            "Mark", "Jeroen", "Bas", "Martijn", "Dennis", "Erik", "Rob", "Sander", "Niels",
            "Tom", "Ruud", "Wouter", "Joost", "Michiel", "Arjen", "Thijs", "Koen",
        ),
    ),
    "ma": Origin(
        14,
        girls=(
            "Yasmina", "Imane", "Salma", "Aya", "Hiba", "Malika", "Nour", "Ilham", "Sara",
            "Rania", "Lina", "Amira", "Dounia", "Meryem",
        ),
        boys=(
            "Mohammed", "Adam", "Yassine", "Ayoub", "Bilal", "Rayan", "Zakaria", "Ilias",
            "Amir", "Anas", "Soufiane", "Hamza", "Younes", "Othman",
        ),
        surnames=(
            "El Amrani", "El Idrissi", "Bouzid", "Benali", "El Khatib", "Ouali", "Azzouzi",
            "Boukhari", "El Hadji", "Tahiri", "Ait Taleb", "El Ouardi", "Chakir", "Belhaj",
        ),
        mothers=("Fatima", "Khadija", "Naima", "Samira", "Latifa", "Houda", "Loubna", "Siham"),
        fathers=("Mohamed", "Abdel", "Karim", "Rachid", "Mustafa", "Hassan", "Said", "Nordin"),
    ),
    "tr": Origin(
        11,
        girls=("Elif", "Zeynep", "Ecem", "Melis", "Defne", "Ayla", "Esra", "Azra", "Nisa"),
        boys=("Emir", "Yusuf", "Mert", "Kerem", "Burak", "Efe", "Arda", "Kaan", "Eren"),
        surnames=(
            "Yilmaz", "Demir", "Kaya", "Çelik", "Şahin", "Öztürk", "Doğan", "Arslan",
            "Koç", "Kurt", "Aksoy", "Polat",
        ),
        mothers=("Ayşe", "Fatma", "Emine", "Hatice", "Sibel", "Derya", "Gülsen", "Songül"),
        fathers=("Mehmet", "Ahmet", "Murat", "Hakan", "Serkan", "Ali", "Osman", "Cem"),
    ),
    "sr": Origin(
        9,
        girls=("Priya", "Shanti", "Kavita", "Anjali", "Shanaya", "Naomi", "Djenna", "Sharon"),
        boys=("Rohan", "Dewesh", "Jermaine", "Quincy", "Shane", "Ravi", "Jayden", "Dylan"),
        surnames=(
            "Ramdin", "Sewdien", "Baldewsingh", "Jagesar", "Kanhai", "Pinas", "Wijngaarde",
            "Biharie", "Mahabier", "Lont", "Sabajo", "Ramsaran",
        ),
        mothers=("Sharmila", "Reshma", "Natasja", "Gwendolyn", "Sunita", "Romana", "Ingrid"),
        fathers=("Anand", "Roy", "Glenn", "Sunil", "Ricardo", "Vikash", "Orlando"),
    ),
    "pl": Origin(
        4,
        girls=("Zofia", "Maja", "Hanna", "Julia", "Natalia"),
        boys=("Jakub", "Szymon", "Kacper", "Filip", "Antoni"),
        surnames=("Nowak", "Wójcik", "Kaczmarek", "Mazur", "Krawczyk"),
        mothers=("Agnieszka", "Katarzyna", "Magdalena", "Joanna"),
        fathers=("Piotr", "Tomasz", "Marcin", "Paweł"),
    ),
}

CARERS = ("Gerda", "Ans", "Wil", "Henk", "Truus", "Joke")

# --- case texts (written for this demo; {v} victim, {b} bully, {b2} second bully, {f} follower)

WHAT_HAPPENS = {
    Place.PLAYGROUND: (
        "{b} stuurt {v} weg zodra {v} wil meedoen met tikkertje of voetbal; de anderen "
        "volgen.",
        "Op het plein wordt {v} geduwd en uitgescholden, meestal begint {b} ermee.",
    ),
    Place.CLASSROOM: (
        "Als {v} een beurt krijgt, wordt er gegniffeld en wordt {v} nagedaan; {b} fluistert "
        "er opmerkingen bij.",
        "Spullen van {v} verdwijnen uit het laatje en liggen later kapot in de gang.",
    ),
    Place.GYM: (
        "In de kleedkamer worden grappen gemaakt over het uiterlijk van {v}, en bij het "
        "kiezen van teams blijft {v} steeds over.",
        "{b} gooit bij trefbal keer op keer hard naar het hoofd van {v} en lacht als het "
        "pijn doet.",
    ),
    Place.LUNCH: (
        "Bij het overblijven mag {v} niet aan tafel bij de anderen; {b} legt een tas op de "
        "lege stoel.",
        "Tijdens het eten wordt het brood van {v} afgepakt en rondgegooid.",
    ),
    Place.AROUND_SCHOOL: (
        "{v} wordt na schooltijd bij het hek opgewacht en nageroepen tot de hoek van de "
        "straat.",
        "Op weg naar school fietst {b} {v} klem en roept scheldwoorden.",
    ),
    Place.ONLINE: (
        "In de klassenapp worden foto's van {v} gedeeld met gemene teksten, en {v} is uit "
        "de groep gezet.",
        "{v} krijgt 's avonds berichten van een nepaccount waarin {v} wordt uitgelachen.",
    ),
    Place.OTHER: (
        "Bij de sportclub en in de buurt wordt {v} door kinderen uit de klas genegeerd.",
    ),
}
HOW_OFTEN = (
    "Bijna elke dag.",
    "Een paar keer per week, vooral op maandag.",
    "Meerdere keren per week, en het wordt vaker.",
    "Bijna elke grote pauze.",
)
SINCE_WHEN = (
    "Sinds een week of drie.",
    "Vanaf het begin van het schooljaar.",
    "Ongeveer een maand; daarvoor ging het goed.",
    "Al langer, maar de laatste weken is het erger geworden.",
    "Sinds {v} naast {b} zit.",
)
WHERE_WHEN = {
    Place.PLAYGROUND: ("Vooral in de grote pauze, achter het klimrek.", ""),
    Place.CLASSROOM: ("Bij het zelfstandig werken en als de leerkracht even weg is.", ""),
    Place.GYM: ("In de kleedkamer, voor en na de les.", ""),
    Place.LUNCH: ("Tijdens het eten en daarna op het plein.", ""),
    Place.AROUND_SCHOOL: ("Bij het fietsenrek en op de hoek van de straat.", ""),
    Place.ONLINE: ("'s Avonds en in het weekend, via de telefoon.", ""),
    Place.OTHER: ("", ),
}
VICTIM_CONFIDENTIAL = (
    "{v} wil niet dat de groep weet dat {v} het zelf verteld heeft.",
    "{v} vertelt dat het thuis ook onrustig is; alleen delen met de intern begeleider.",
    "",
    "",
)
ONE_OFF_CONSEQUENCES = (
    "{b} zag in het gesprek dat {v} er verdrietig van werd en niet meer durfde te spelen.",
    "{b} begreep dat het 'grapje' voor {v} helemaal niet leuk was en dat {v} er buikpijn "
    "van kreeg.",
    "{b} schrok toen {v} vertelde niet meer naar school te willen.",
)
ONE_OFF_PREVENTION = (
    "{b} vraagt {v} voortaan zelf om mee te doen en komt naar de leerkracht als het misgaat.",
    "{b} blijft in de pauze bij {v} uit de buurt en kiest een ander spel.",
    "{b} spreekt af weg te lopen en hulp te vragen als {b} zich ergert.",
)
REVIEW_STOPPED = (
    "Sinds het gesprek is er niets meer gebeurd; {v} speelt weer gewoon mee op het plein.",
    "Leerkracht en overblijfkrachten hebben niets meer gezien. {v} zegt dat het goed gaat.",
)
REVIEW_GOES_ON = (
    "Het gaat door: twee kinderen melden dat {b} {v} weer uitscheldt en wegduwt.",
    "{v} wordt nog steeds buitengesloten; de afspraken uit het gesprek worden niet nagekomen.",
)
BULLY_HELD_RESPONSIBLE = (
    "In een rustig gesprek is {b} duidelijk gemaakt dat dit gedrag niet kan en dat {b} er "
    "zelf verantwoordelijk voor is.",
    "{b} is aangesproken op wat er gebeurde; eerst ontkennend, daarna gaf {b} toe dat het "
    "te ver ging.",
    "{b} hoorde wat er gezien is en kreeg de ruimte om te reageren; de boodschap was helder: "
    "dit stopt nu.",
)
BULLY_NEXT_STEPS = (
    "Uitgelegd dat de ouders worden ingelicht, dat {b} een reflectie schrijft en excuses "
    "aanbiedt, en dat we het goed volgen.",
    "{b} weet dat er een plan van aanpak ligt, dat de ouders op school komen en dat er een "
    "gesprek in de groep volgt.",
)
IF_CONTINUES = (
    "Als het weer gebeurt, volgt een gesprek met de directie en adviseert de school de ouders "
    "om hulp van buitenaf te zoeken.",
    "Bij een volgende keer worden de ouders meteen gebeld en schakelt de school externe hulp "
    "in via het schoolmaatschappelijk werk.",
)
PARENTS_DONE_SO_FAR = (
    "Uitgelegd welke gesprekken er al waren met {b} en {v} en wat er in het plan van aanpak "
    "staat.",
    "Ouders bijgepraat over het eerste gesprek, de inschatting van de leerkracht en de "
    "afspraken in het plan.",
)
PARENTS_NEXT_STEPS = (
    "{b} schrijft een reflectie en biedt excuses aan; daarna bespreken we het in de groep.",
    "Reflectie en excuses, dan een kringgesprek en twee evaluatiegesprekken.",
)
PARENTS_SHARED = (
    "Ouders praten thuis met {b} en mailen de leerkracht bij signalen; de school geeft elke "
    "vrijdag een korte terugkoppeling.",
    "Ouders letten op het telefoongebruik van {b}; school en ouders spreken elkaar over twee "
    "weken weer.",
)
VICTIM_PARENTS_NOW = (
    "{v} is opgelucht dat er iets gebeurt, maar is in de pauze nog voorzichtig.",
    "Het gaat beter: {v} slaapt weer goed en gaat met minder buikpijn naar school.",
)
VICTIM_PARENTS_NEXT = (
    "Elke week een kort gesprekje met {v}; ouders laten het meteen weten als {v} thuis iets "
    "vertelt.",
    "{v} krijgt een maatje voor de pauze; over twee weken evalueren we samen met de ouders.",
)
REFLECTION_SUMMARY = (
    "{b} schreef op wat er gebeurd is en hoe {v} zich daarbij gevoeld moet hebben.",
    "{b} werkte buiten de groep aan een reflectieblad en besprak dat met de coach.",
)
APOLOGY_SEES = (
    "{b} ziet dat {v} steeds werd buitengesloten en uitgelachen, en dat dat veel pijn deed.",
    "{b} erkent gemene dingen te hebben gezegd en anderen te hebben aangespoord mee te doen.",
)
APOLOGY_PROMISE = (
    "{b} belooft {v} met rust te laten en niet meer over {v} te roddelen.",
    "{b} stopt met schelden en doet niet mee als anderen ermee beginnen.",
)
APOLOGY_NOTICES = (
    "{v} mag weer meedoen bij het voetballen en {b} groet {v} gewoon.",
    "{b} laat {v} met rust in de app en zegt iets aardigs als {v} iets goed doet.",
)
GROUP_FORMS = (
    "Kringgesprek", "Klassengesprek met de SMW erbij", "Kringgesprek met gesprekskaarten",
)
GROUP_SUMMARY = (
    "De groep sprak over hoe het voelt om buitengesloten te worden en maakte samen drie "
    "regels voor het plein.",
    "Besproken wat je kunt doen als je ziet dat iemand gepest wordt; iedereen schreef een "
    "tip op voor de klassenmuur.",
)
EVALUATION_OUTCOME = (
    "De afspraken worden nagekomen; {v} voelt zich veiliger en speelt weer mee.",
    "Het gaat goed in de klas. Eén kleine botsing, die meteen samen is opgelost.",
)
CLOSING_CONCLUSION = (
    "Het pesten is gestopt. Het getekende plan gaat in het dossier van alle betrokken "
    "leerlingen; over zes weken vraagt de leerkracht nog eens na hoe het gaat.",
    "Iedereen is tevreden over hoe het nu gaat. We sluiten af en houden {v} en {b} de rest "
    "van het schooljaar in het oog.",
)
NO_BULLYING_OUTCOME = (
    "Geen pesten maar een ruzie tussen {v} en {b}; samen uitgepraat en afspraken gemaakt "
    "over het spel op het plein.",
    "Het ging om plagen over en weer. Met beide kinderen besproken waar de grens ligt; de "
    "ouders zijn op de hoogte.",
)

# --- the cases ---------------------------------------------------------------------------

ROUTES = {
    # stap 2.1: not bullying
    "other": [State.SIGNALED, State.VICTIM_TALK, State.ASSESSMENT, State.RESOLVED_OTHER,
              State.CLOSED],
    # stap 2.2: a one-off incident that stopped
    "one_off": [State.SIGNALED, State.VICTIM_TALK, State.ASSESSMENT, State.ONE_OFF,
                State.ONE_OFF_REVIEW, State.CLOSED],
    # stap 2.2 that went on: escalates to the No Blame approach
    "escalate": [State.SIGNALED, State.VICTIM_TALK, State.ASSESSMENT, State.ONE_OFF,
                 State.ONE_OFF_REVIEW, State.SUPPORT_GROUP],
    # stap 2.3 for pupils without a No Blame history
    "no_blame": [State.SIGNALED, State.VICTIM_TALK, State.ASSESSMENT, State.SUPPORT_GROUP],
    # stap 2.3 with a pupil who had the No Blame approach: straight to stap 4
    "plan": [State.SIGNALED, State.VICTIM_TALK, State.ASSESSMENT, State.ACTION_PLAN,
             State.COACHING, State.TALKS, State.REFLECTION, State.GROUP_DISCUSSION,
             State.BACK_IN_CLASS, State.CLOSING, State.CLOSED],
}


@dataclass
class Spec:
    school: str
    groep: str
    route: str
    stop: str
    days_ago: int  # calendar days before today, holidays not counted
    place: str
    reporter: str
    description: str
    roles: tuple = (PupilRole.VICTIM, PupilRole.BULLY)
    signs: tuple = ()
    digital: bool = False
    # "plan" route: the role taken by a pupil who already had the No Blame approach.
    reuse: str = PupilRole.BULLY
    reopen: bool = False  # closed once, then reopened (herhaling) before reaching ``stop``
    refusal: bool = False  # a parent of the bully will not sign the plan (recorded by the IB)
    overdue: bool = False  # leave a planned talk with a date in the past unrecorded
    logged_by: str = ""  # username; the class teacher when empty
    reporter_name: str = ""  # for ReporterKind.INVOLVED


REFUSAL_REASON = (
    "De ouder van {b} vindt dat {b} niet de enige is die zich anders moet gedragen en wil "
    "daarom niet tekenen. Het plan is in een gesprek op school toegelicht; de ouder kreeg een "
    "kopie mee."
)

# Cases whose route passes stap 3 come first: later "plan" cases need their trajects.
CASES = [
    # --- OBS De Regenboog, groep 5 (leerkracht) and groep 7 (leerkracht2) ---
    Spec(
        "regenboog", "groep 5", "no_blame", State.SUPPORT_GROUP, 108, Place.PLAYGROUND,
        ReporterKind.PARENT,
        "De {ouder} van {v} meldt dat {v} al weken niet naar school wil. Op het plein sturen {b} "
        "en een paar anderen {v} bij elk spel weg en er wordt achter de rug van {v} gelachen.",
        roles=("victim", "bully", "follower", "follower", "bystander"),
        signs=("victim_alone", "victim_avoids_school", "bully_followers", "bully_bossy"),
    ),
    Spec(
        "regenboog", "groep 5", "escalate", State.SUPPORT_GROUP, 100, Place.GYM,
        ReporterKind.INVOLVED,
        "De vakleerkracht gym ziet dat {v} steeds als laatste gekozen wordt; {b} roept dan "
        "hardop dat niemand {v} in het team wil. {v} zit na de les stil in de kleedkamer.",
        roles=("victim", "bully", "bystander"),
        signs=("victim_chosen_last", "victim_withdrawn", "bully_belittles"),
        reporter_name="Dirk Hofman (vakleerkracht gym)",
    ),
    Spec(
        "regenboog", "groep 7", "no_blame", State.SUPPORT_GROUP, 90, Place.ONLINE,
        ReporterKind.PARENT,
        "In een groepsapp van de klas zet {b} bewerkte foto's van {v} met gemene teksten; "
        "{f} en anderen reageren met lachende emoji's. De ouders hebben screenshots gemaakt.",
        roles=("victim", "bully", "follower", "follower", "bystander", "bystander"),
        signs=("victim_withdrawn", "victim_avoids_school", "bully_belittles",
               "bully_little_empathy"),
        digital=True,
    ),
    Spec(
        "regenboog", "groep 5", "plan", State.TALKS, 105, Place.PLAYGROUND,
        ReporterKind.OBSERVATION,
        "Tijdens de pleinwacht ziet de leerkracht hoe {b} {v} tegen het hek duwt en de muts "
        "van {v} over het hek gooit. Andere kinderen kijken toe.",
        roles=("victim", "bully", "bystander"),
        signs=("victim_injuries", "bully_no_limits"),
        reopen=True,
    ),
    Spec(
        "regenboog", "groep 5", "plan", State.CLOSING, 97, Place.GYM, ReporterKind.PUPIL,
        "Een klasgenoot vertelt dat {v} in de kleedkamer wordt uitgelachen om de kleding en "
        "dat {b} de schoenen van {v} verstopt.",
        roles=("victim", "bully", "follower", "bystander"),
        signs=("victim_chosen_last", "bully_double_life"),
        reuse=PupilRole.BULLY,  # a bully or follower of an earlier No Blame traject
    ),
    Spec(
        "regenboog", "groep 5", "plan", State.BACK_IN_CLASS, 94, Place.CLASSROOM,
        ReporterKind.SURVEY,
        "Uit de veiligheidsmeter blijkt dat {v} zich in de klas niet veilig voelt. In het "
        "gesprek noemt {v} {b}, die tijdens het zelfstandig werken steeds opmerkingen maakt.",
        roles=("victim", "bully", "follower"),
        signs=("victim_grades_drop", "victim_withdrawn", "bully_double_life"),
        overdue=True,
        logged_by="ib",
    ),
    Spec(
        "regenboog", "groep 5", "plan", State.GROUP_DISCUSSION, 86, Place.PLAYGROUND,
        ReporterKind.PUPIL,
        "{v} komt zelf naar de leerkracht: {b} en {b2} laten {v} in de pauze nergens meedoen "
        "en roepen een bijnaam.",
        roles=("victim", "bully", "bully", "bystander"),
        signs=("victim_alone", "victim_seeks_adults", "bully_followers"),
    ),
    Spec(
        "regenboog", "groep 5", "plan", State.REFLECTION, 76, Place.ONLINE, ReporterKind.PARENT,
        "De {ouder} van {v} laat screenshots zien: {b} stuurt 's avonds berichten waarin {v} wordt "
        "uitgescholden, en {f} stuurt ze door naar anderen.",
        roles=("victim", "bully", "follower", "follower"),
        signs=("victim_avoids_school", "victim_agitated", "bully_belittles"),
        digital=True,
    ),
    Spec(
        "regenboog", "groep 5", "plan", State.TALKS, 80, Place.AROUND_SCHOOL,
        ReporterKind.PARENT,
        "Op weg naar huis wordt {v} bij het fietsenrek opgewacht door {b}. De fietsbel van {v} "
        "is kapotgemaakt en er wordt tegen de fiets geschopt.",
        roles=("victim", "bully", "follower"),
        signs=("victim_injuries", "victim_avoids_school", "bully_no_limits"),
        overdue=True,
    ),
    Spec(
        "regenboog", "groep 5", "plan", State.COACHING, 66, Place.CLASSROOM,
        ReporterKind.PUPIL,
        "Een klasgenoot vertelt dat {b} en {b2} briefjes met scheldwoorden naar {v} doorgeven "
        "tijdens het zelfstandig werken. {v} blijft steeds dicht bij de leerkracht.",
        roles=("victim", "bully", "bully", "bystander"),
        signs=("victim_seeks_adults", "victim_grades_drop", "bully_double_life"),
        reuse=PupilRole.BULLY,  # a bully or follower of an earlier No Blame traject
        refusal=True,
    ),
    Spec(
        "regenboog", "groep 5", "plan", State.ACTION_PLAN, 38, Place.LUNCH,
        ReporterKind.INVOLVED,
        "De overblijfkracht ziet dat {b} het eten van {v} afpakt en uitdeelt aan anderen; {f} "
        "houdt de broodtrommel vast en lacht mee.",
        roles=("victim", "bully", "follower"),
        signs=("victim_alone", "bully_followers", "bully_bossy"),
        reporter_name="Gerda Willemsen (overblijfkracht)",
    ),
    Spec(
        "regenboog", "groep 7", "plan", State.CLOSED, 83, Place.PLAYGROUND,
        ReporterKind.TEACHER,
        "Tijdens de pleinwacht ziet de leerkracht dat {b} {v} uitdaagt en wegduwt als {v} "
        "bij de voetbal komt. Het is niet de eerste keer.",
        roles=("victim", "bully", "follower", "bystander"),
        signs=("victim_alone", "bully_bossy", "bully_no_criticism"),
    ),
    Spec(
        "regenboog", "groep 7", "plan", State.BACK_IN_CLASS, 80, Place.LUNCH,
        ReporterKind.PUPIL,
        "Een klasgenoot meldt dat {v} tijdens het overblijven elke dag wordt uitgelachen om "
        "het eten van thuis. {b} begint ermee en {f} doet mee.",
        roles=("victim", "bully", "follower"),
        signs=("victim_withdrawn", "bully_belittles"),
        overdue=True,
    ),
    Spec(
        "regenboog", "groep 7", "one_off", State.CLOSED, 40, Place.CLASSROOM,
        ReporterKind.TEACHER,
        "Tijdens een groepsopdracht maakt {b} de tekening van {v} belachelijk en scheurt die "
        "door. {v} is er erg van geschrokken.",
        signs=("victim_agitated",),
    ),
    Spec(
        "regenboog", "groep 5", "one_off", State.ONE_OFF_REVIEW, 13, Place.CLASSROOM,
        ReporterKind.PUPIL,
        "{v} vertelt dat {b} de etui van {v} in de prullenbak heeft gegooid en erom lachte.",
    ),
    Spec(
        "regenboog", "groep 5", "other", State.RESOLVED_OTHER, 9, Place.PLAYGROUND,
        ReporterKind.PARENT,
        "Ouders van {v} maken zich zorgen: {v} komt boos thuis na ruzie met {b} over het "
        "voetbalspel.",
        signs=("victim_agitated",),
    ),
    Spec(
        "regenboog", "groep 7", "one_off", State.ASSESSMENT, 6, Place.GYM, ReporterKind.PUPIL,
        "{v} zegt dat {b} bij de gymles steeds expres hard tegen {v} aan botst.",
        signs=("bully_no_limits",),
    ),
    Spec(
        "regenboog", "groep 7", "plan", State.VICTIM_TALK, 3, Place.AROUND_SCHOOL,
        ReporterKind.PARENT,
        "De {ouder} van {v} belt: {v} wordt na schooltijd door {b} en {f} nageroepen en durft niet "
        "meer alleen naar huis.",
        roles=("victim", "bully", "follower"),
        signs=("victim_avoids_school", "victim_withdrawn"),
    ),
    Spec(
        "regenboog", "groep 5", "plan", State.SIGNALED, 1, Place.ONLINE, ReporterKind.PUPIL,
        "{v} laat in de klas een bericht zien van een nepaccount met een foto van {v} en "
        "gemene reacties. {v} denkt dat {b} erachter zit.",
        signs=("victim_withdrawn",),
        digital=True,
    ),
    # --- OBS De Regenboog, groep 4 (leerkracht4) ---
    Spec(
        "regenboog", "groep 4", "other", State.CLOSED, 52, Place.CLASSROOM, ReporterKind.PARENT,
        "De {ouder} van {v} meldt dat {v} thuis huilt omdat {b} zegt dat {v} geen vriendje "
        "meer is.",
        signs=("victim_withdrawn",),
    ),
    Spec(
        "regenboog", "groep 4", "one_off", State.ONE_OFF, 4, Place.PLAYGROUND,
        ReporterKind.OBSERVATION,
        "De leerkracht ziet dat {b} {v} van de schommel trekt en uitscheldt.",
        signs=("victim_injuries",),
    ),
    Spec(
        "regenboog", "groep 4", "other", State.SIGNALED, 0, Place.LUNCH, ReporterKind.INVOLVED,
        "De overblijfkracht ziet dat {v} alleen aan tafel zit; {b} zegt dat {v} 'stinkt'.",
        signs=("victim_alone",),
        reporter_name="Gerda Willemsen (overblijfkracht)",
    ),
    # --- CBS Het Kompas, groep 6 and groep 8 (leerkracht3) ---
    Spec(
        "kompas", "groep 6", "no_blame", State.SUPPORT_GROUP, 72, Place.PLAYGROUND,
        ReporterKind.SURVEY,
        "De veiligheidsmeter laat zien dat {v} zich op het plein niet veilig voelt. {b} en "
        "{f} jagen {v} in de pauze weg van de andere kinderen.",
        roles=("victim", "bully", "follower", "bystander", "bystander"),
        signs=("victim_alone", "victim_seeks_adults", "bully_followers"),
        logged_by="ib2",
    ),
    Spec(
        "kompas", "groep 6", "plan", State.BACK_IN_CLASS, 64, Place.CLASSROOM,
        ReporterKind.PARENT,
        "Ouders van {v} melden dat {v} buikpijn heeft voor school. In de klas wordt {v} door "
        "{b} steeds 'baby' genoemd.",
        roles=("victim", "bully", "bystander"),
        signs=("victim_avoids_school", "bully_belittles"),
        reuse=PupilRole.BULLY,  # a bully or follower of an earlier No Blame traject
        overdue=True,
    ),
    Spec(
        "kompas", "groep 6", "plan", State.ACTION_PLAN, 24, Place.GYM, ReporterKind.TEACHER,
        "{b} trapt {v} bij het voetballen in de gymzaal expres en zegt daarna dat het per "
        "ongeluk was.",
        roles=("victim", "bully", "follower"),
        signs=("victim_injuries", "bully_double_life"),
    ),
    Spec(
        "kompas", "groep 6", "plan", State.SIGNALED, 2, Place.AROUND_SCHOOL, ReporterKind.PARENT,
        "De {ouder} van {v} ziet bij het hek dat {b} {v} aan de jas trekt en de tas afpakt.",
    ),
    Spec(
        "kompas", "groep 8", "one_off", State.ONE_OFF, 5, Place.ONLINE, ReporterKind.PUPIL,
        "{b} heeft in de groepsapp een gemene foto van {v} gezet; {v} heeft het zelf gemeld.",
        signs=("victim_agitated",),
        digital=True,
    ),
    Spec(
        "kompas", "groep 8", "other", State.CLOSED, 33, Place.LUNCH, ReporterKind.TEACHER,
        "{v} en {b} hebben al dagen ruzie over wie naast wie zit bij het overblijven.",
    ),
    Spec(
        "kompas", "groep 8", "plan", State.VICTIM_TALK, 9, Place.PLAYGROUND, ReporterKind.PUPIL,
        "Een klasgenoot meldt dat {v} elke pauze door {b} wordt uitgelachen.",
        signs=("victim_alone", "bully_belittles"),
    ),
]


# fmt: on

# --- helpers -----------------------------------------------------------------------------


def _ascii(text: str) -> str:
    """Lower-case ASCII letters and digits only, for e-mail addresses."""
    folded = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("\u0131", "i"))
    return "".join(c for c in folded.lower() if c.isascii() and c.isalnum())


ONE_DAY = datetime.timedelta(days=1)


def _is_holiday(day: datetime.date) -> bool:
    """Summer and Christmas holidays, roughly as in the middle of the country."""
    month_day = (day.month, day.day)
    return (7, 18) <= month_day <= (8, 30) or month_day >= (12, 24) or month_day <= (1, 3)


def _is_school_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and not _is_holiday(day)


def _school_day_before(day: datetime.date) -> datetime.date:
    """``day`` itself when it is a school day, else the last school day before it."""
    while not _is_school_day(day):
        day -= ONE_DAY
    return day


def _school_day_after(day: datetime.date) -> datetime.date:
    while not _is_school_day(day):
        day += ONE_DAY
    return day


def _days_back(today: datetime.date, days: int) -> datetime.date:
    """The school day ``days`` calendar days before ``today``, not counting holidays."""
    day = today
    while days > 0:
        day -= ONE_DAY
        if not _is_holiday(day):
            days -= 1
    return _school_day_before(day)


class _Clock:
    """Hands out the dates of a case's talks: school days spread evenly after the signal."""

    def __init__(self, start: datetime.date, end: datetime.date, steps: int):
        self.start = start
        self.days = [
            start + ONE_DAY * n
            for n in range(1, (end - start).days + 1)
            if _is_school_day(start + ONE_DAY * n)
        ]
        self.steps = max(steps, 1)
        self.count = 0

    def next(self) -> datetime.date:
        self.count += 1
        if not self.days:
            return self.start
        index = min(self.count * len(self.days) // self.steps, len(self.days)) - 1
        return self.days[max(index, 0)]


@dataclass
class _Play:
    """One case being played through the protocol."""

    spec: Spec
    case: Case
    teacher: object
    victim: Pupil
    bully: Pupil | None
    names: dict
    clock: _Clock
    rng: random.Random
    pupils: list = field(default_factory=list)

    def text(self, options) -> str:
        return self.rng.choice(options).format(**self.names)


class Command(BaseCommand):
    help = (
        "Vult een ontwikkeldatabase met demogegevens: twee scholen, groepen, leerlingen, "
        "ouders, medewerkers (wachtwoord 'demo') en casussen in elke stap. Alleen met DEBUG aan."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo draait alleen met DJANGO_DEBUG aan (ontwikkelomgeving), nooit in "
                "productie."
            )
        board = SchoolBoard.objects.filter(name=BOARD_NAME).first()
        if board is not None:
            self.stdout.write("Demogegevens zijn al aanwezig; er is niets gewijzigd.")
        else:
            # Case notifications e-mail the IB and SMW; the demo must not flood the console.
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
                transaction.atomic(),
            ):
                board = self._seed()
            self.stdout.write(self.style.SUCCESS("Demogegevens aangemaakt."))
        self._report(board)

    # --- the organisation ---------------------------------------------------------------

    def _seed(self) -> SchoolBoard:
        self.rng = random.Random(SEED)
        self.today = timezone.localdate()
        board = SchoolBoard.objects.create(name=BOARD_NAME)
        self.schools = {
            key: School.objects.create(board=board, name=name, town=town)
            for key, (name, town) in SCHOOLS.items()
        }
        self.users = self._create_staff()
        self.emails: set[str] = set(Guardian.objects.values_list("email", flat=True))
        self.families: dict[str, list] = {key: [] for key in SCHOOLS}
        self.classes: dict[tuple[str, str], list[Pupil]] = {}
        self.pupil_numbers = itertools.count(PUPIL_NUMBER_START)
        self.class_teacher: dict[tuple[str, str], object] = {}
        year = current_school_year(self.today)
        for school_key, name, groep, size, teachers in CLASSES:
            school_class = SchoolClass.objects.create(
                school=self.schools[school_key], school_year=year, name=name
            )
            school_class.teachers.set([self.users[u] for u in teachers])
            self.class_teacher[school_key, name] = self.users[teachers[0]]
            self.classes[school_key, name] = self._create_pupils(
                school_class, groep, self.rng.randint(*size), int(year[:4])
            )
        self._create_cases()
        demo_trajects.seed_trajects(board, today=self.today)
        demo_across_cases.seed_across_cases(board, today=self.today)
        demo_history.seed_history(self.schools, self.users, today=self.today, origins=ORIGINS)
        return board

    def _create_staff(self) -> dict:
        user_model = get_user_model()
        # One salted hash for every demo account: hashing nine times would take seconds.
        password = make_password(PASSWORD)
        users = {}
        for username, (first, last, memberships) in STAFF.items():
            user, _created = user_model.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@{EMAIL_DOMAIN}"
            user.password = password
            user.is_active = True
            user.is_staff = False
            user.is_superuser = False
            user.save()
            for school_key, role in memberships:
                Membership.objects.get_or_create(
                    user=user, school=self.schools[school_key], role=role
                )
            users[username] = user
        # The board's application manager: Django's admin (configuration), no school role.
        manager, _created = user_model.objects.get_or_create(username=APPLICATION_MANAGER)
        manager.first_name, manager.last_name = "Bas", "Hendriks"
        manager.email = f"{APPLICATION_MANAGER}@{EMAIL_DOMAIN}"
        manager.password = password
        manager.is_active = manager.is_staff = manager.is_superuser = True
        manager.save()
        return users

    def _create_pupils(self, school_class, groep: int, size: int, year: int) -> list[Pupil]:
        """About ``size`` pupils born in the right year for ``groep``, each with guardians."""
        rng = self.rng
        school_key = next(k for k, s in self.schools.items() if s.pk == school_class.school_id)
        # Born October (year - 4 - groep) to September (year - 3 - groep).
        born_from = datetime.date(year - 4 - groep, 10, 1)
        born_span = (datetime.date(year - 3 - groep, 9, 30) - born_from).days
        pupils, first_names = [], set()
        others = [f for k, fams in self.families.items() if k == school_key for f in fams]
        for _i in range(size):
            if others and rng.random() < 0.1:
                # A sibling of a pupil in another groep: same family, same guardians.
                family = rng.choice(others)
                others.remove(family)
            else:
                family = self._create_family(school_key)
            origin = ORIGINS[family["origin"]]
            while True:
                first = rng.choice(origin.girls if rng.random() < 0.5 else origin.boys)
                if first not in first_names:
                    break
            first_names.add(first)
            born = born_from + datetime.timedelta(days=rng.randrange(born_span))
            if rng.random() < 0.04:  # a pupil who repeated a year
                born -= datetime.timedelta(days=365)
            pupil = Pupil.objects.create(
                school=school_class.school,
                school_class=school_class,
                # The number the pupil administration knows the pupil by (import key).
                pupil_number=str(next(self.pupil_numbers)),
                first_name=first,
                last_name=family["last_name"],
                date_of_birth=born,
            )
            for g, rel, custody in family["guardians"]:  # one save each: history kept
                GuardianRelation.objects.create(
                    pupil=pupil, guardian=g, relation=rel, has_custody=custody
                )
            pupils.append(pupil)
        return pupils

    def _create_family(self, school_key: str) -> dict:
        rng = self.rng
        origin_key = rng.choices(list(ORIGINS), weights=[o.weight for o in ORIGINS.values()])[0]
        origin = ORIGINS[origin_key]
        last = rng.choice(origin.surnames)

        def mother_name():
            return last if rng.random() < 0.4 else rng.choice(origin.surnames)

        kind = rng.choices(
            ["together", "separated", "mother", "father", "two_mothers", "carer"],
            weights=[64, 14, 11, 3, 5, 3],
        )[0]
        mother = (rng.choice(origin.mothers), mother_name(), Relation.MOTHER, True)
        father = (rng.choice(origin.fathers), last, Relation.FATHER, True)
        if kind == "together":
            people = [mother, father]
        elif kind == "separated":
            # After a divorce one parent sometimes has no parental authority (gezag).
            people = [mother, (*father[:3], rng.random() < 0.6)]
        elif kind == "mother":
            people = [mother]
        elif kind == "father":
            people = [father]
        elif kind == "two_mothers":
            people = [
                (rng.choice(origin.mothers), last, Relation.PARENT, True),
                (
                    rng.choice(ORIGINS["nl"].mothers),
                    rng.choice(ORIGINS["nl"].surnames),
                    Relation.PARENT,
                    True,
                ),
            ]
        else:
            # Grandparents care for the child day to day; the mother keeps custody.
            people = [mother, (rng.choice(CARERS), mother[1], Relation.CARER, False)]
        guardians = []
        for first, surname, relation, custody in people:
            guardian = Guardian.objects.create(
                first_name=first, last_name=surname, email=self._email(first, surname)
            )
            guardians.append((guardian, relation, custody))
        family = {"origin": origin_key, "last_name": last, "guardians": guardians}
        self.families[school_key].append(family)
        return family

    def _email(self, first: str, last: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{base}@{EMAIL_DOMAIN}", 1
        while email in self.emails:
            n += 1
            email = f"{base}{n}@{EMAIL_DOMAIN}"
        self.emails.add(email)
        return email

    # --- the cases ----------------------------------------------------------------------

    def _create_cases(self) -> None:
        self.usage: dict[int, int] = {}
        self.no_blame: dict[int, str] = {}  # pupil pk -> role in a case with a traject
        self.warned: set[int] = set()  # bullies of a one-off case
        for spec in CASES:
            self._play(spec)

    def _pick(self, spec: Spec) -> list[tuple[Pupil, str]]:
        """Choose the pupils of a case so that its route is the one the protocol gives."""
        pool = self.classes[spec.school, spec.groep]
        rng = self.rng
        chosen: list[tuple[Pupil, str]] = []
        taken: set[int] = set()
        roles = list(spec.roles)
        if spec.route == "plan" and spec.stop not in ROUTES["plan"][:3]:
            # Stap 4 directly: one pupil already went through the No Blame approach.
            fits = {
                PupilRole.VICTIM: {PupilRole.VICTIM},
                PupilRole.BULLY: {PupilRole.BULLY, PupilRole.FOLLOWER},
            }[spec.reuse]
            history = [p for p in pool if self.no_blame.get(p.pk) in fits]
            if not history:
                raise CommandError(f"Geen leerling met No Blame-verleden in {spec.groep}.")
            pupil = min(history, key=lambda p: (self.usage.get(p.pk, 0), rng.random()))
            chosen.append((pupil, spec.reuse))
            taken.add(pupil.pk)
            roles.remove(spec.reuse)
        for role in roles:
            candidates = [p for p in pool if p.pk not in taken]
            if spec.route in ("no_blame", "escalate", "one_off", "other"):
                # Without a No Blame history these cases keep the route they are meant for.
                candidates = [p for p in candidates if p.pk not in self.no_blame]
            if role == PupilRole.BULLY and spec.route in ("one_off", "escalate"):
                candidates = [p for p in candidates if p.pk not in self.warned]
            pupil = min(candidates, key=lambda p: (self.usage.get(p.pk, 0), rng.random()))
            chosen.append((pupil, role))
            taken.add(pupil.pk)
        for pupil, _role in chosen:
            self.usage[pupil.pk] = self.usage.get(pupil.pk, 0) + 1
        return chosen

    def _play(self, spec: Spec) -> None:
        rng = self.rng
        school = self.schools[spec.school]
        teacher = self.class_teacher[spec.school, spec.groep]
        logged_by = self.users[spec.logged_by] if spec.logged_by else teacher
        pairs = self._pick(spec)
        by_role: dict[str, list[Pupil]] = {}
        for pupil, role in pairs:
            by_role.setdefault(role, []).append(pupil)
        victim = by_role[PupilRole.VICTIM][0]
        bullies = by_role.get(PupilRole.BULLY, [])
        parent = (
            victim.guardian_relations.filter(has_custody=True)
            .select_related("guardian")
            .order_by("pk")
            .first()
        )
        names = {
            "ouder": str(parent.get_relation_display()),
            "v": victim.first_name,
            "b": bullies[0].first_name if bullies else "",
            "b2": bullies[1].first_name if len(bullies) > 1 else "",
            "f": by_role.get(PupilRole.FOLLOWER, [victim])[0].first_name,
        }
        signal_date = _days_back(self.today, spec.days_ago)
        reporter_name = {
            ReporterKind.PUPIL: (by_role.get(PupilRole.BYSTANDER) or [victim])[0].full_name,
            ReporterKind.PARENT: str(parent.guardian),
            ReporterKind.TEACHER: logged_by.get_full_name(),
            ReporterKind.INVOLVED: spec.reporter_name,
            ReporterKind.OBSERVATION: teacher.get_full_name(),
            ReporterKind.SURVEY: "Veiligheidsmeter (leerlingvragenlijst)",
        }[spec.reporter]
        logged_at = timezone.make_aware(
            datetime.datetime.combine(
                signal_date, datetime.time(rng.randint(8, 16), 5 * rng.randint(0, 11))
            )
        )
        case = services.case_create(
            school=school,
            by=logged_by,
            pupils=pairs,
            reporter_kind=spec.reporter,
            reporter_name=reporter_name,
            signal_date=signal_date,
            place=spec.place,
            description=spec.description.format(**names),
            warning_signs=list(spec.signs),
            is_digital=spec.digital,
            responsible_teacher=teacher,
            created_at=min(logged_at, timezone.now()),
            separate_reason="Een ander voorval, dat apart wordt gevolgd.",
        )
        path = ROUTES[spec.route]
        steps = path.index(spec.stop) + 1
        if spec.reopen:
            steps = len(path) + 3  # the whole route, the reopen and the second cycle
        if spec.overdue:
            steps += 3  # leave room for the overdue planned talk after the last one held
        play = _Play(
            spec=spec,
            case=case,
            teacher=teacher,
            victim=victim,
            bully=bullies[0] if bullies else None,
            names=names,
            clock=_Clock(signal_date, self.today - datetime.timedelta(days=1), steps),
            rng=rng,
            pupils=[p for p, _r in pairs],
        )
        while not (case.state == spec.stop and (case.cycle > 1 or not spec.reopen)):
            self._step(play)
        self._linger(play)
        if case.state == State.SUPPORT_GROUP:
            for pupil, role in pairs:
                self.no_blame.setdefault(pupil.pk, role)
        if spec.route in ("one_off", "escalate") and spec.stop not in path[:3]:
            self.warned.update(p.pk for p in bullies)

    def _fire(self, play: _Play, name: str, by=None, remark: str = "") -> None:
        try:
            services.case_transition(
                play.case, name, by=by or play.teacher, remark=remark.format(**play.names)
            )
        except services.TransitionRefused as refused:
            raise CommandError(
                f"Casus {play.case.reference}: '{name}' geweigerd: {refused}"
            ) from refused

    def _custody(self, pupil: Pupil) -> list[Guardian]:
        relations = pupil.guardian_relations.filter(has_custody=True).select_related("guardian")
        return [r.guardian for r in relations.order_by("pk")]

    def _record(self, play: _Play, kind: str, answers: dict, held_on=None, **people) -> None:
        people.setdefault("staff", [play.teacher])
        services.talk_record(
            play.case,
            kind,
            by=play.teacher,
            held_on=held_on or play.clock.next(),
            answers=answers,
            **people,
        )

    def _step(self, play: _Play) -> None:
        """Do the work of the current stap and fire the transition that leaves it."""
        case, spec, rng = play.case, play.spec, play.rng
        ib = case.ib or self._school_user(case, Role.IB)
        victim, bully = play.victim, play.bully
        state = case.state
        if state == State.SIGNALED:
            self._fire(play, "start_victim_talk", remark="Gesprek met {v} gepland.")
        elif state == State.VICTIM_TALK:
            self._record(
                play,
                TalkKind.VICTIM,
                {
                    "what_happens": play.text(WHAT_HAPPENS[spec.place]),
                    "how_often": play.text(HOW_OFTEN),
                    "since_when": play.text(SINCE_WHEN),
                    "where_when": play.text(WHERE_WHEN[spec.place]),
                    "wants_change": "yes",
                },
                pupils=[victim],
                confidential_notes=play.text(VICTIM_CONFIDENTIAL),
            )
            self._fire(play, "assess")
        elif state == State.ASSESSMENT:
            if spec.route == "other":
                self._fire(
                    play, "classify_no_bullying", remark="Ruzie tussen {v} en {b}, geen pesten."
                )
            elif spec.route in ("one_off", "escalate"):
                self._fire(play, "classify_one_off", remark="Eenmalig voorval.")
            elif spec.route == "no_blame":
                self._fire(
                    play,
                    "classify_repeated",
                    remark="Dit gebeurt al langer en steeds weer: herhaald pesten.",
                )
            else:
                self._fire(
                    play,
                    "classify_repeated",
                    by=rng.choice([play.teacher, ib]),
                    remark="Herhaald pesten; een betrokken leerling had al eerder de No "
                    "Blame-aanpak.",
                )
        elif state == State.RESOLVED_OTHER:
            services.case_note_outcome(case, play.text(NO_BULLYING_OUTCOME), by=play.teacher)
            self._fire(play, "close")
        elif state == State.ONE_OFF:
            self._record(
                play,
                TalkKind.ONE_OFF,
                {
                    "consequences": play.text(ONE_OFF_CONSEQUENCES),
                    "apology": "yes",
                    "prevention": play.text(ONE_OFF_PREVENTION),
                    "next_steps_told": "Als het opnieuw gebeurt, ook bij een ander kind, volgen "
                    "de volgende stappen van het pestprotocol en worden de ouders betrokken.",
                },
                pupils=[victim, bully],
            )
            self._fire(play, "start_review")
        elif state == State.ONE_OFF_REVIEW:
            stopped = spec.route == "one_off"
            self._record(
                play,
                TalkKind.ONE_OFF_REVIEW,
                {
                    "bullying_stopped": "yes" if stopped else "no",
                    "observations": play.text(REVIEW_STOPPED if stopped else REVIEW_GOES_ON),
                },
                pupils=[victim, bully],
                # Used only when the review falls before its window (a short demo timeline).
                early_reason="De ouders van beide leerlingen vroegen om een eerder gesprek.",
            )
            if stopped:
                self._fire(play, "close", remark="Het pesten is gestopt.")
            else:
                self._fire(play, "escalate", remark="Na twee weken is het pesten niet gestopt.")
        elif state == State.ACTION_PLAN:
            plan = self._plan(play, ib)
            refusing = None
            if spec.refusal:
                # A parent of the bully will not sign: the IB records who, when and why.
                refusing = plan.signatories.filter(guardian__pupils=bully).order_by("pk").first()
                plan_services.plan_record_refusal(
                    refusing,
                    by=ib,
                    refused_on=timezone.localdate(),
                    reason=REFUSAL_REASON.format(**play.names),
                )
            for signatory in plan.signatories.order_by("pk"):
                if refusing is None or signatory.pk != refusing.pk:
                    demo_plans.sign_on_screen(signatory, by=play.teacher, rng=rng)
            case.refresh_from_db()  # the signed plan named the coaches
            remark = (
                "Plan getekend; de weigering van een ouder is vastgelegd."
                if refusing
                else "Plan door iedereen getekend."
            )
            self._fire(play, "start_coaching", by=ib, remark=remark)
        elif state == State.COACHING:
            if case.coach_bully_id is None:
                self._assign_coaches(play, ib)
            self._fire(play, "start_talks")
        elif state == State.TALKS:
            self._talk_bully(play)
            self._talk_bully_parents(play, ib)
            self._talk_victim_parents(play)
            self._fire(play, "start_reflection")
        elif state == State.REFLECTION:
            self._record(
                play,
                TalkKind.REFLECTION,
                {
                    "reflection": play.text(REFLECTION_SUMMARY),
                    "apology_form": rng.choice(["letter", "talk", "other"]),
                    "sees_what_they_did": play.text(APOLOGY_SEES),
                    "promise_to_stop": play.text(APOLOGY_PROMISE),
                    "how_victim_notices": play.text(APOLOGY_NOTICES),
                },
                staff=[case.coach_bully or play.teacher],
                pupils=[bully],
            )
            self._fire(play, "start_group_discussion")
        elif state == State.GROUP_DISCUSSION:
            self._record(
                play,
                TalkKind.GROUP_DISCUSSION,
                {"form": play.text(GROUP_FORMS), "summary": play.text(GROUP_SUMMARY)},
                pupils=play.pupils,
            )
            self._fire(play, "return_to_class", remark="{b} is weer volledig in de groep.")
        elif state == State.BACK_IN_CLASS:
            held_on = play.clock.next()
            services.talk_plan(case, TalkKind.EVALUATION, held_on, by=play.teacher)
            self._record(
                play,
                TalkKind.EVALUATION,
                {"outcome": play.text(EVALUATION_OUTCOME)},
                held_on=held_on,
                staff=[play.teacher, ib],
                pupils=[victim, bully],
            )
            self._fire(play, "start_closing")
        elif state == State.CLOSING:
            self._record(
                play,
                TalkKind.CLOSING,
                {"conclusion": play.text(CLOSING_CONCLUSION)},
                staff=[play.teacher, ib],
                pupils=play.pupils,
                guardians=self._custody(victim)[:1] + self._custody(bully)[:1],
            )
            self._fire(play, "close", remark="Afgesloten na het afsluitende gesprek.")
        elif state == State.CLOSED and spec.reopen and case.cycle == 1:
            play.clock.next()
            self._fire(play, "reopen", remark="{b} pest opnieuw, nu ook op het plein.")
        else:
            raise CommandError(f"Casus {case.reference}: geen weg van {state} naar {spec.stop}.")

    def _linger(self, play: _Play) -> None:
        """Part of the work of the stap where the case stays, as it would be in real life."""
        case, spec, rng = play.case, play.spec, play.rng
        ib = case.ib or self._school_user(case, Role.IB)
        soon = _school_day_after(self.today + datetime.timedelta(days=rng.randint(3, 10)))
        overdue = _school_day_before(self.today - datetime.timedelta(days=rng.randint(3, 8)))
        if case.state == State.RESOLVED_OTHER:
            services.case_note_outcome(case, play.text(NO_BULLYING_OUTCOME), by=play.teacher)
        elif case.state == State.ACTION_PLAN:
            # The staff signed; the parents still have to.
            plan = self._plan(play, ib)
            for signatory in plan.signatories.filter(user__isnull=False).order_by("pk"):
                demo_plans.sign_on_screen(signatory, by=signatory.user, rng=rng)
        elif case.state == State.COACHING and case.coach_victim_id is None:
            # A coach for the victim is found; one for the bully not yet.
            services.case_assign_coaches(case, by=ib, victim=play.teacher)
        elif case.state == State.TALKS:
            self._talk_bully(play)
            services.talk_plan(
                case, TalkKind.BULLY_PARENTS, overdue if spec.overdue else soon, by=play.teacher
            )
        elif case.state == State.BACK_IN_CLASS:
            if spec.overdue:
                services.talk_plan(case, TalkKind.EVALUATION, overdue, by=play.teacher)
            services.talk_plan(
                case,
                TalkKind.EVALUATION,
                _school_day_after(soon + datetime.timedelta(days=21)),
                by=play.teacher,
            )

    def _school_user(self, case: Case, role: str):
        member = Membership.objects.filter(school=case.school, role=role).order_by("pk").first()
        return member.user

    def _plan(self, play: _Play, ib):
        return demo_plans.demo_plan(
            play.case,
            teacher=play.teacher,
            victim=play.victim,
            bully=play.bully,
            rng=play.rng,
            clock=play.clock,
            reaches=play.spec.stop,
        )

    def _assign_coaches(self, play: _Play, ib) -> None:
        case = play.case
        staff = [
            m.user
            for m in Membership.objects.filter(
                school=case.school, role__in=[Role.IB, Role.SMW, Role.DIRECTOR]
            )
            .select_related("user")
            .order_by("pk")
        ]
        services.case_assign_coaches(
            case,
            by=ib,
            bully=play.rng.choice(staff),
            victim=play.teacher,
            group=play.teacher if play.rng.random() < 0.5 else None,
        )

    def _talk_bully(self, play: _Play) -> None:
        self._record(
            play,
            TalkKind.BULLY,
            {
                "held_responsible": play.text(BULLY_HELD_RESPONSIBLE),
                "next_steps": play.text(BULLY_NEXT_STEPS),
                "if_continues": play.text(IF_CONTINUES),
            },
            pupils=[play.bully],
        )

    def _talk_bully_parents(self, play: _Play, ib) -> None:
        self._record(
            play,
            TalkKind.BULLY_PARENTS,
            {
                "done_so_far": play.text(PARENTS_DONE_SO_FAR),
                "next_steps": play.text(PARENTS_NEXT_STEPS),
                "shared_responsibility": play.text(PARENTS_SHARED),
                "if_continues": play.text(IF_CONTINUES),
                # Asked from the bully's second recurrence on (ignored before).
                "outside_help_advice": "De school raadt de ouders dringend aan hulp van "
                "buitenaf te zoeken, bijvoorbeeld via het Centrum voor Jeugd en Gezin.",
                "outside_help_response": "De ouders nemen deze week contact op met het CJG.",
            },
            staff=[play.teacher, ib],
            guardians=self._custody(play.bully),
        )

    def _talk_victim_parents(self, play: _Play) -> None:
        self._record(
            play,
            TalkKind.VICTIM_PARENTS,
            {
                "how_is_it_now": play.text(VICTIM_PARENTS_NOW),
                "next_steps": play.text(VICTIM_PARENTS_NEXT),
            },
            pupils=[play.victim],
            guardians=self._custody(play.victim),
        )

    # --- the summary --------------------------------------------------------------------

    def _report(self, board: SchoolBoard) -> None:
        out = self.stdout
        out.write("")
        out.write(f"{'gebruikersnaam':<16}  {'rol':<40}  school")
        out.write(f"{'-' * 16}  {'-' * 40}  {'-' * 20}")
        memberships = (
            Membership.objects.filter(school__board=board, user__username__in=STAFF)
            .select_related("user", "school")
            .order_by("school_id", "pk")
        )
        order = list(STAFF)
        for m in sorted(memberships, key=lambda m: order.index(m.user.username)):
            role = str(m.get_role_display())
            if m.role == Role.TEACHER:
                groepen = SchoolClass.objects.filter(school=m.school, teachers=m.user)
                role += f" ({', '.join(c.name for c in groepen.order_by('name'))})"
            elif m.role == Role.ADMIN:
                role += f" (beheer: {reverse('schools:home')})"
            elif m.role == Role.COORDINATOR:
                role += f" ({reverse('reports:school')})"
            elif m.role == Role.BOARD:
                role = f"bestuur ({reverse('reports:board')})"
                out.write(f"{m.user.username:<16}  {role:<40}  {board.name}")
                continue
            out.write(f"{m.user.username:<16}  {role:<40}  {m.school.name}")
        out.write(
            f"{APPLICATION_MANAGER:<16}  {'applicatiebeheer (' + reverse('admin:index') + ')':<40}"
            f"  {board.name}"
        )
        out.write(f"wachtwoord: {PASSWORD}")
        out.write("")
        pupils = Pupil.objects.filter(school__board=board)
        guardians = Guardian.objects.filter(pupils__school__board=board).distinct()
        out.write(f"Leerlingen: {pupils.count()}, ouders/verzorgers: {guardians.count()}")
        for school in board.schools.order_by("name"):
            counts = dict(
                Case.objects.filter(school=school)
                .order_by()
                .values_list("state")
                .annotate(n=Count("pk"))
            )
            per_state = ", ".join(f"{s} {counts[s]}" for s in State.values if s in counts)
            out.write(f"Casussen {school.name} ({sum(counts.values())}): {per_state}")
