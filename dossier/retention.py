"""Retention: remove or anonymise the case data of pupils who left the school long enough ago.

A pupil *expired* when they left (``Pupil.left_on``) more than ``years`` years ago
(``settings.RETENTION_YEARS`` unless given). Then:

- a case all of whose pupils expired is deleted with everything that hangs on it
  (talks, versions, history, plans, signatures, stored PDFs, evidence, dossier
  entries, notifications, the No Blame traject, ...), files included;
- a case that still has a current pupil is kept; the expired pupil is anonymised in it;
- every expired pupil is anonymised, their dossier entries are deleted, their
  guardian relations removed, and a guardian with no current pupil left is deleted
  (or anonymised, when a kept record such as a signature on a kept plan needs the row).

Many foreign keys are ``PROTECT`` on purpose and new models keep arriving, so the
deletion is generic: it walks every reverse relation of an object (hidden ones
too) to delete dependents first, notes the files of every ``FileField`` on the
way, and deletes files only after the transaction committed. A dry run computes
the very same plan and changes nothing.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone

from cases.models import Case, CasePupil
from dossier.models import DossierEntry
from schools.models import Guardian, GuardianRelation, Pupil

ANONYMOUS_FIRST_NAME = "Oud-leerling"
ANONYMOUS_GUARDIAN_FIRST_NAME = "Oud-ouder"

# Reverse relations whose rows must go before (or with) the object they point to.
_DELETING = (models.CASCADE, models.PROTECT, models.RESTRICT)


def cutoff_date(years: int, today: datetime.date) -> datetime.date:
    """``today`` minus ``years`` years (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _is_anonymous(pupil: Pupil) -> bool:
    return pupil.first_name == ANONYMOUS_FIRST_NAME and pupil.last_name == f"#{pupil.pk}"


class _Walk:
    """Objects to delete, dependents before the objects they depend on (post-order)."""

    def __init__(self):
        self.order: list[models.Model] = []
        self._seen: set[tuple[str, object]] = set()

    def __contains__(self, obj) -> bool:
        return _key(obj) in self._seen

    def add(self, obj: models.Model) -> None:
        key = _key(obj)
        if key in self._seen:
            return
        self._seen.add(key)
        for child in dependents(obj):
            self.add(child)
        self.order.append(obj)

    def files(self) -> list[tuple[object, str]]:
        """(storage, name) of every stored file of every object to delete."""
        found = {}
        for obj in self.order:
            for f in obj._meta.concrete_fields:
                if isinstance(f, models.FileField):
                    value = getattr(obj, f.attname)
                    if value:
                        found[(id(f.storage), str(value))] = (f.storage, str(value))
        return list(found.values())


def _key(obj) -> tuple[str, object]:
    return (obj._meta.concrete_model._meta.label_lower, obj.pk)


def _reverse_relations(model) -> list[ForeignObjectRel]:
    """Every relation pointing at ``model`` that holds rows of its own (not M2M link rows:
    deleting the object removes those)."""
    return [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if isinstance(rel, ForeignObjectRel)
        and not rel.many_to_many
        and not rel.related_model._meta.auto_created
        and rel.on_delete in _DELETING
    ]


def dependents(obj: models.Model) -> list[models.Model]:
    """The rows that point at ``obj`` and go when it goes (CASCADE) or stop it (PROTECT)."""
    found = []
    for rel in _reverse_relations(type(obj)):
        manager = rel.related_model._base_manager
        found.extend(manager.filter(**{rel.field.name: obj}).order_by("pk"))
    return found


def _blocked_by_kept(obj: models.Model, walk: _Walk) -> bool:
    """Would deleting ``obj`` take a PROTECTed row with it that is not being deleted anyway?"""
    for rel in _reverse_relations(type(obj)):
        if rel.on_delete is models.CASCADE:
            continue
        for row in rel.related_model._base_manager.filter(**{rel.field.name: obj}):
            if row not in walk:
                return True
    return False


@dataclass
class PurgeReport:
    """What a purge does (or would do). Ids and counts only, never a name."""

    years: int
    cutoff: datetime.date
    applied: bool
    expired_pupils: list[int] = field(default_factory=list)
    anonymised_pupils: list[int] = field(default_factory=list)
    deleted_cases: list[int] = field(default_factory=list)
    kept_cases: list[int] = field(default_factory=list)
    deleted_guardians: list[int] = field(default_factory=list)
    anonymised_guardians: list[int] = field(default_factory=list)
    deleted: Counter = field(default_factory=Counter)
    files: int = 0
    log_entries: int = 0

    def lines(self) -> list[str]:
        def ids(values):
            return ", ".join(str(v) for v in sorted(values)) or "-"

        mode = "APPLIED" if self.applied else "DRY RUN (nothing changed; --apply to carry out)"
        out = [
            f"Retention purge: {mode}",
            f"Retention: {self.years} years; pupils who left before {self.cutoff:%Y-%m-%d}",
            f"Expired pupils: {len(self.expired_pupils)} (ids: {ids(self.expired_pupils)})",
            f"Pupils anonymised: {len(self.anonymised_pupils)} "
            f"(ids: {ids(self.anonymised_pupils)})",
            f"Cases deleted: {len(self.deleted_cases)} (ids: {ids(self.deleted_cases)})",
            f"Cases kept (a current pupil is in them): {len(self.kept_cases)} "
            f"(ids: {ids(self.kept_cases)})",
            f"Guardians deleted: {len(self.deleted_guardians)} "
            f"(ids: {ids(self.deleted_guardians)})",
            f"Guardians anonymised (a kept record refers to them): "
            f"{len(self.anonymised_guardians)} (ids: {ids(self.anonymised_guardians)})",
            "Rows deleted per kind:",
        ]
        out += [f"  {label}: {n}" for label, n in sorted(self.deleted.items())] or ["  (none)"]
        out.append(f"Files deleted from storage: {self.files}")
        if apps.is_installed("auditlog"):
            out.append(f"Audit log entries removed: {self.log_entries}")
        return out


def purge_expired(*, years: int | None = None, apply: bool = False, today=None) -> PurgeReport:
    """Remove or anonymise the data of pupils who left more than ``years`` years ago.

    Without ``apply`` nothing changes: the report says what would happen.
    """
    years = settings.RETENTION_YEARS if years is None else years
    if years < 1:
        raise ValueError("The retention period is at least one year.")
    today = today or timezone.localdate()
    report = PurgeReport(years=years, cutoff=cutoff_date(years, today), applied=apply)
    if not apply:
        _plan(report)
        return report
    with transaction.atomic():
        walk, anonymise_guardians = _plan(report)
        _carry_out(report, walk, anonymise_guardians)
    return report


def _plan(report: PurgeReport) -> tuple[_Walk, list[Guardian]]:
    """Work out everything the purge does, without changing anything."""
    expired = list(Pupil.objects.filter(left_on__lt=report.cutoff).order_by("pk"))
    expired_ids = {p.pk for p in expired}
    report.expired_pupils = sorted(expired_ids)
    report.anonymised_pupils = [p.pk for p in expired if not _is_anonymous(p)]

    walk = _Walk()
    touched = Case.objects.filter(case_pupils__pupil_id__in=expired_ids).distinct().order_by("pk")
    for case in touched:
        pupil_ids = set(CasePupil.objects.filter(case=case).values_list("pupil_id", flat=True))
        if pupil_ids <= expired_ids:
            report.deleted_cases.append(case.pk)
            walk.add(case)
        else:
            report.kept_cases.append(case.pk)
    for entry in DossierEntry.objects.filter(pupil_id__in=expired_ids).order_by("pk"):
        walk.add(entry)
    for relation in GuardianRelation.objects.filter(pupil_id__in=expired_ids).order_by("pk"):
        walk.add(relation)

    anonymise_guardians = []
    guardians = Guardian.objects.filter(pupil_relations__pupil_id__in=expired_ids).distinct()
    for guardian in guardians.order_by("pk"):
        if guardian.pupil_relations.exclude(pupil_id__in=expired_ids).exists():
            continue  # still the parent of a current pupil
        if _blocked_by_kept(guardian, walk):
            report.anonymised_guardians.append(guardian.pk)
            anonymise_guardians.append(guardian)
        else:
            report.deleted_guardians.append(guardian.pk)
            walk.add(guardian)

    report.deleted = Counter(obj._meta.label for obj in walk.order)
    report.files = len(walk.files())
    if not report.applied:
        report.log_entries = _forget_history(_logged(report, walk, anonymise_guardians), dry=True)
    return walk, anonymise_guardians


def _logged(report: PurgeReport, walk: _Walk, anonymise_guardians: list[Guardian]) -> list:
    """(model, pk) of every object whose change history goes."""
    logged = [(type(obj), obj.pk) for obj in walk.order]
    logged += [(Pupil, pk) for pk in report.expired_pupils]
    return logged + [(Guardian, g.pk) for g in anonymise_guardians]


def _carry_out(report: PurgeReport, walk: _Walk, anonymise_guardians: list[Guardian]) -> None:
    """Delete and anonymise inside the caller's transaction; files go after the commit."""
    files = walk.files()
    logged = _logged(report, walk, anonymise_guardians)
    # Delete in walk order, a run of the same model at a time. QuerySet.delete() skips a
    # model's own delete() (a locked plan refuses it) and still refuses PROTECTed rows
    # the walk missed, so nothing outside the plan can go.
    run: list[models.Model] = []
    for obj in [*walk.order, None]:
        if run and (obj is None or type(obj) is not type(run[0])):
            type(run[0])._base_manager.filter(pk__in=[o.pk for o in run]).delete()
            run = []
        if obj is not None:
            run.append(obj)

    # update(), not save(): no signal, so no change history that spells the old name.
    for pk in report.expired_pupils:
        Pupil.objects.filter(pk=pk).update(
            first_name=ANONYMOUS_FIRST_NAME,
            last_name=f"#{pk}",
            date_of_birth=None,
            school_class=None,
        )
    for guardian in anonymise_guardians:
        Guardian.objects.filter(pk=guardian.pk).update(
            first_name=ANONYMOUS_GUARDIAN_FIRST_NAME,
            last_name=f"#{guardian.pk}",
            email="",
            phone="",
        )
    # Last: deleting and anonymising may itself have written history entries.
    report.log_entries = _forget_history(logged)

    def delete_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)


def _forget_history(objects: list[tuple[type, object]], *, dry: bool = False) -> int:
    """Remove django-auditlog's entries for these objects: their changes can carry names.

    With ``dry`` only count them."""
    if not apps.is_installed("auditlog"):
        return 0
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    by_model: dict[type, list[str]] = {}
    for model, pk in objects:
        by_model.setdefault(model, []).append(str(pk))
    removed = 0
    for model, pks in by_model.items():
        content_type = ContentType.objects.get_for_model(model)
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            entries = LogEntry.objects.filter(content_type=content_type, object_pk__in=chunk)
            removed += entries.count() if dry else entries.delete()[0]
    return removed
