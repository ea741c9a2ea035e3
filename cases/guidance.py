"""Guidance shown beside each talk form, and the stap 2 decision aid.

Written in our own words from the method in the school's pestprotocol and the
No Blame guide: how to open the talk, what to ask, what to avoid. Plain data,
so a template can show it next to the form of the same kind.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from cases.talks import TalkKind


@dataclass(frozen=True)
class Guidance:
    opening: tuple
    ask: tuple
    avoid: tuple


TALK_GUIDANCE: dict[str, Guidance] = {
    TalkKind.VICTIM: Guidance(
        opening=(
            _("Zoek een rustig moment en een plek waar niemand meeluistert."),
            _("Begin bij wat u zelf hebt gezien, zodat de leerling merkt dat u het al weet."),
            _("Vraag eerst hoe het in het algemeen op school gaat; de feiten komen later."),
        ),
        ask=(
            _("Wat gebeurt er, hoe vaak en sinds wanneer?"),
            _("Op welke plekken en momenten gebeurt het?"),
            _("Wil de leerling dat het verandert? Zeg dat u weet hoe u kunt helpen."),
            _("Spreek af dat de leerling altijd bij u terecht kan."),
        ),
        avoid=(
            _("Geen verhoor: de leerling hoeft niet alles te bewijzen."),
            _("Beloof geen geheimhouding die u niet kunt waarmaken."),
            _("Geef de leerling geen schuld of opdracht om het zelf op te lossen."),
        ),
    ),
    TalkKind.ONE_OFF: Guidance(
        opening=(
            _("Breng gepeste en pester samen bij elkaar, met u als gespreksleider."),
            _("Zeg kort waarom u dit gesprek voert en dat het doel herstel is."),
        ),
        ask=(
            _("Laat de pester vertellen wat het gedrag met de ander deed."),
            _("Vraag om excuses en om een concrete afspraak hoe het niet meer gebeurt."),
            _("Vertel dat u beiden de komende twee weken in de gaten houdt."),
            _("Leg uit dat bij herhaling de volgende stappen van het protocol volgen."),
        ),
        avoid=(
            _("Dwing geen excuses af die niet gemeend zijn; vraag door naar de gevolgen."),
            _("Laat de gepeste niet alleen met de pester na het gesprek."),
        ),
    ),
    TalkKind.ONE_OFF_REVIEW: Guidance(
        opening=(
            _("Spreek beide leerlingen na ongeveer twee weken, samen of apart."),
            _("Vertel wat u zelf in de afgelopen weken hebt gezien."),
        ),
        ask=(
            _("Is het pesten echt gestopt, volgens de gepeste leerling?"),
            _("Wat gaat nu beter, en wat nog niet?"),
        ),
        avoid=(
            _("Sluit niet af op alleen het woord van de pester."),
            _("Als het doorgaat: niet opnieuw waarschuwen, maar verder met het stappenplan."),
        ),
    ),
    TalkKind.BULLY: Guidance(
        opening=(
            _("Spreek de pester alleen, rustig en duidelijk."),
            _("Benoem het gedrag en de gevolgen, niet het kind als persoon."),
        ),
        ask=(
            _("Wat heeft de leerling gedaan en wat deed dat met de ander?"),
            _("Leg uit welke stappen nu volgen en dat de ouders worden ingelicht."),
            _("Bij herhaling: bespreek wat er gebeurt als het pesten doorgaat."),
        ),
        avoid=(
            _(
                "Geen discussie over wie begon: de leerling is verantwoordelijk voor het eigen "
                "gedrag."
            ),
            _("Vermijd dreigen met straffen die niet in het plan staan."),
        ),
    ),
    TalkKind.BULLY_PARENTS: Guidance(
        opening=(
            _("Nodig de ouders uit, eventueel samen met hun kind."),
            _("Begin bij het gezamenlijke doel: een veilige groep voor ieder kind."),
        ),
        ask=(
            _("Vertel wat de school al heeft gedaan (zoals de No Blame-aanpak)."),
            _("Leg de volgende stappen uit en maak afspraken over de rol van thuis."),
            _("Bij aanhoudend pesten: adviseer dringend hulp van buitenaf."),
        ),
        avoid=(
            _("Noem geen details of namen van andere leerlingen dan nodig."),
            _("Laat het gesprek geen schuldvraag worden tussen school en ouders."),
        ),
    ),
    TalkKind.VICTIM_PARENTS: Guidance(
        opening=(
            _("Spreek de gepeste leerling samen met de ouders."),
            _("Vraag eerst hoe het nu met de leerling gaat, thuis en op school."),
        ),
        ask=(
            _("Leg uit welke maatregelen zijn genomen en welke stappen volgen."),
            _("Spreek af hoe en wanneer u elkaar op de hoogte houdt."),
            _("Gebeurt het de leerling vaker? Bespreek of hulp van buitenaf helpt."),
        ),
        avoid=(
            _("Beloof geen uitkomst die u niet in de hand hebt."),
            _("Vertel niets over de afspraken met de ouders van de pester."),
        ),
    ),
    TalkKind.REFLECTION: Guidance(
        opening=(
            _("De pester werkt een tijd buiten de groep aan een reflectie."),
            _("Geef een duidelijke opdracht: wat deed ik, hoe kan het anders?"),
        ),
        ask=(
            _("Ziet de leerling in wat hij of zij heeft gedaan?"),
            _("Belooft de leerling te stoppen, in eigen woorden?"),
            _("Waaraan gaat de gepeste merken dat het gedrag verandert?"),
            _("Kies samen de vorm van de excuses: brief, gesprek of anders."),
        ),
        avoid=(
            _("Schrijf de excuses niet voor: ze moeten van de leerling zelf komen."),
            _("Laat de excuses niet aanbieden voordat de gepeste daar klaar voor is."),
        ),
    ),
    TalkKind.GROUP_DISCUSSION: Guidance(
        opening=(
            _("Bespreek het in de klas, bijvoorbeeld in een kringgesprek."),
            _("Houd het gesprek op de groep: hoe gaan we met elkaar om?"),
        ),
        ask=(
            _("Wat heeft de groep gemerkt en wat kan iedereen doen?"),
            _("Welke afspraken maakt de groep samen?"),
        ),
        avoid=(
            _("Zet de gepeste of de pester niet voor de groep in het middelpunt."),
            _("Deel geen vertrouwelijke afspraken met de groep."),
        ),
    ),
    TalkKind.EVALUATION: Guidance(
        opening=(_("Houd het gesprek zoals gepland in het plan van aanpak."),),
        ask=(
            _("Worden de afspraken uit het plan nageleefd?"),
            _("Zijn er activiteiten nodig of kunnen ze stoppen?"),
        ),
        avoid=(_("Schuif een gepland gesprek niet stilzwijgend door; noteer een nieuwe datum."),),
    ),
    TalkKind.CLOSING: Guidance(
        opening=(_("Sluit af met iedereen die betrokken was."),),
        ask=(
            _("Is het pesten gestopt en voelt de gepeste zich weer veilig?"),
            _("Wat spreken we af als het toch weer gebeurt?"),
        ),
        avoid=(_("Sluit niet af zolang een gepland gesprek nog geen uitkomst heeft."),),
    ),
    TalkKind.OUTSIDE_HELP: Guidance(
        opening=(_("Nodig de ouders uit voor een apart gesprek over hulp buiten school."),),
        ask=(
            _("Leg uit waarom de school dit adviseert."),
            _("Noem concrete mogelijkheden en spreek af wie wat doet."),
        ),
        avoid=(_("Breng het niet als straf: het advies is bedoeld om het kind te helpen."),),
    ),
    TalkKind.OUTSIDE_HELP_VICTIM: Guidance(
        opening=(
            _("Nodig de ouders van de gepeste leerling uit voor een apart, rustig gesprek."),
            _(
                "Vertel dat hun kind nu voor de derde keer in korte tijd gepest is en dat de "
                "school daarom met hen wil kijken naar extra steun."
            ),
        ),
        ask=(
            _("Hoe gaat het thuis met het kind? Wat merken de ouders?"),
            _(
                "Zou hulp buiten school het kind sterker maken, bijvoorbeeld een "
                "weerbaarheidstraining?"
            ),
            _("Noem concrete adressen (zie hieronder) en spreek af wie het eerste contact legt."),
            _("Spreek af wanneer u elkaar weer spreekt."),
        ),
        avoid=(
            _("Leg de oorzaak niet bij het kind of bij de ouders: het pesten moet stoppen."),
            _("Beloof niet dat hulp van buitenaf de taak van de school overneemt."),
        ),
    ),
    TalkKind.OTHER: Guidance(
        opening=(_("Noteer wie erbij waren en waarom het gesprek plaatsvond."),),
        ask=(_("Vat samen wat er is besproken en afgesproken."),),
        avoid=(_("Schrijf feiten en afspraken op, geen oordelen over kinderen."),),
    ),
}


# Stap 2: telling teasing, a quarrel and bullying apart (summarised from the protocol).
DECISION_AID = (
    (
        _("Plagen"),
        (
            _("Spontaan en onschuldig, soms met humor"),
            _("Kort of af en toe"),
            _("Tussen gelijken; wie plaagt wisselt"),
            _("Beide kinderen blijven gewoon bij de groep horen"),
        ),
    ),
    (
        _("Ruzie"),
        (
            _("Gebeurt niet regelmatig"),
            _("De partijen zijn gelijk en boos op elkaar"),
            _("Uitpraten en oplossen; daarna kunnen ze weer samen verder"),
        ),
    ),
    (
        _("Pesten"),
        (
            _("Bewust en berekend: iemand wil de ander kwetsen of kleineren"),
            _("Herhaald, systematisch en langdurig"),
            _("Ongelijke strijd: macht tegenover machteloosheid"),
            _("Vaak een groep (pester en meelopers) tegen één kind"),
            _("Dezelfde kinderen zijn steeds pester en gepeste"),
        ),
    ),
)


# Where parents can find help outside school (seed 6.3, in our own words). Web addresses
# only: local numbers differ per municipality.
OUTSIDE_HELP_CONTACTS = (
    (
        _("GGD (jeugdgezondheidszorg)"),
        _(
            "De jeugdarts of jeugdverpleegkundige van de GGD denkt mee over hoe het met het "
            "kind gaat en kan doorverwijzen."
        ),
        "www.ggd.nl",
    ),
    (
        _("Centrum voor Jeugd en Gezin (CJG)"),
        _(
            "Voor vragen over opvoeden en gedrag, ook over pesten en gepest worden; vaak met "
            "trainingen voor weerbaarheid of sociale vaardigheden."
        ),
        "www.cjg.nl",
    ),
    (
        _("Bureau Halt"),
        _(
            "Voorlichting en lessen over pesten, online gedrag en de gevolgen ervan; Halt "
            "helpt ook als het pesten strafbaar is geworden."
        ),
        "www.halt.nl",
    ),
)


# Seed 5.1: digital bullying. Advice for the school, the parents and the pupil, in our own
# words; shown on the case page and printed as a leaflet for the parents.
DIGITAL_ADVICE = (
    (
        _("Voor de school"),
        (
            _("Vraag de leerlingen geregeld of ze nare berichten krijgen of zien."),
            _("Bewaar het bewijs bij de casus: schermafbeeldingen met datum en afzender."),
            _("Is duidelijk wie het doet en met welke bedoeling, volg dan het gewone stappenplan."),
            _("Zet in de bovenbouw lessen over online gedrag in, bijvoorbeeld van Bureau Halt."),
        ),
    ),
    (
        _("Voor de ouders"),
        (
            _(
                "Praat met uw kind over wat het online meemaakt, zonder meteen de telefoon af "
                "te pakken."
            ),
            _("Bedenk dat uw kind ook zelf nare berichten kan sturen; bespreek ook dat."),
            _("Bewaar alle nare berichten: maak schermafbeeldingen en gooi niets weg."),
            _("Blokkeer wie uw kind lastigvalt en meld het bij het platform."),
            _(
                "Is er sprake van bedreiging, afpersing of het delen van naaktbeelden: doe "
                "aangifte bij de politie."
            ),
            _("Vertel het de leerkracht, zodat de school mee kan helpen."),
        ),
    ),
    (
        _("Voor de leerling"),
        (
            _("Vertel het aan je vader, moeder of leerkracht als je iets naars krijgt."),
            _("Reageer niet terug, maar bewaar het bericht."),
            _("Blokkeer wie vervelend doet en verwijder zo nodig je account."),
            _(
                "Geef je naam, adres, telefoonnummer of school niet zomaar aan iemand online; "
                "overleg eerst met een ouder of de leerkracht."
            ),
        ),
    ),
)


# Stap 7: the written reflection assignment for the bully (printed), in our own words.
REFLECTION_ASSIGNMENT = (
    (
        _("Wat is er gebeurd?"),
        _("Schrijf op wat jij hebt gedaan. Vertel het eerlijk en in je eigen woorden."),
    ),
    (
        _("Wat deed het met de ander?"),
        _("Hoe denk je dat de ander zich voelde? Wat merkte je daarvan?"),
    ),
    (
        _("Wat ga ik anders doen?"),
        _("Wat doe jij voortaan als je merkt dat je weer zo wilt doen? Wie kan je helpen?"),
    ),
)
APOLOGY_PARTS = (
    _("Ik zie wat ik gedaan heb: ..."),
    _("Ik beloof dat ik stop met pesten: ..."),
    _("Zo ga je merken dat ik veranderd ben: ..."),
)
