"""Read-only queries behind the lists, the dashboard, "Te doen" and the case timeline.

Every function starts from ``access.visible_cases`` (or a case the caller already
fetched through it) and runs a fixed number of SQL queries, however many cases
there are: related rows come with ``select_related``/``prefetch_related`` and
figures with one aggregate query each.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import hooks
from cases.access import visible_cases, visible_pupils
from cases.models import (
    DONE_STATES,
    OPEN_STATES,
    Case,
    CasePupil,
    CaseReport,
    Evidence,
    Notification,
    Place,
    State,
    StateChange,
    Talk,
    TalkVersion,
)

# Stappen in which the IB leads: the plan van aanpak and choosing the coaches.
IB_LEAD_STATES = (State.ACTION_PLAN, State.COACHING)
DUE_WITHIN_DAYS = 7


def with_list_data(cases: QuerySet) -> QuerySet:
    """Cases with what a list row shows: pupils with their class, and open planned talks."""
    return cases.select_related("school").prefetch_related(
        Prefetch(
            "case_pupils",
            queryset=CasePupil.objects.select_related("pupil__school_class").order_by(
                "role", "pupil__last_name", "pupil__first_name"
            ),
        ),
        Prefetch("talks", queryset=open_planned_talks(), to_attr="open_planned"),
    )


# The pupils beside a case reference in the lists of talks (``Case.pupils_short``): one query.
CASE_PUPILS = Prefetch("case__case_pupils", queryset=CasePupil.objects.select_related("pupil"))


def open_planned_talks() -> QuerySet:
    """Planned talks of the current cycle of an open case that have no record yet."""
    return (
        Talk.objects.filter(planned_on__isnull=False, versions__isnull=True, cycle=F("case__cycle"))
        .exclude(case__state__in=DONE_STATES)
        .order_by("planned_on", "pk")
    )


def involved_cases(user) -> QuerySet:
    """Visible cases in which ``user`` has a part: their pupils, logged by them, or named on
    the case as teacher, IB, SMW or coach."""
    own_class_cases = CasePupil.objects.filter(pupil__school_class__teachers=user).values("case_id")
    return visible_cases(user).filter(
        Q(pk__in=own_class_cases)
        | Q(logged_by=user)
        | Q(responsible_teacher=user)
        | Q(ib=user)
        | Q(smw=user)
        | Q(coach_bully=user)
        | Q(coach_victim=user)
        | Q(coach_group=user)
    )


def pupils_matching(user, text: str) -> QuerySet:
    """Visible pupils whose name holds every word of ``text`` (first or last name)."""
    pupils = visible_pupils(user)
    for word in text.split():
        pupils = pupils.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return pupils


# --- te doen ---------------------------------------------------------------------------


@dataclass
class Todo:
    overdue: list
    due: list


def todo_for(user, today: datetime.date | None = None, days: int = DUE_WITHIN_DAYS) -> Todo:
    """Planned talks of the user's cases: overdue ones and those due in the coming days."""
    today = today or timezone.localdate()
    talks = list(
        open_planned_talks()
        .filter(case__in=involved_cases(user), planned_on__lte=today + datetime.timedelta(days))
        .select_related("case", "case__school")
        .prefetch_related(CASE_PUPILS)
    )
    return Todo(
        overdue=[t for t in talks if t.is_overdue(today)],
        due=[t for t in talks if not t.is_overdue(today)],
    )


# --- dashboard -------------------------------------------------------------------------


@dataclass
class Filters:
    school_class: object = None
    state: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    pupils: list[int] = field(default_factory=list)  # ids; cases of any of them


def filtered_cases(user, filters: Filters) -> QuerySet:
    cases = visible_cases(user)
    if filters.school_class is not None:
        in_class = CasePupil.objects.filter(pupil__school_class=filters.school_class)
        cases = cases.filter(pk__in=in_class.values("case_id"))
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.date_from:
        cases = cases.filter(signal_date__gte=filters.date_from)
    if filters.date_to:
        cases = cases.filter(signal_date__lte=filters.date_to)
    if filters.pupils:
        # Only pupils the user may see: an id of another pupil must not reveal their cases.
        pupils = visible_pupils(user).filter(pk__in=filters.pupils)
        cases = cases.filter(pk__in=CasePupil.objects.filter(pupil__in=pupils).values("case_id"))
    return cases


def waiting_for_ib(user) -> QuerySet:
    """Open cases where the IB leads now, or that the user was told about and has not opened."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True).values("case_id")
    return (
        visible_cases(user)
        .filter(state__in=OPEN_STATES)
        .filter(Q(state__in=IB_LEAD_STATES) | Q(pk__in=unread))
        .order_by("created_at")
    )


def past_window(today: datetime.date) -> Q:
    """Talks past their window (``Talk.window_closes``), or past their planned date."""
    return Q(window_closes__lt=today) | Q(window_closes__isnull=True, planned_on__lt=today)


def overdue_talks(user, today: datetime.date | None = None) -> list[Talk]:
    today = today or timezone.localdate()
    return list(
        open_planned_talks()
        .filter(case__in=visible_cases(user))
        .filter(past_window(today))
        .select_related("case", "case__school")
    )


def counts_per_state(cases: QuerySet) -> list[tuple[str, str, int]]:
    """(state, label, number) for every open stap, in protocol order, zeros included."""
    found = dict(
        cases.filter(state__in=OPEN_STATES).order_by().values_list("state").annotate(n=Count("pk"))
    )
    return [(state, State(state).label, found.get(state, 0)) for state in OPEN_STATES]


def signals_per_month(cases: QuerySet, date_from=None, date_to=None) -> dict:
    """Chart data: the number of signals per month, months without signals included."""
    last = date_to or timezone.localdate()
    first = date_from or (last.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    months = []
    month = first.replace(day=1)
    while month <= last and len(months) < 36:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    rows = (
        cases.filter(signal_date__gte=months[0], signal_date__lte=last)
        .order_by()
        .annotate(month=TruncMonth("signal_date"))
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    found = {(m.year, m.month): n for m, n in rows}
    return {
        "label": _("Meldingen"),
        "labels": [_month_label(m) for m in months],
        "values": [found.get((m.year, m.month), 0) for m in months],
    }


def _month_label(month: datetime.date) -> str:
    from django.utils.formats import date_format

    return date_format(month, "M Y")


def signals_per_place(cases: QuerySet) -> dict:
    found = dict(cases.order_by().values_list("place").annotate(n=Count("pk")))
    return {
        "label": _("Meldingen"),
        "labels": [str(label) for _value, label in Place.choices],
        "values": [found.get(value, 0) for value, _label in Place.choices],
    }


# --- the case page ---------------------------------------------------------------------


@dataclass
class TimelineItem:
    on: datetime.date
    at: datetime.datetime
    kind: str
    title: str
    detail: str = ""
    url: str = ""


def case_timeline(case: Case) -> list[TimelineItem]:
    """The chronology of a case: signal, talks, transitions and documents, oldest first."""
    local = timezone.localtime
    items = [
        TimelineItem(
            case.signal_date,
            case.created_at,
            "signal",
            _("Melding: %(place)s") % {"place": case.get_place_display()},
            " — ".join(
                filter(
                    None,
                    [
                        _("Vastgelegd door %(name)s") % {"name": _person(case.logged_by)},
                        _("Aparte casus, hoewel er al een open casus was: %(why)s")
                        % {"why": case.separate_reason}
                        if case.separate_reason
                        else "",
                    ],
                )
            ),
        )
    ]
    for change in StateChange.objects.filter(case=case).select_related("by"):
        items.append(
            TimelineItem(
                local(change.at).date(),
                change.at,
                "transition",
                _("Naar %(stap)s") % {"stap": change.get_target_display()},
                " — ".join(filter(None, [_person(change.by), change.remark, change.rule_reason])),
            )
        )
    for report in CaseReport.objects.filter(case=case).select_related("logged_by"):
        items.append(
            TimelineItem(
                report.signal_date,
                report.created_at,
                "signal",
                _("Nieuwe melding: %(place)s") % {"place": report.get_place_display()},
                _("Vastgelegd door %(name)s — %(what)s")
                % {"name": _person(report.logged_by), "what": report.description},
            )
        )
    versions = TalkVersion.objects.filter(talk__case=case).select_related("talk", "author")
    for version in versions:
        items.append(
            TimelineItem(
                version.held_on,
                version.created_at,
                "talk",
                str(version.talk.get_kind_display()),
                (
                    _("versie %(n)d, vastgelegd door %(name)s")
                    if version.number > 1
                    else _("vastgelegd door %(name)s")
                )
                % {"n": version.number, "name": _person(version.author)}
                + (
                    " — "
                    + _("eerder gehouden dan de termijn: %(reason)s")
                    % {"reason": version.early_reason}
                    if version.early_reason
                    else ""
                ),
                reverse("cases:talk", args=[case.pk, version.talk.kind])
                + f"?gesprek={version.talk_id}",
            )
        )
    for evidence in Evidence.objects.filter(case=case).select_related("uploaded_by"):
        items.append(
            TimelineItem(
                local(evidence.uploaded_at).date(),
                evidence.uploaded_at,
                "document",
                _("Bewijsstuk: %(name)s") % {"name": evidence.original_name},
                _person(evidence.uploaded_by),
                reverse("cases:evidence", args=[case.pk, evidence.pk]),
            )
        )
    # The other apps' documents (the plan van aanpak's versions).
    items.extend(TimelineItem(**item) for item in hooks.ask_all("timeline", case))
    return sorted(items, key=lambda item: (item.on, item.at))


def _person(user) -> str:
    return user.get_full_name() or user.username


def earlier_cases(case: Case) -> list[CasePupil]:
    """Other cases of this case's pupils at the same school, newest first (stap 2)."""
    return list(
        CasePupil.objects.filter(pupil__in=case.pupils.all(), case__school_id=case.school_id)
        .exclude(case=case)
        .select_related("pupil", "case")
        .annotate(had_no_blame=Count("case__traject"))
        .order_by("-case__created_at", "pupil__last_name")
    )
