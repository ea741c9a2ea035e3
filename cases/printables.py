"""Printables of a case for the people around it (HTML template in, A4 PDF bytes out):

- the digital-bullying leaflet for parents (seed 5.1): advice for school, parents and pupil;
- the stap 7 reflection assignment for the bully: what happened, what it did to the other,
  what I will do differently, and the apology in three parts.

Neither holds another pupil's name or anything from the case's talks: the leaflet goes
home with parents, the assignment into the bully's hands. File names carry the case
reference only.
"""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.documents import render_pdf
from cases.guidance import (
    APOLOGY_PARTS,
    DIGITAL_ADVICE,
    OUTSIDE_HELP_CONTACTS,
    REFLECTION_ASSIGNMENT,
)

# URL word -> (template, title, file name word)
PRINTABLES = {
    "digitaal-pesten": (
        "cases/print/digital_leaflet.html",
        _("Digitaal pesten: tips voor ouders"),
        "digitaal-pesten",
    ),
    "reflectie-opdracht": (
        "cases/print/reflection_assignment.html",
        _("Reflectie-opdracht"),
        "reflectie-opdracht",
    ),
}


def filename(kind: str, case) -> str:
    """``2026-014-digitaal-pesten.pdf``: the case reference, never a name."""
    return f"{case.reference}-{PRINTABLES[kind][2]}.pdf"


def render(kind: str, case) -> bytes:
    template, title, _word = PRINTABLES[kind]
    context = {
        "title": str(title),
        "reference": case.reference,
        "school": case.school.name,
        # The anti-pestcoördinator: the parents' named contact (Wet veiligheid op school).
        "school_contacts": case.school.contact_names(),
        "advice": DIGITAL_ADVICE,
        "contacts": OUTSIDE_HELP_CONTACTS,
        "questions": REFLECTION_ASSIGNMENT,
        "apology_parts": APOLOGY_PARTS,
        "printed_on": timezone.localdate(),
    }
    return render_pdf(render_to_string(template, context))
