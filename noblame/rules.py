"""Who may act on a traject (permissions) and what must be true first (guards).

Guards say in Dutch what is missing, like those of the case machine
(``cases.rules``), whose ``Guard`` and ``Permission`` are reused. Models are
imported lazily: this module is imported by ``noblame.models`` itself.
"""

from collections import Counter

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import rules as case_rules
from schools.models import Role

Guard = case_rules.Guard


class Permission(case_rules.Permission):
    """A case permission, asked of the traject's case."""

    def __call__(self, traject, user) -> bool:
        return super().__call__(traject.case, user)


# The SMW coordinates; the IB takes part from stap 2 option 3 on and may stand in.
COORDINATOR = Permission(
    [Role.SMW, Role.IB],
    _("Dit kan alleen de schoolmaatschappelijk werker of de intern begeleider."),
)
# Talks are held by the SMW, the IB or the class teacher of the case.
TALK_HOLDER = Permission(
    [Role.SMW, Role.IB, Role.TEACHER],
    _(
        "Dit kan alleen de schoolmaatschappelijk werker, de intern begeleider of de leerkracht "
        "van de casus."
    ),
)


# The support group's size: refused outside GROUP_MIN–GROUP_MAX, warned outside the advice.
GROUP_MIN, GROUP_MAX = 5, 8
GROUP_ADVISED_MIN, GROUP_ADVISED_MAX = 6, 8
# Member roles (``SupportGroupMember.Role``) that lean in: the "pesters" of the group.
RINGLEADER, FOLLOWER = "ringleader", "follower"


# --- the support group's size and mix ----------------------------------------------------


def group_refusals(size: int) -> list[str]:
    """Why a group of ``size`` pupils may not be formed (outside 5–8)."""
    if size < GROUP_MIN:
        return [
            _("Een steungroep heeft minstens %(min)d leerlingen; nu zijn het er %(n)d.")
            % {"min": GROUP_MIN, "n": size}
        ]
    if size > GROUP_MAX:
        return [
            _("Een steungroep heeft hoogstens %(max)d leerlingen; nu zijn het er %(n)d.")
            % {"max": GROUP_MAX, "n": size}
        ]
    return []


def group_warnings(roles: list[str]) -> list[str]:
    """Advice on a group with these member roles: 6–8 pupils, about half ringleaders/followers."""
    warnings = []
    size = len(roles)
    if size and not GROUP_ADVISED_MIN <= size <= GROUP_ADVISED_MAX:
        warnings.append(
            _("Aanbevolen is een groep van %(min)d tot %(max)d leerlingen; deze heeft er %(n)d.")
            % {"min": GROUP_ADVISED_MIN, "max": GROUP_ADVISED_MAX, "n": size}
        )
    counts = Counter(roles)
    leaning_in = counts[RINGLEADER] + counts[FOLLOWER]
    others = size - leaning_in
    if size and not leaning_in:
        # The school's table: the group holds "a pester" (a ringleader or a follower).
        warnings.append(
            _(
                "Er zit geen aanvoerder of meeloper in de groep. Neem minstens één leerling op "
                "die bij het pesten betrokken was; zonder hen werkt de aanpak zelden."
            )
        )
    # "Far from half": the two halves differ by more than two pupils.
    if size and abs(leaning_in - others) > 2:
        warnings.append(
            _(
                "De groep is niet in balans: %(in)s en %(out)s. Streef naar ongeveer de helft "
                "aanvoerders en meelopers en de helft omstanders en behulpzame leerlingen."
            )
            % {
                "in": ngettext(
                    "%(n)d aanvoerder of meeloper", "%(n)d aanvoerders of meelopers", leaning_in
                )
                % {"n": leaning_in},
                "out": ngettext(
                    "%(n)d omstander of behulpzame leerling",
                    "%(n)d omstanders of behulpzame leerlingen",
                    others,
                )
                % {"n": others},
            }
        )
    return warnings


# --- guards ------------------------------------------------------------------------------


def _prepared(traject) -> list[str]:
    people = traject.preparation_list()
    problems = []
    roles = {p.role for p in people}
    if "teacher" not in roles:
        problems.append(_("Voeg de leerkracht toe die meedoet."))
    if "ib" not in roles:
        problems.append(_("Voeg de intern begeleider toe die meedoet."))
    problems += [
        _("%(name)s heeft nog niet bevestigd de aanpak te kennen.")
        % {"name": p.user.get_full_name() or p.user.username}
        for p in people
        if p.confirmed_at is None
    ]
    return problems


PREPARED = Guard(_prepared)


def _victim_talk_recorded(traject) -> list[str]:
    talk = traject.victim_talk
    if talk is None:
        return [_("Leg eerst het gesprek met de gepeste leerling vast.")]
    problems = []
    if talk.wants_change != "yes":
        problems.append(
            _(
                "De leerling wil deze hulp (nog) niet. Sluit het traject af als niet effectief "
                "en noteer de reden."
            )
        )
    if not talk.approach_explained:
        problems.append(_("Leg de leerling de aanpak uit en vink dat aan in het gesprek."))
    if not talk.chosen_pupils.exists():
        problems.append(_("Kies samen met de leerling wie er in de steungroep komen."))
    return problems


VICTIM_TALK_RECORDED = Guard(_victim_talk_recorded)


def _group_complete(traject) -> list[str]:
    roles = list(traject.group_members.values_list("role", flat=True))
    return group_refusals(len(roles))


GROUP_COMPLETE = Guard(_group_complete)


def _meeting_planned(traject) -> list[str]:
    current = traject.current_round
    if current is None or current.meeting_planned_on is None:
        return [_("Plan de datum van de bijeenkomst met de steungroep.")]
    return []


MEETING_PLANNED = Guard(_meeting_planned)


def _meeting_recorded(traject) -> list[str]:
    current = traject.current_round
    meeting = current.meeting() if current else None
    if meeting is None:
        return [
            _("Leg de bijeenkomst van ronde %(n)d vast: wie er waren en hun ideeën.")
            % {"n": traject.round}
        ]
    present = list(meeting.attendees.select_related("pupil"))
    if not present:
        return [_("Geef aan wie er bij de bijeenkomst waren.")]
    with_idea = set(meeting.ideas.values_list("member_id", flat=True))
    return [
        _("Noteer het idee van %(name)s.") % {"name": m.pupil.full_name}
        for m in present
        if m.pk not in with_idea
    ]


MEETING_RECORDED = Guard(_meeting_recorded)


def _follow_ups_done(traject) -> list[str]:
    current = traject.current_round
    if current is None:
        return [_("Er is nog geen ronde gestart.")]
    problems = []
    if current.follow_up_for(None) is None:
        problems.append(_("Voer de nabespreking met de gepeste leerling."))
    talked = set(current.follow_ups.values_list("member_id", flat=True))
    problems += [
        _("Voer de nabespreking met %(name)s.") % {"name": m.pupil.full_name}
        for m in traject.members()
        if m.pk not in talked
    ]
    return problems


FOLLOW_UPS_DONE = Guard(_follow_ups_done)


def victim_says(*, improved: bool) -> Guard:
    def problems(traject):
        current = traject.current_round
        talk = current.follow_up_for(None) if current else None
        if talk is None:
            return []  # FOLLOW_UPS_DONE already asks for this talk
        if improved and talk.improved != "yes":
            return [_("Volgens de nabespreking met de gepeste leerling is het nog niet verbeterd.")]
        if not improved and talk.improved != "no":
            return [_("Volgens de nabespreking met de gepeste leerling is het verbeterd.")]
        return []

    return Guard(problems)


def _round_left(traject) -> list[str]:
    limit = traject.settings.max_rounds
    if traject.round >= limit:
        return [
            _(
                "Dit was ronde %(n)d van hoogstens %(max)d: sluit het traject af als niet "
                "effectief; de casus gaat dan naar stap 4."
            )
            % {"n": traject.round, "max": limit}
        ]
    return []


ROUND_LEFT = Guard(_round_left)

REASON_GIVEN = Guard(
    lambda traject: [] if traject.close_reason.strip() else [_("Noteer waarom u afsluit.")]
)
