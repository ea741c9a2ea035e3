"""Files in the media store that no row refers to, and their removal.

A service writes a file before its transaction commits (``cases.uploads.files_with_rows``)
and removes it when its own block fails. What that cannot see leaves a file no row
refers to: a rollback of an outer transaction after the service returned, a worker
killed outright, a retention purge whose file deletion after the commit was cut short.
Retention would never delete such a file, so this sweep does.

A file counts as an orphan when no ``FileField`` of any model names it and it is older
than ``min_age`` (a day by default): a younger one may belong to a transaction that is
still running. Hidden files (a ``.gitkeep``) are left alone. Stored names are random
ids, so the report names no pupil.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

MIN_AGE = datetime.timedelta(hours=24)


def stored_names(storage=default_storage, path: str = "") -> Iterator[str]:
    """Every file under ``path`` in ``storage``, walked with the storage API."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:  # nothing was ever stored
        return
    prefix = f"{path}/" if path else ""
    for name in sorted(files):
        if not name.startswith("."):
            yield prefix + name
    for directory in sorted(directories):
        yield from stored_names(storage, prefix + directory)


def referenced_names() -> set[str]:
    """The names held by every ``FileField`` of every model (all share the default storage)."""
    names = set()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                rows = model._base_manager.exclude(**{f.attname: ""}).exclude(
                    **{f"{f.attname}__isnull": True}
                )
                names.update(rows.values_list(f.attname, flat=True).iterator())
    return names


@dataclass
class OrphanReport:
    """What the sweep found (and removed, when ``applied``)."""

    applied: bool
    min_age: datetime.timedelta
    stored: int = 0
    referenced: int = 0
    fresh: int = 0
    orphans: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        hours = f"{self.min_age.total_seconds() / 3600:g}"
        mode = "APPLIED" if self.applied else "DRY RUN (nothing changed; --apply to remove them)"
        verb = "removed" if self.applied else "to remove"
        return [
            f"Orphan files: {mode}",
            f"Files in the media store: {self.stored}; referenced by a row: {self.referenced}; "
            f"unreferenced but younger than {hours} hours (left alone): {self.fresh}",
            f"Orphan files older than {hours} hours, {verb}: {len(self.orphans)}",
            *(f"  {name}" for name in self.orphans),
        ]


def purge_orphan_files(
    *, apply: bool = False, min_age: datetime.timedelta = MIN_AGE, storage=default_storage
) -> OrphanReport:
    """Find the files no row refers to that are older than ``min_age``; remove them with
    ``apply``. Without it nothing changes."""
    report = OrphanReport(applied=apply, min_age=min_age)
    # Listed before the rows are read: a file that gets its row in between is referenced.
    names = list(stored_names(storage))
    referenced = referenced_names()
    cutoff = timezone.now() - min_age
    report.stored = len(names)
    for name in names:
        if name in referenced:
            report.referenced += 1
        elif storage.get_modified_time(name) > cutoff:
            report.fresh += 1
        else:
            report.orphans.append(name)
    if apply:
        for name in report.orphans:
            storage.delete(name)
    return report
