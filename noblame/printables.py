"""Printables for the support group: HTML template in, A4 PDF bytes out.

- the invitation list: who is invited to the meeting, when, in which follow-up order;
- the help slips: one slip per member with that member's own ideas from the meeting.

The support group gets these on paper, so what the victim asked to keep
confidential may never be on them. Their context is built only from the group,
the meeting and its ideas (never from the talk with the victim), and as a second
line every text is scrubbed of the victim's confidential agreements, in case one
was copied into an idea. Titles and file names carry the case reference only,
never a pupil's name.
"""

import re

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.documents import render_pdf
from noblame.models import Traject

REDACTED = "[vertrouwelijk]"
# A confidential phrase is scrubbed when it is at least this long; shorter
# fragments ("thuis") would blank out ordinary words.
MIN_PHRASE = 12


def _confidential_phrases(traject: Traject) -> list[str]:
    """Every line and sentence of every version of the victim's confidential agreements."""
    phrases = set()
    for text in traject.victim_talks.values_list("confidential_agreements", flat=True):
        for line in text.splitlines():
            for part in [line, *re.split(r"(?<=[.!?;])\s+", line)]:
                part = part.strip(" \t.!?;:-–•*")
                if len(part) >= MIN_PHRASE:
                    phrases.add(part)
    return sorted(phrases, key=len, reverse=True)


def _scrubber(traject: Traject):
    patterns = [re.compile(re.escape(p), re.IGNORECASE) for p in _confidential_phrases(traject)]

    def scrub(text: str) -> str:
        for pattern in patterns:
            text = pattern.sub(REDACTED, text)
        return text

    return scrub


def _coordinator_name(traject: Traject) -> str:
    person = traject.case.smw or traject.case.ib
    return (person.get_full_name() or person.username) if person else ""


def invitation_available(traject: Traject) -> bool:
    return traject.group_members.exists()


def slips_available(traject: Traject) -> bool:
    meeting = traject.latest_meeting()
    return meeting is not None and meeting.ideas.exists()


def filename(kind: str, traject: Traject) -> str:
    """``steungroep-uitnodiging-2026-014.pdf``: the case reference, never a name."""
    word = {"invitation": "uitnodiging", "slips": "hulpbriefjes"}[kind]
    return f"steungroep-{word}-{traject.case.reference}.pdf"


def invitation_list_context(traject: Traject) -> dict:
    scrub = _scrubber(traject)
    current = traject.current_round
    return {
        "title": _("Uitnodiging steungroep, casus %(ref)s") % {"ref": traject.case.reference},
        "school": traject.case.school.name,
        "reference": traject.case.reference,
        "round": traject.round,
        "meeting_on": current.meeting_planned_on if current else None,
        "coordinator": scrub(_coordinator_name(traject)),
        "members": [
            {
                "position": m.position,
                "name": scrub(m.pupil.full_name),
                "groep": scrub(m.pupil.school_class.name) if m.pupil.school_class else "",
            }
            for m in traject.members()
        ],
        "printed_on": timezone.localdate(),
    }


def help_slips_context(traject: Traject) -> dict:
    scrub = _scrubber(traject)
    meeting = traject.latest_meeting()
    ideas: dict[int, list[str]] = {}
    for idea in meeting.ideas.order_by("pk"):
        ideas.setdefault(idea.member_id, []).append(scrub(idea.text))
    current = meeting.round
    return {
        "title": _("Hulpbriefjes steungroep, casus %(ref)s") % {"ref": traject.case.reference},
        "reference": traject.case.reference,
        "coordinator": scrub(_coordinator_name(traject)),
        "follow_up_by": current.group_follow_up_due,
        "slips": [
            {"first_name": scrub(m.pupil.first_name), "ideas": ideas[m.pk]}
            for m in traject.members()
            if m.pk in ideas
        ],
    }


def _pdf(template: str, context: dict) -> bytes:
    return render_pdf(render_to_string(template, context))


def invitation_list_pdf(traject: Traject) -> bytes:
    return _pdf("noblame/print/invitation_list.html", invitation_list_context(traject))


def help_slips_pdf(traject: Traject) -> bytes:
    return _pdf("noblame/print/help_slips.html", help_slips_context(traject))
