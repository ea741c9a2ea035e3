"""Documents made from a case: the plan van aanpak as PDF (A4, WeasyPrint).

HTML template in, PDF bytes out. Storing the PDF (once, with its SHA-256) is the
service's job (``services._plan_lock``); this module only renders. The same
template body serves the print view for parents, so paper and PDF agree.
"""

import atexit
import base64
import threading
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

STATIC_DIR = Path(settings.BASE_DIR) / "static"
FONT_CSS = STATIC_DIR / "vendor" / "noto-sans" / "noto-sans.css"
DOCUMENT_CSS = STATIC_DIR / "css" / "plan_document.css"


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
    signatories = [
        {"signatory": s, "src": signature_src(s) if s.method == "screen" else None}
        for s in plan.signatories.select_related("scan")
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


_local = threading.local()
# Let go of the fonts before the interpreter tears WeasyPrint down.
atexit.register(lambda: _local.__dict__.clear())


def _stylesheets():
    """The fonts and the document's CSS, parsed once per thread: loading the fonts is a
    good part of a render, and WeasyPrint's font configuration is not shared between
    threads."""
    if not hasattr(_local, "resources"):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        sheets = [
            CSS(filename=str(path), font_config=font_config) for path in (FONT_CSS, DOCUMENT_CSS)
        ]
        _local.resources = (font_config, sheets)
    return _local.resources


def render_plan_pdf(plan) -> bytes:
    """The plan as an A4 PDF: every section, a signature block per signatory, page numbers."""
    from weasyprint import HTML  # slow to import: only when a PDF is made

    context = plan_context(plan, signature_src=_embedded_signature)
    context["for_pdf"] = True
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("cases/plan/document.html", context)
    font_config, sheets = _stylesheets()
    return HTML(string=html, base_url=STATIC_DIR.as_uri() + "/").write_pdf(
        stylesheets=sheets, font_config=font_config
    )
