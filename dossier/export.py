"""Right of access (inzage): one pupil's dossier as a PDF for the parents (A4, WeasyPrint).

Other pupils never appear by name: each one gets a letter ("leerling A", "leerling
B", ...) that stays the same throughout one export, in the structured parts and,
as well as a text substitution can manage, in free text. Confidential notes of a
talk are never printed. Only the talks the pupil or the pupil's own guardians took
part in go in: a talk with another pupil's family is that family's, and a talk that
is only planned has had nobody in it yet. HTML template in, PDF bytes out; the view decides who may
ask for it.

The export is a document one school issues: it holds only that school's cases,
talks, history and dossier entries. A pupil who moved to another school of the board
takes nothing along; the old school exports its own part.
"""

import re
import string
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.documents import render_pdf
from cases.models import Case, CasePupil, StateChange, Talk, TalkVersion
from cases.talks import QUESTIONS, TalkKind
from dossier.models import DossierEntry


def _letter(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, ..."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = string.ascii_uppercase[rest] + letters
    return letters


@dataclass
class Pseudonyms:
    """Letters for the other pupils of one export, and a best-effort text scrubber."""

    pupil: object
    letters: dict[int, str] = field(default_factory=dict)
    _names: dict[int, object] = field(default_factory=dict)
    _replacements: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern | None = None

    def add(self, other) -> None:
        if other.pk != self.pupil.pk and other.pk not in self.letters:
            self.letters[other.pk] = _("leerling %(letter)s") % {
                "letter": _letter(len(self.letters))
            }
            self._names[other.pk] = other
            self._pattern = None

    def name(self, pupil) -> str:
        """The pupil's own name, or the letter of another pupil."""
        if pupil.pk == self.pupil.pk:
            return pupil.full_name
        self.add(pupil)
        return self.letters[pupil.pk]

    def scrub(self, text: str) -> str:
        """Replace other pupils' full and first names in ``text`` by their letter.

        Full names go first (longest first), then first names. A first name the pupil
        shares with another pupil is left alone: it most likely means the pupil.
        """
        if not text or not self.letters:
            return text or ""
        if self._pattern is None:
            self._replacements = {}
            own_first = self.pupil.first_name.casefold()
            for pk, other in self._names.items():
                self._replacements.setdefault(other.full_name.casefold(), self.letters[pk])
            for pk, other in self._names.items():
                first = other.first_name.casefold()
                if first and first != own_first:
                    self._replacements.setdefault(first, self.letters[pk])
            names = sorted((n for n in self._replacements if n.strip()), key=len, reverse=True)
            if not names:
                return text
            alternatives = "|".join(r"\s+".join(map(re.escape, n.split())) for n in names)
            self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

        def replace(match):
            key = " ".join(match.group(0).split()).casefold()
            return self._replacements.get(key, match.group(0))

        return self._pattern.sub(replace, text)


def _answers(version, pseudonyms: Pseudonyms) -> list[dict]:
    """The answers of a talk version as (question, answer) in the order of the questions."""
    questions = {q.key: q for q in QUESTIONS[version.talk.kind]}
    rows = []
    for key, question in questions.items():
        value = str(version.answers.get(key, "")).strip()
        if not value:
            continue
        if question.choices:
            value = str(dict(question.choices).get(value, value))
        rows.append({"question": str(question.label), "answer": pseudonyms.scrub(value)})
    for key, value in version.answers.items():  # answers to questions no longer asked
        if key not in questions and str(value).strip():
            rows.append({"question": key, "answer": pseudonyms.scrub(str(value))})
    return rows


# Who a talk of each kind is held with, by role in the case, for a talk recorded without
# naming anyone present (the stap 1 talk is with the victim even when nobody ticked it).
# A talk with parents is never implied: it goes in only with the pupil's own guardian.
IMPLIED_ROLES = {
    TalkKind.VICTIM: {CasePupil.Role.VICTIM},
    TalkKind.ONE_OFF: {CasePupil.Role.VICTIM, CasePupil.Role.BULLY},
    TalkKind.ONE_OFF_REVIEW: {CasePupil.Role.VICTIM, CasePupil.Role.BULLY},
    TalkKind.BULLY: {CasePupil.Role.BULLY},
    TalkKind.REFLECTION: {CasePupil.Role.BULLY},
}


def took_part(version, pupil, own_guardians: set[int], role: str | None = None) -> bool:
    """Whether ``pupil`` or one of the pupil's own guardians was at this talk version:
    only those talks go into the pupil's right-of-access export.

    Who was present, as recorded, decides. A talk recorded with nobody named counts
    for the pupil whose role the talk's kind is held with (``IMPLIED_ROLES``)."""
    pupils, guardians = list(version.pupils.all()), list(version.guardians.all())
    if pupils or guardians:
        return any(p.pk == pupil.pk for p in pupils) or any(
            g.pk in own_guardians for g in guardians
        )
    return role in IMPLIED_ROLES.get(version.talk.kind, ())


def _staff_name(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def dossier_context(pupil, *, school=None, today=None) -> dict:
    """Everything the export by ``school`` (the pupil's current school unless given) shows,
    names of other pupils already replaced by letters."""
    school = school or pupil.school
    pseudonyms = Pseudonyms(pupil)
    # Everything in one round of queries, however long the history: the cases with their
    # pupils, every talk with every version (and who was there), the history rows.
    versions = TalkVersion.objects.select_related("author").prefetch_related(
        "staff", "pupils", "guardians"
    )
    cases = list(
        Case.objects.filter(case_pupils__pupil=pupil, school=school)
        .select_related("school")
        .prefetch_related(
            Prefetch(
                "case_pupils", queryset=CasePupil.objects.select_related("pupil").order_by("pk")
            ),
            Prefetch(
                "talks",
                queryset=Talk.objects.order_by("created_at", "pk").prefetch_related(
                    Prefetch("versions", queryset=versions.order_by("number"))
                ),
            ),
            Prefetch(
                "state_changes",
                queryset=StateChange.objects.select_related("by").order_by("at", "pk"),
            ),
        )
        .order_by("created_at", "pk")
        .distinct()
    )
    own_guardians = set(pupil.guardians.values_list("pk", flat=True))
    # Letters follow the order in which other pupils first appear: case by case, and
    # only in the talks that go into this export.
    for case in cases:
        role = next(cp.role for cp in case.case_pupils.all() if cp.pupil_id == pupil.pk)
        for cp in case.case_pupils.all():  # prefetched in pk order
            pseudonyms.add(cp.pupil)
        for talk in case.talks.all():
            for version in talk.versions.all():
                if not took_part(version, pupil, own_guardians, role):
                    continue
                for other in version.pupils.all():
                    pseudonyms.add(other)

    entries = list(
        DossierEntry.objects.filter(pupil=pupil, school=school)
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    sections = []
    for case in cases:
        role = next(cp for cp in case.case_pupils.all() if cp.pupil_id == pupil.pk)
        others = [
            {"name": pseudonyms.name(cp.pupil), "role": cp.get_role_display()}
            for cp in case.case_pupils.all()
            if cp.pupil_id != pupil.pk
        ]
        talks = []
        left_out = 0
        for talk in case.talks.all():
            held = talk.versions.all()
            version = held[len(held) - 1] if held else None  # the newest
            if version is None:
                # Planned, not held: nobody took part yet, and its kind alone may tell
                # about another family ("talk with the bully's parents").
                continue
            if not took_part(version, pupil, own_guardians, role.role):
                # A talk with another pupil or another pupil's family is theirs.
                left_out += 1
                continue
            present = [_staff_name(u) for u in version.staff.all()]
            present += [pseudonyms.name(p) for p in version.pupils.all()]
            present += [
                str(g) if g.pk in own_guardians else _("ouder/verzorger van een andere leerling")
                for g in version.guardians.all()
            ]
            talks.append(
                {
                    "talk": talk,
                    "version": version,
                    "answers": _answers(version, pseudonyms),
                    # Notes, yes; confidential notes never leave the school.
                    "notes": pseudonyms.scrub(version.notes),
                    "present": present,
                    "took_part": any(p.pk == pupil.pk for p in version.pupils.all()),
                }
            )
        history = [
            {
                "change": change,
                "by": _staff_name(change.by),
                "remark": pseudonyms.scrub(change.remark),
            }
            for change in case.state_changes.all()
        ]
        sections.append(
            {
                "case": case,
                "role": role.get_role_display(),
                "others": others,
                "description": pseudonyms.scrub(case.description),
                "outcome": pseudonyms.scrub(case.outcome),
                "talks": talks,
                "talks_left_out": left_out,
                "history": history,
                "has_remarks": any(row["remark"] for row in history),
                "entries": [
                    {"entry": e, "text": pseudonyms.scrub(e.text)}
                    for e in entries
                    if e.case_id == case.pk
                ],
            }
        )
    shown = {case.pk for case in cases}
    loose_entries = [
        {"entry": e, "text": pseudonyms.scrub(e.text)} for e in entries if e.case_id not in shown
    ]
    return {
        "pupil": pupil,
        "school": school,
        # The class at another school is that school's business.
        "school_class": pupil.school_class if pupil.school_id == school.pk else None,
        "exported_on": today or timezone.localdate(),
        "sections": sections,
        "loose_entries": loose_entries,
        "has_others": bool(pseudonyms.letters),
        "contacts": school.contact_names(),
    }


def render_dossier_pdf(pupil, *, school=None, today=None) -> bytes:
    """The part of the pupil's dossier ``school`` holds (the pupil's current school unless
    given) as an A4 PDF for the parents, with page numbers."""
    context = dossier_context(pupil, school=school, today=today)
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("dossier/export/dossier.html", context)
    return render_pdf(html)
