"""Read-only queries behind the lists, the dashboard, "Te doen" and the case timeline.

Every function starts from ``access.visible_cases`` (or a case the caller already
fetched through it) and runs a fixed number of SQL queries, however many cases
there are: related rows come with ``select_related``/``prefetch_related`` and
figures with one aggregate query each.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import JSONArray
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import hooks
from cases.access import visible_cases, visible_cases_q, visible_pupils
from cases.models import (
    DONE_STATES,
    OPEN_STATES,
    Case,
    CasePupil,
    CaseReport,
    Evidence,
    Notification,
    Place,
    Recurrence,
    State,
    StateChange,
    Talk,
    TalkVersion,
)
from cases.paging import CAP, capped
from schools.holidays import holiday_annotations

# Stappen in which the IB leads: the plan van aanpak and choosing the coaches.
IB_LEAD_STATES = (State.ACTION_PLAN, State.COACHING)
DUE_WITHIN_DAYS = 7


def list_rows(cases: QuerySet) -> QuerySet:
    """Cases with only the columns a list row shows (``_case_table.html``), their pupils
    included (``pupil_rows``)."""
    return cases.select_related("school").only(*LIST_COLUMNS).annotate(pupil_rows=pupil_rows())


class JSONList(Aggregate):
    """The rows of a group as one JSON list (SQLite ``json_group_array``, PostgreSQL
    ``jsonb_agg``)."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def pupil_rows(case: str = "pk") -> Subquery:
    """The pupils of a case as one column of a row, ``[[first name, last name, role, class
    name, case pupil id], ...]``: of the case itself, or (``case="case_id"``) of the case
    of a talk or traject. ``Case.pupil_list``, ``Case.pupils_short`` and the template
    filter ``pupils_short`` read it: a list needs no second query for its pupils and no
    model object per pupil."""
    rows = (
        CasePupil.objects.filter(case=OuterRef(case))
        .order_by()
        .values("case")
        .annotate(
            rows=JSONList(
                JSONArray(
                    "pupil__first_name",
                    "pupil__last_name",
                    "role",
                    "pupil__school_class__name",
                    "pk",
                )
            )
        )
        .values("rows")
    )
    return Subquery(rows, output_field=JSONField())


def with_case_pupils(rows: QuerySet) -> QuerySet:
    """Talks, trajects or notifications with the pupils of their case (``case_pupil_rows``,
    for the template filter ``pupils_short``): in the same query."""
    return rows.annotate(case_pupil_rows=pupil_rows("case_id"))


def _list_prefetches() -> list[Prefetch]:
    return [
        Prefetch(
            "talks",
            queryset=open_planned_talks().only("case_id", "planned_on", "window_closes"),
            to_attr="open_planned",
        ),
    ]


def with_list_data(cases: QuerySet) -> QuerySet:
    """Cases with what a list row shows, and nothing more: pupils with their class, and the
    first open planned talk. Two queries for a page of rows, whatever its history."""
    return list_rows(cases).prefetch_related(*_list_prefetches())


def add_list_data(cases: list) -> None:
    """``with_list_data`` for cases already fetched by ``list_rows`` (several lists at
    once: one query)."""
    prefetch_related_objects(cases, *_list_prefetches())


# The columns of a case a list row shows (``_case_table.html``).
LIST_COLUMNS = ("reference", "state", "signal_date", "created_at", "cycle", "school__name")


def open_planned_talks() -> QuerySet:
    """Planned talks of the current cycle of an open case that have no record yet."""
    return (
        Talk.objects.filter(planned_on__isnull=False, recorded=False, cycle=F("case__cycle"))
        .exclude(case__state__in=DONE_STATES)
        .order_by("planned_on", "pk")
    )


def talk_rows(talks: QuerySet) -> QuerySet:
    """Planned talks with what a row of ``_todo_table.html`` shows: kind, date, case and its
    school. Lists that show the pupils too add ``with_case_pupils``."""
    return talks.select_related("case", "case__school").only(
        "kind",
        "planned_on",
        "window_closes",
        "case_id",
        "case__reference",
        "case__state",
        "case__school__name",
    )


def involved_cases(user) -> QuerySet:
    """Visible cases in which ``user`` has a part: their pupils, logged by them, or named on
    the case as teacher, IB, SMW or coach."""
    return visible_cases(user).filter(involved_q(user))


def involved_q(user, prefix: str = "") -> Q:
    """The condition of ``involved_cases`` beyond being visible, on a case or (with
    ``prefix``) on the case of a related row."""
    own_class_cases = CasePupil.objects.filter(pupil__school_class__teachers=user).values("case_id")
    involved = Q(**{f"{prefix}pk__in": own_class_cases})
    for name in INVOLVED_FIELDS:
        involved |= Q(**{f"{prefix}{name}": user})
    return involved


# The people named on a case (``involved_cases``).
INVOLVED_FIELDS = (
    "logged_by",
    "responsible_teacher",
    "ib",
    "smw",
    "coach_bully",
    "coach_victim",
    "coach_group",
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
    """Planned talks of the user's cases: the first ``CAP`` overdue and due ones, and how
    many there are of each (counted in SQL)."""

    overdue: list
    due: list
    overdue_count: int
    due_count: int


def todo_talks(user, today: datetime.date | None = None, days: int = DUE_WITHIN_DAYS) -> QuerySet:
    """Open planned talks of the user's cases up to ``days`` from ``today`` (overdue too)."""
    today = today or timezone.localdate()
    return open_planned_talks().filter(
        visible_cases_q(user, "case__"),
        involved_q(user, "case__"),
        planned_on__lte=today + datetime.timedelta(days),
    )


def todo_counts(user, today: datetime.date | None = None, *, school_wide: bool = False) -> dict:
    """{"overdue": n, "due": n} of the user's own cases, and with ``school_wide`` also
    {"school_overdue": n}, the overdue talks of every case they see: one aggregate query."""
    today = today or timezone.localdate()
    talks = open_planned_talks().filter(
        visible_cases_q(user, "case__"),
        planned_on__lte=today + datetime.timedelta(DUE_WITHIN_DAYS),
    )
    own = involved_q(user, "case__")
    late = past_window(today)
    figures = {
        "overdue": Count("pk", filter=own & late),
        "due": Count("pk", filter=own & ~late),
    }
    if school_wide:
        figures["school_overdue"] = Count("pk", filter=late)
    return talks.aggregate(**figures)


def todo_for(user, today: datetime.date | None = None, cap: int = CAP) -> Todo:
    """The Te doen lists, each capped at ``cap`` rows and counted in the same query, the
    pupils of each case in its row: two queries."""
    today = today or timezone.localdate()
    talks = with_case_pupils(talk_rows(todo_talks(user, today)))
    overdue, overdue_count = capped(talks.filter(past_window(today)), cap)
    due, due_count = capped(talks.exclude(past_window(today)), cap)
    return Todo(overdue=overdue, due=due, overdue_count=overdue_count, due_count=due_count)


# --- dashboard -------------------------------------------------------------------------


@dataclass
class Filters:
    school_class: object = None
    state: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    pupils: list[int] = field(default_factory=list)  # ids; cases of any of them


def filters_q(user, filters: Filters) -> Q:
    """The dashboard filter as a condition on ``visible_cases(user)``."""
    condition = Q()
    if filters.school_class is not None:
        in_class = CasePupil.objects.filter(pupil__school_class=filters.school_class)
        condition &= Q(pk__in=in_class.values("case_id"))
    if filters.state:
        condition &= Q(state=filters.state)
    if filters.date_from:
        condition &= Q(signal_date__gte=filters.date_from)
    if filters.date_to:
        condition &= Q(signal_date__lte=filters.date_to)
    if filters.pupils:
        # Only pupils the user may see: an id of another pupil must not reveal their cases.
        pupils = visible_pupils(user).filter(pk__in=filters.pupils)
        condition &= Q(pk__in=CasePupil.objects.filter(pupil__in=pupils).values("case_id"))
    return condition


def filtered_cases(user, filters: Filters) -> QuerySet:
    return visible_cases(user).filter(filters_q(user, filters))


def waiting_q(user) -> Q:
    """The condition of ``waiting_for_ib`` on the visible cases (for figures in one query)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True).values("case_id")
    return Q(state__in=OPEN_STATES) & (Q(state__in=IB_LEAD_STATES) | Q(pk__in=unread))


@dataclass
class Figures:
    """The dashboard's figures, all from one aggregate query over the visible cases."""

    total: int  # cases within the filter
    waiting: int  # cases waiting for the IB (not filtered: the work queue)
    per_state: list  # (state, label, number) for every open stap within the filter
    per_place: dict  # chart data: signals per place within the filter


def dashboard_figures(user, filters: Filters) -> Figures:
    within = filters_q(user, filters)
    found = visible_cases(user).aggregate(
        total=Count("pk", filter=within),
        waiting=Count("pk", filter=waiting_q(user)),
        **{f"state_{s}": Count("pk", filter=within & Q(state=s)) for s in OPEN_STATES},
        **{f"place_{p}": Count("pk", filter=within & Q(place=p)) for p in Place.values},
    )
    return Figures(
        total=found["total"],
        waiting=found["waiting"],
        per_state=[(s, State(s).label, found[f"state_{s}"]) for s in OPEN_STATES],
        per_place={
            "label": _("Meldingen"),
            "labels": [str(label) for _value, label in Place.choices],
            "values": [found[f"place_{value}"] for value in Place.values],
        },
    )


def waiting_for_ib(user) -> QuerySet:
    """Open cases where the IB leads now, or that the user was told about and has not opened."""
    return visible_cases(user).filter(waiting_q(user)).order_by("created_at", "pk")


def past_window(today: datetime.date) -> Q:
    """Talks past their window (``Talk.window_closes``), or past their planned date."""
    return Q(window_closes__lt=today) | Q(window_closes__isnull=True, planned_on__lt=today)


def overdue_talks(user, today: datetime.date | None = None) -> QuerySet:
    """Open planned talks of every visible case past their window, oldest first."""
    today = today or timezone.localdate()
    return open_planned_talks().filter(visible_cases_q(user, "case__")).filter(past_window(today))


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
    # One count per month in one pass, compared as dates (no month function called per row:
    # on SQLite Django's date functions are Python callbacks).
    ends = [*months[1:], last + datetime.timedelta(days=1)]
    found = cases.filter(signal_date__gte=months[0], signal_date__lte=last).aggregate(
        **{
            f"m{i}": Count("pk", filter=Q(signal_date__gte=start, signal_date__lt=end))
            for i, (start, end) in enumerate(zip(months, ends, strict=True))
        }
    )
    return {
        "label": _("Meldingen"),
        "labels": [_month_label(m) for m in months],
        "values": [found[f"m{i}"] for i in range(len(months))],
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
    changes = _prefetched(case, "state_changes")
    if changes is None:
        changes = StateChange.objects.filter(case=case).select_related("by")
    for change in changes:
        items.append(
            TimelineItem(
                local(change.at).date(),
                change.at,
                "transition",
                _("Naar %(stap)s") % {"stap": change.get_target_display()},
                " — ".join(filter(None, [_person(change.by), change.remark, change.rule_reason])),
            )
        )
    reports = _prefetched(case, "reports")
    if reports is None:
        reports = CaseReport.objects.filter(case=case).select_related("logged_by")
    for report in reports:
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
    for version in _case_versions(case):
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
    for evidence in case.evidence.all():
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


def case_page_prefetches() -> list[Prefetch]:
    """What the case page reads of a case, fetched with it: pupils, every talk with its
    versions and their authors, evidence. A fixed number of queries, whatever the history;
    the guards (``Case.current_version``) and the timeline read these too."""
    return [
        Prefetch(
            "case_pupils",
            queryset=CasePupil.objects.select_related("pupil__school_class").order_by("pk"),
        ),
        Prefetch(
            "talks",
            queryset=Talk.objects.order_by("created_at", "pk")
            # The holiday a planned talk falls in (``_with_holidays``), in the same query.
            .annotate(**holiday_annotations("case__school", "planned_on"))
            .prefetch_related(
                Prefetch(
                    "versions",
                    queryset=TalkVersion.objects.select_related("author").order_by("number"),
                )
            ),
        ),
        Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by")),
        Prefetch(
            "state_changes", queryset=StateChange.objects.select_related("by").order_by("at", "pk")
        ),
        Prefetch("reports", queryset=CaseReport.objects.select_related("logged_by")),
        # ``Case.recurrence_level`` and the panel of recurrences read these.
        Prefetch(
            "recurrences",
            queryset=Recurrence.objects.select_related("pupil", "earlier_case").order_by(
                "number", "pk"
            ),
        ),
    ]


def _prefetched(case: Case, name: str) -> list | None:
    """The rows of relation ``name`` fetched with the case (``case_page_prefetches``), or
    None when they were not."""
    cache = getattr(case, "_prefetched_objects_cache", {})
    return list(cache[name]) if name in cache else None


def _case_versions(case: Case) -> list[TalkVersion]:
    """Every talk version of ``case``, from its prefetched talks when it has them."""
    if "talks" in getattr(case, "_prefetched_objects_cache", {}):
        return [v for talk in case.talks.all() for v in talk.versions.all()]
    return list(TalkVersion.objects.filter(talk__case=case).select_related("talk", "author"))


def _person(user) -> str:
    return user.get_full_name() or user.username


def earlier_cases(case: Case, user=None) -> list[CasePupil]:
    """Other cases of this case's pupils at the same school, newest first (stap 2); with
    ``user``, each says whether they may open it (``visible``), in the same query."""
    rows = (
        CasePupil.objects.filter(
            pupil__in=[cp.pupil_id for cp in case.case_pupils.all()],
            case__school_id=case.school_id,
        )
        .exclude(case=case)
        .select_related("pupil", "case")
        .annotate(had_no_blame=Count("case__traject"))
        .order_by("-case__created_at", "pupil__last_name")
    )
    if user is not None:
        rows = rows.annotate(visible=Exists(visible_cases(user).filter(pk=OuterRef("case_id"))))
    return list(rows)
