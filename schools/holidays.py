"""School holidays: a talk planned in one gets a warning.

Every school follows the holidays of its region (noord, midden, zuid) unless it keeps its
own list (``SchoolHoliday``): schools set part of their holidays themselves. The regions'
defaults are the central government's school holidays for primary education; the spring
holiday and the summer holiday differ per region, the others are the same everywhere.
"""

import datetime

from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

D = datetime.date


class Region(models.TextChoices):
    NOORD = "noord", _("regio noord")
    MIDDEN = "midden", _("regio midden")
    ZUID = "zuid", _("regio zuid")


AUTUMN, CHRISTMAS, SPRING, MAY, SUMMER = (
    _("herfstvakantie"),
    _("kerstvakantie"),
    _("voorjaarsvakantie"),
    _("meivakantie"),
    _("zomervakantie"),
)

# (name, first day, last day), weekends included, for 2026-2027 and 2027-2028.
REGION_HOLIDAYS = {
    Region.NOORD: [
        (AUTUMN, D(2026, 10, 17), D(2026, 10, 25)),
        (CHRISTMAS, D(2026, 12, 19), D(2027, 1, 3)),
        (SPRING, D(2027, 2, 13), D(2027, 2, 21)),
        (MAY, D(2027, 4, 24), D(2027, 5, 2)),
        (SUMMER, D(2027, 7, 10), D(2027, 8, 22)),
        (AUTUMN, D(2027, 10, 16), D(2027, 10, 24)),
        (CHRISTMAS, D(2027, 12, 25), D(2028, 1, 9)),
        (SPRING, D(2028, 2, 19), D(2028, 2, 27)),
        (MAY, D(2028, 4, 22), D(2028, 4, 30)),
        (SUMMER, D(2028, 7, 22), D(2028, 9, 3)),
    ],
    Region.MIDDEN: [
        (AUTUMN, D(2026, 10, 17), D(2026, 10, 25)),
        (CHRISTMAS, D(2026, 12, 19), D(2027, 1, 3)),
        (SPRING, D(2027, 2, 20), D(2027, 2, 28)),
        (MAY, D(2027, 4, 24), D(2027, 5, 2)),
        (SUMMER, D(2027, 7, 24), D(2027, 9, 5)),
        (AUTUMN, D(2027, 10, 16), D(2027, 10, 24)),
        (CHRISTMAS, D(2027, 12, 25), D(2028, 1, 9)),
        (SPRING, D(2028, 2, 19), D(2028, 2, 27)),
        (MAY, D(2028, 4, 22), D(2028, 4, 30)),
        (SUMMER, D(2028, 7, 15), D(2028, 8, 27)),
    ],
    Region.ZUID: [
        (AUTUMN, D(2026, 10, 17), D(2026, 10, 25)),
        (CHRISTMAS, D(2026, 12, 19), D(2027, 1, 3)),
        (SPRING, D(2027, 2, 6), D(2027, 2, 14)),
        (MAY, D(2027, 4, 24), D(2027, 5, 2)),
        (SUMMER, D(2027, 7, 17), D(2027, 8, 29)),
        (AUTUMN, D(2027, 10, 23), D(2027, 10, 31)),
        (CHRISTMAS, D(2027, 12, 25), D(2028, 1, 9)),
        (SPRING, D(2028, 2, 26), D(2028, 3, 5)),
        (MAY, D(2028, 4, 22), D(2028, 4, 30)),
        (SUMMER, D(2028, 7, 8), D(2028, 8, 20)),
    ],
}


def holiday_on(school, day: datetime.date) -> str | None:
    """The name of the holiday of ``school`` that ``day`` falls in, or None. The school's
    own list when it keeps one, else its region's defaults."""
    own = list(school.holidays.all())
    if own:
        return _holiday_in([(h.name, h.starts_on, h.ends_on) for h in own], day)
    return _holiday_in(REGION_HOLIDAYS.get(school.holiday_region, []), day)


def holiday_annotations(school: str, day: str) -> dict:
    """``holiday_on`` inside a query, as annotations for a queryset whose rows have a school
    (the path ``school``) and a date (the field ``day``): ``own_holiday``, the school's own
    holiday on that date, and ``keeps_holidays``, whether the school keeps its own list.
    ``holiday_of`` turns them into the holiday's name, so a list of talks needs no query
    of its own for their holidays."""
    # From the registry: ``schools.models`` imports this module.
    own = apps.get_model("schools", "SchoolHoliday").objects.filter(school=OuterRef(school))
    return {
        "own_holiday": Subquery(
            own.filter(starts_on__lte=OuterRef(day), ends_on__gte=OuterRef(day)).values("name")[:1]
        ),
        "keeps_holidays": Exists(own),
    }


def holiday_of(school, row, day: datetime.date) -> str | None:
    """The holiday of ``day`` at ``school`` from a row with ``holiday_annotations``."""
    if day is None:
        return None
    if row.keeps_holidays:
        return row.own_holiday
    return _holiday_in(REGION_HOLIDAYS.get(school.holiday_region, []), day)


def _holiday_in(periods, day: datetime.date) -> str | None:
    for name, first, last in periods:
        if first <= day <= last:
            return str(name)
    return None
