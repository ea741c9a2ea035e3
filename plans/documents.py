"""The plan van aanpak as a document: its content, the PDF and the print view for parents.

Storing the plan PDF (once, with its SHA-256) is the service's job
(``plans.services._plan_lock``); this module only renders, through the one renderer
``cases.documents.render_pdf``. The same template body serves the print view for parents,
so paper and PDF agree.
"""

import base64

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases.documents import render_pdf

PLAN_STYLESHEETS = ("vendor/noto-sans/noto-sans.css", "css/plan_document.css")


def plan_context(plan, *, signature_src) -> dict:
    """What the plan document shows. ``signature_src(signatory)`` gives an image source."""
    case = plan.case
    case_pupils = list(case.case_pupils.select_related("pupil", "pupil__school_class"))
    guardians = []
    for cp in case_pupils:
        for relation in cp.pupil.guardian_relations.select_related("guardian").order_by("pk"):
            guardians.append(
                {
                    "name": str(relation.guardian),
                    "relation": relation.get_relation_display(),
                    "pupil": cp.pupil.first_name,
                    "custody": relation.has_custody,
                }
            )
    staff = []
    for label, user in (
        (_("leerkracht"), case.responsible_teacher),
        (_("intern begeleider"), case.ib),
        (_("schoolmaatschappelijk werker"), case.smw),
    ):
        if user is not None:
            staff.append({"role": label, "name": user.get_full_name() or user.username})
    # The anti-pestcoördinator is the parents' named contact (Wet veiligheid op school).
    for name in case.school.contact_names():
        staff.append({"role": _("anti-pestcoördinator (aanspreekpunt voor ouders)"), "name": name})
    signatories = [
        {"signatory": s, "src": signature_src(s) if s.method == "screen" else None}
        for s in plan.signatories.select_related("scan", "recorded_by")
    ]
    return {
        "plan": plan,
        "case": case,
        "school": case.school,
        "case_pupils": case_pupils,
        "guardians": guardians,
        "staff": staff,
        "agreements": list(plan.party_agreements.select_related("pupil")),
        "talks": list(plan.talks.all()),
        "activities": plan.activity_labels(),
        "signatories": signatories,
    }


def _embedded_signature(signatory) -> str:
    with signatory.signature.open("rb") as handle:
        data = base64.b64encode(handle.read()).decode("ascii")
    return f"data:image/png;base64,{data}"


# --- the plan van aanpak ----------------------------------------------------------------------


def render_plan_pdf(plan) -> bytes:
    """The plan as an A4 PDF: every section, a signature block per signatory, page numbers."""
    context = plan_context(plan, signature_src=_embedded_signature)
    context["for_pdf"] = True
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("plans/document.html", context)
    return render_pdf(html, stylesheets=PLAN_STYLESHEETS)
