"""Read-only queries behind the No Blame list: the next date of every running traject
computed in SQL, so the list is ordered and paged in the database (a fixed number of
queries, however many trajects there are).

``next_due_rows`` gives the same answer as ``Traject.next_due`` (the earliest date to keep
an eye on, with what happens then), for a whole page of trajects at once.
"""

import datetime

from django.db.models import Case, DateField, Exists, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from noblame.models import (
    CheckIn,
    FollowUpTalk,
    Round,
    SupportGroupMember,
    TrajectState,
    VictimTalk,
)

# The candidate dates of ``Traject.next_due``, in the order it breaks ties, with what happens.
DUE_DATES = {
    "due_check_in": lambda: _("terugkomen op de opdracht"),
    "due_meeting": lambda: _("bijeenkomst van de steungroep"),
    "due_victim": lambda: _("nabespreking met de gepeste leerling"),
    "due_group": lambda: _("nabesprekingen met de steungroep"),
}


def _earliest(a, b):
    """The earlier of two dates that may be NULL (LEAST alone is NULL on SQLite then)."""
    return Least(Coalesce(a, b), Coalesce(b, a))


def _dates(today: datetime.date) -> dict:
    """The SQL expressions behind ``Traject.next_due``, on a traject queryset."""
    current = Round.objects.filter(traject=OuterRef("pk"), number=OuterRef("round"))
    member_talked = FollowUpTalk.objects.filter(
        round__traject=OuterRef("traject"),
        round__number=OuterRef(OuterRef("round")),
        member=OuterRef("pk"),
    )
    check_in = Subquery(
        VictimTalk.objects.filter(traject=OuterRef("pk"))
        .order_by("-number")
        .values("check_in_on")[:1],
        output_field=DateField(),
    )
    return {
        # Coming back on the victim's assignment: due until the check-in is recorded.
        "check_in": Case(
            When(~Exists(CheckIn.objects.filter(traject=OuterRef("pk"))), then=check_in),
            output_field=DateField(),
        ),
        "meeting": Subquery(current.values("meeting_planned_on")[:1]),
        # The follow-up with the victim: until it was held in the current round.
        "victim": Case(
            When(
                ~Exists(
                    FollowUpTalk.objects.filter(
                        round__traject=OuterRef("pk"),
                        round__number=OuterRef("round"),
                        member__isnull=True,
                    )
                ),
                then=Subquery(current.values("victim_follow_up_due")[:1]),
            ),
            output_field=DateField(),
        ),
        # The follow-ups with the group: until every member had theirs.
        "group": Case(
            When(
                Exists(
                    SupportGroupMember.objects.filter(traject=OuterRef("pk")).exclude(
                        Exists(member_talked)
                    )
                ),
                then=Subquery(current.values("group_follow_up_due")[:1]),
            ),
            output_field=DateField(),
        ),
    }


# Which of those dates count in which phase (the others are not looked at).
PHASE_DATES = {
    TrajectState.VICTIM_ASSIGNMENT: ("check_in",),
    TrajectState.GROUP_FORMED: ("check_in", "meeting"),
    TrajectState.GROUP_MEETING: ("meeting",),
    TrajectState.FOLLOW_UP: ("victim", "group"),
}


def by_next_due(trajects: QuerySet, today: datetime.date | None = None) -> QuerySet:
    """``trajects`` annotated with ``next_on``, the date of ``Traject.next_due``: only the
    dates of the traject's phase are computed, so a long list sorts cheaply."""
    dates = _dates(today or timezone.localdate())
    whens = []
    for phase, names in PHASE_DATES.items():
        first, *rest = (dates[name] for name in names)
        whens.append(When(state=phase, then=_earliest(first, rest[0]) if rest else first))
    return trajects.annotate(next_on=Case(*whens, output_field=DateField()))


def with_next_due(trajects: QuerySet, today: datetime.date | None = None) -> QuerySet:
    """``trajects`` (a page of them) annotated with every date of ``Traject.next_due`` that
    counts in its phase (``due_<name>``, NULL otherwise), for ``next_due`` below."""
    dates = _dates(today or timezone.localdate())
    return trajects.annotate(
        **{
            f"due_{name}": Case(
                When(state__in=[p for p, names in PHASE_DATES.items() if name in names], then=date),
                output_field=DateField(),
            )
            for name, date in dates.items()
        }
    )


def next_due(traject) -> tuple[str, datetime.date] | None:
    """(what, date) of a traject from ``with_next_due``, as ``Traject.next_due`` says it."""
    found = [
        (label(), getattr(traject, name))
        for name, label in DUE_DATES.items()
        if getattr(traject, name) is not None
    ]
    return min(found, key=lambda item: item[1]) if found else None
