"""The year in figures: what a school's signals and cases came to in a period.

Everything here is a count or a number of days, never a pupil, a case reference or a
text someone wrote. Counts are made by the database (one grouped query per table, the
same for one school or every school of a board); the number of days from signal to
stap 2 and to closing comes as one list of dates per period and is summarised in Python
(median and quartiles), which gives the same result on SQLite and PostgreSQL.

Small counts are hidden as the tables are built (``reports.suppression``).
"""

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as Choose
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Place, Recurrence, ReporterKind, State, StateChange, Talk
from cases.models import TalkVersion as Version
from noblame.models import Traject, TrajectState
from plans.models import ActionPlan
from reports.suppression import THRESHOLD, Cell, protect, single
from schools.models import School, current_school_year

# A signal withdrawn as logged in error (protocol: "withdrawn") is no signal of the year.
NOT_COUNTED_STATES = ("withdrawn",)


# --- the period -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    school_year: str = ""  # "2025-2026" when the period is a school year

    @classmethod
    def of_school_year(cls, school_year: str) -> "Period":
        first = int(school_year[:4])
        return cls(datetime.date(first, 8, 1), datetime.date(first + 1, 7, 31), school_year)

    @classmethod
    def current(cls, today: datetime.date | None = None) -> "Period":
        return cls.of_school_year(current_school_year(today))

    def previous(self) -> "Period":
        """The same period a year earlier (the school year before)."""
        if self.school_year:
            first = int(self.school_year[:4]) - 1
            return Period.of_school_year(f"{first}-{first + 1}")
        return Period(_year_earlier(self.start), _year_earlier(self.end))

    @property
    def label(self) -> str:
        if self.school_year:
            return str(_("schooljaar %(year)s") % {"year": self.school_year})
        return f"{date_format(self.start, 'j M Y')} – {date_format(self.end, 'j M Y')}"

    def months(self) -> list[datetime.date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end and len(months) < 36:
            months.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return months


def _year_earlier(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# --- tables -----------------------------------------------------------------------------------


@dataclass
class Table:
    """Counts with a row per category and a column per school, small ones hidden.

    ``partition``: the rows split one whole (every signal has one channel), so each
    column gets a total. With more than one school every row gets a total too."""

    key: str
    title: str
    heading: str
    labels: list[str]
    columns: list[str]
    rows: list[list[Cell]]
    col_totals: list[Cell] | None = None
    row_totals: list[Cell] | None = None
    grand: Cell | None = None
    note: str = ""

    @property
    def lines(self) -> list[dict]:
        """Rows for a template: label, cells and the row's total."""
        return [
            {
                "label": label,
                "cells": cells,
                "total": self.row_totals[i] if self.row_totals else None,
            }
            for i, (label, cells) in enumerate(zip(self.labels, self.rows, strict=True))
        ]

    @property
    def has_chart(self) -> bool:
        """Is there a bar to draw: a count above zero that may be shown?"""
        totals = self.row_totals or []
        return any(cell.chart_value for row in [*self.rows, totals] for cell in row)

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"

    def column(self, index: int = 0) -> list[Cell]:
        return [row[index] for row in self.rows]

    def total_column(self) -> list[Cell]:
        return self.row_totals if self.row_totals else self.column(0)

    def chart(self) -> dict:
        """Chart.js data: a dataset per school (only what may be shown)."""
        datasets = [
            {"label": str(name), "values": [c.chart_value for c in self.column(i)]}
            for i, name in enumerate(self.columns)
        ]
        if self.row_totals:  # a school's count may be hidden where the board's total is not
            values = [c.chart_value for c in self.row_totals]
            datasets.append({"label": str(_("Alle scholen")), "values": values})
        return {"labels": [str(label) for label in self.labels], "datasets": datasets}

    def value(self, row: int, column: int = 0) -> int:
        return self.rows[row][column].value

    def displays(self, column: int = 0) -> list[str]:
        return [c.display for c in self.column(column)]


def build_table(key, title, heading, labels, columns, values, *, partition=True, note=""):
    """A protected ``Table`` from ``values[row][column]`` (plain counts)."""
    n_rows, n_cols = len(labels), len(columns)
    cells: list[Cell] = []
    grid = [[_add(cells, values[r][c]) for c in range(n_cols)] for r in range(n_rows)]
    lines = []
    row_totals = col_totals = grand = None
    if n_cols > 1:
        row_totals = [_add(cells, sum(values[r])) for r in range(n_rows)]
        lines += [(grid[r], row_totals[r]) for r in range(n_rows)]
    if partition:
        col_totals = [_add(cells, sum(values[r][c] for r in range(n_rows))) for c in range(n_cols)]
        lines += [([grid[r][c] for r in range(n_rows)], col_totals[c]) for c in range(n_cols)]
        if n_cols > 1:
            grand = _add(cells, sum(map(sum, values)))
            lines += [(col_totals, grand), (row_totals, grand)]
    protect(cells, lines)
    table = Table(key, title, heading, labels, columns, [[cells[i] for i in row] for row in grid])
    table.row_totals = [cells[i] for i in row_totals] if row_totals else None
    table.col_totals = [cells[i] for i in col_totals] if col_totals else None
    table.grand = cells[grand] if grand is not None else None
    table.note = note
    return table


def _add(cells: list[Cell], value: int) -> int:
    cells.append(Cell(value))
    return len(cells) - 1


def _grid(found: dict, keys: list, school_ids: list[int]) -> list[list[int]]:
    """``found[(school_id, key)]`` as rows per key, columns per school; missing is 0."""
    return [[found.get((school, key), 0) for school in school_ids] for key in keys]


# --- durations --------------------------------------------------------------------------------


@dataclass
class Spread:
    """How many days something took: median and the middle half (quartiles), shown only
    from 5 cases on."""

    count: int
    median: float | None = None
    q1: float | None = None
    q3: float | None = None

    @classmethod
    def of(cls, days: list[int]) -> "Spread":
        if len(days) < THRESHOLD:
            return cls(len(days))
        q1, median, q3 = statistics.quantiles(days, n=4, method="inclusive")
        return cls(len(days), median, q1, q3)

    @property
    def shown(self) -> bool:
        return self.median is not None

    @property
    def count_cell(self) -> Cell:
        return single(self.count)


# --- the report -------------------------------------------------------------------------------


@dataclass
class Report:
    schools: list[School]
    period: Period
    tables: dict[str, Table] = field(default_factory=dict)
    to_stap_2: list[Spread] = field(default_factory=list)  # per school (+ all, for a board)
    to_closed: list[Spread] = field(default_factory=list)
    previous: "Report | None" = None
    comparison: Table | None = None

    @property
    def columns(self) -> list[str]:
        return [school.name for school in self.schools]

    @property
    def is_board(self) -> bool:
        return len(self.schools) > 1

    def ordered_tables(self) -> list[Table]:
        return list(self.tables.values())


def cases_in(schools, period: Period) -> QuerySet:
    """The signals of the period: cases of ``schools`` whose incident falls in it."""
    return (
        Case.objects.filter(school__in=schools, signal_date__range=(period.start, period.end))
        .exclude(state__in=NOT_COUNTED_STATES)
        .order_by()
    )


def _bucket(lookup: str, periods: list[Period]) -> Choose:
    """Which of ``periods`` (0: the report's, 1: the year before) ``lookup`` falls in."""
    return Choose(
        *(
            When(**{f"{lookup}__range": (p.start, p.end)}, then=Value(i))
            for i, p in enumerate(periods)
        ),
        default=Value(-1),
        output_field=IntegerField(),
    )


def _span(periods: list[Period]) -> tuple[datetime.date, datetime.date]:
    return min(p.start for p in periods), max(p.end for p in periods)


def year_report(schools, period: Period, *, today=None, compare=True) -> Report:
    """Every figure of the report for ``schools`` (one school, or a board's schools side by
    side) in ``period``; with ``compare`` also the period a year earlier.

    Both periods come from the same six queries: each groups its rows by period, school
    and whatever the tables split on, and the tables add those counts up."""
    today = today or timezone.localdate()
    schools = list(schools)
    ids = [school.pk for school in schools]
    periods = [period, period.previous()] if compare else [period]
    counts = _count(ids, periods, today)
    reports = [_tables(Report(schools, p), counts[i], ids, p) for i, p in enumerate(periods)]
    report = reports[0]
    report.to_stap_2, report.to_closed = _durations(cases_in(ids, period), ids)
    if compare:
        report.previous = reports[1]
        report.comparison = _comparison(report, report.previous)
    return report


def _count(ids, periods, today) -> list[dict]:
    """Per period: {table key: {(school id, category): count}}, by the database."""
    span = _span(periods)
    found = [defaultdict(Counter) for _p in periods]

    def add(table, rows):
        for bucket, school, category, n in rows:
            if 0 <= bucket < len(periods):
                found[bucket][table][school, category] += n

    cases = (
        Case.objects.filter(school_id__in=ids, signal_date__range=span)
        .exclude(state__in=NOT_COUNTED_STATES)
        .order_by()
    )
    for row in _case_rows(cases, periods):
        bucket, school, channel, place, digital, month, decision, ending, closed, plan, n = row
        if not 0 <= bucket < len(periods):
            continue
        tables = found[bucket]
        tables["channel"][school, channel] += n
        tables["place"][school, place] += n
        tables["digital"][school, digital] += n
        tables["month"][school, (month.year, month.month)] += n
        decision = decision if decision in DECISIONS else None
        tables["decision"][school, decision] += n
        if decision == "classify_one_off":
            tables["one_off"][school, ending] += n
        tables["progress"][school, "closed" if closed else "open"] += n
        if plan:
            tables["plans"][school, plan == "signed"] += n

    trajects = (
        Traject.objects.filter(case__in=cases)
        .order_by()
        .annotate(bucket=_bucket("case__signal_date", periods))
        .values_list("bucket", "case__school_id", "state", "round")
        .annotate(n=Count("pk"))
    )
    for bucket, school, state, rounds, n in trajects:
        if not 0 <= bucket < len(periods):
            continue
        status = {
            TrajectState.CLOSED_SUCCESS: "success",
            TrajectState.CLOSED_INEFFECTIVE: "ineffective",
        }.get(state, "running")
        found[bucket]["noblame"][school, status] += n
        if status == "success":
            found[bucket]["rounds"][school, rounds] += n

    nth = Choose(
        When(number=1, then=Value(1)),
        When(number=2, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    recurrences = (
        Recurrence.objects.filter(case__school_id__in=ids, created_at__date__range=span)
        .order_by()
        .annotate(
            bucket=_bucket("created_at__date", periods),
            nth=nth,
            # The advice counts in the period of the talk that recorded it.
            advised_in=_bucket("advice_talk__held_on", periods),
        )
        .values_list("bucket", "case__school_id", "nth", "outside_help_advised", "advised_in")
        .annotate(n=Count("pk"))
    )
    for bucket, school, number, advised, advised_in, n in recurrences:
        if 0 <= bucket < len(periods):
            found[bucket]["recurrences"][school, number] += n
        if advised and 0 <= advised_in < len(periods):
            found[advised_in]["outside_help"][school, "advised"] += n

    first_held = Subquery(
        Version.objects.filter(talk=OuterRef("pk")).order_by("held_on").values("held_on")[:1]
    )
    help_talks = (
        Talk.objects.filter(case__school_id__in=ids, kind__startswith="outside_help")
        .order_by()
        .annotate(held=first_held)
        .filter(held__range=span)
        .annotate(bucket=_bucket("held", periods))
        .values_list("bucket", "case__school_id")
        .annotate(n=Count("pk"))
    )
    add("outside_help", ((b, s, "talks", n) for b, s, n in help_talks))

    # On time: a version held on or before the planned day; late: only versions after it.
    versions = Version.objects.filter(talk=OuterRef("pk"))
    status = Choose(
        When(Exists(versions.filter(held_on__lte=OuterRef("planned_on"))), then=Value("on_time")),
        When(Exists(versions), then=Value("late")),
        When(planned_on__lt=today, then=Value("overdue")),
        default=Value("upcoming"),
        output_field=CharField(),
    )
    talks = (
        Talk.objects.filter(case__school_id__in=ids, planned_on__range=span)
        .exclude(case__state__in=NOT_COUNTED_STATES)
        .order_by()
        .annotate(status=status, bucket=_bucket("planned_on", periods))
        .values_list("bucket", "case__school_id", "status")
        .annotate(n=Count("pk"))
    )
    add("talks", talks)
    return found


def _case_rows(cases, periods):
    """The cases grouped by everything the signal and case tables split on."""
    changes = StateChange.objects.filter(case=OuterRef("pk"))
    out_of_assessment = changes.filter(source=State.ASSESSMENT).order_by("at", "pk")
    after_review = changes.filter(source=State.ONE_OFF_REVIEW)
    plans = ActionPlan.objects.filter(case=OuterRef("pk"))
    return (
        cases.annotate(
            bucket=_bucket("signal_date", periods),
            month=TruncMonth("signal_date"),
            decision=Subquery(out_of_assessment.values("transition")[:1]),
            ending=Choose(
                When(Exists(after_review.filter(target=State.CLOSED)), then=Value("stopped")),
                When(Exists(after_review), then=Value("went_on")),
                default=Value("running"),
                output_field=CharField(),
            ),
            is_closed=Choose(
                When(state=State.CLOSED, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            plan=Choose(
                When(Exists(plans.filter(locked_at__isnull=False)), then=Value("signed")),
                When(Exists(plans), then=Value("draft")),
                default=Value(""),
                output_field=CharField(),
            ),
        )
        .values_list(
            "bucket",
            "school_id",
            "reporter_kind",
            "place",
            "is_digital",
            "month",
            "decision",
            "ending",
            "is_closed",
            "plan",
        )
        .annotate(n=Count("pk"))
    )


DECISIONS = {
    "classify_no_bullying": _("geen pesten (stap 2.1)"),
    "classify_one_off": _("eenmalig incident (stap 2.2)"),
    "classify_repeated": _("herhaald pesten (stap 3 of 4)"),
    None: _("nog niet ingeschat"),
}
TALK_STATUSES = {
    "on_time": _("gehouden op of voor de geplande datum"),
    "late": _("gehouden na de geplande datum"),
    "overdue": _("niet gehouden, datum voorbij"),
    "upcoming": _("nog niet aan de beurt"),
}


def _tables(report: Report, found: dict, ids: list[int], period: Period) -> Report:
    """The protected tables of one period from its counts."""
    cols = report.columns
    months = period.months()

    def table(key, title, heading, categories: dict, **options):
        values = _grid(found[key], list(categories), ids)
        labels = [str(label) for label in categories.values()]
        report.tables[key] = build_table(key, title, heading, labels, cols, values, **options)

    table("channel", _("Meldingen per melder"), _("Gemeld door"), dict(ReporterKind.choices))
    table("place", _("Meldingen per plaats"), _("Plaats"), dict(Place.choices))
    table(
        "digital",
        _("Digitaal pesten"),
        _("Soort"),
        {True: _("digitaal (online, berichten, sociale media)"), False: _("niet digitaal")},
    )
    table(
        "month",
        _("Meldingen per maand"),
        _("Maand"),
        {(m.year, m.month): date_format(m, "M Y") for m in months},
    )
    table("decision", _("Wat was het? (de inschatting in stap 2)"), _("Inschatting"), DECISIONS)
    table(
        "one_off",
        _("Eenmalige incidenten: de afloop"),
        _("Afloop"),
        {
            "stopped": _("gestopt na het evaluatiegesprek"),
            "went_on": _("ging door: verder met stap 3 of 4"),
            "running": _("loopt nog"),
        },
    )
    table(
        "progress",
        _("Stand van de casussen nu"),
        _("Stand"),
        {"closed": _("afgesloten"), "open": _("nog open")},
    )
    table(
        "noblame",
        _("No Blame-aanpak (stap 3)"),
        _("Afloop"),
        {
            "success": _("verbeterd: afgesloten"),
            "ineffective": _("niet effectief: door naar stap 4"),
            "running": _("loopt nog"),
        },
    )
    table(
        "rounds",
        _("No Blame: rondes tot verbetering"),
        _("Rondes"),
        {n: str(n) for n in range(1, 6)},
        note=_("Alleen trajecten die met verbetering zijn afgesloten."),
    )
    table(
        "plans",
        _("Plannen van aanpak (stap 4)"),
        _("Plan"),
        {True: _("door iedereen getekend"), False: _("nog niet door iedereen getekend")},
    )
    table(
        "recurrences",
        _("Herhalingen"),
        _("Herhaling"),
        {
            1: _("eerste herhaling"),
            2: _("tweede herhaling"),
            3: _("derde of latere herhaling"),
        },
    )
    table(
        "outside_help",
        _("Advies om hulp van buitenaf te zoeken"),
        _("Advies"),
        {
            "advised": _("vastgelegd bij een herhaling (ouders van de pester)"),
            "talks": _("gesprekken met ouders over hulp van buitenaf"),
        },
        partition=False,
    )
    table(
        "talks",
        _("Geplande gesprekken"),
        _("Gesprek"),
        TALK_STATUSES,
        note=_("Gesprekken met een geplande datum in deze periode."),
    )
    return report


def _durations(cases, ids) -> tuple[list[Spread], list[Spread]]:
    """Days from the signal to stap 2 and to closing, per school (and all together when
    there are several): one query, summarised here."""
    first = StateChange.objects.filter(case=OuterRef("pk")).order_by("at", "pk")

    # The day (in the school's time zone) of the first arrival in stap 2 and in "closed".
    def first_day(target):
        return Subquery(first.filter(target=target).annotate(day=TruncDate("at")).values("day")[:1])

    rows = cases.annotate(
        stap_2=first_day(State.ASSESSMENT), closed=first_day(State.CLOSED)
    ).values_list("school_id", "signal_date", "stap_2", "closed")
    to_stap_2, to_closed = defaultdict(list), defaultdict(list)
    for school, signal_date, stap_2, closed in rows:
        if stap_2 is not None:
            to_stap_2[school].append(max((stap_2 - signal_date).days, 0))
        if closed is not None:
            to_closed[school].append(max((closed - signal_date).days, 0))
    result = []
    for found in (to_stap_2, to_closed):
        spreads = [Spread.of(found[i]) for i in ids]
        if len(ids) > 1:
            spreads.append(Spread.of([d for i in ids for d in found[i]]))
        result.append(spreads)
    return result[0], result[1]


# --- this year against the year before --------------------------------------------------------


def headline(report: Report) -> list[tuple[str, int]]:
    """(what, count) of the figures compared year on year, all schools together."""
    t = report.tables

    def total(key, row=None):
        table = t[key]
        rows = range(len(table.rows)) if row is None else [row]
        return sum(table.rows[r][c].value for r in rows for c in range(len(table.columns)))

    return [
        (_("meldingen"), total("channel")),
        (_("waarvan digitaal pesten"), total("digital", 0)),
        (_("geen pesten"), total("decision", 0)),
        (_("eenmalig incident"), total("decision", 1)),
        (_("herhaald pesten"), total("decision", 2)),
        (_("No Blame verbeterd"), total("noblame", 0)),
        (_("No Blame niet effectief"), total("noblame", 1)),
        (_("plannen van aanpak"), total("plans")),
        (_("herhalingen"), total("recurrences")),
        (_("advies hulp van buitenaf (herhaling)"), total("outside_help", 0)),
        (_("gesprekken te laat of niet gehouden"), total("talks", 1) + total("talks", 2)),
    ]


def _comparison(report: Report, previous: Report) -> Table:
    """The headline figures of both periods. Each figure stands alone (no totals are
    shown), so every count of 1 to 4 is hidden and nothing needs covering."""
    now, before = headline(report), headline(previous)
    return Table(
        "comparison",
        _("Vergelijking met het jaar ervoor"),
        _("Cijfer"),
        [label for label, _n in now],
        [report.period.label, previous.period.label],
        [[single(n), single(m)] for (_l, n), (_l2, m) in zip(now, before, strict=True)],
    )


def difference(row: list[Cell]) -> str:
    """This period minus the one before, where both may be shown."""
    now, before = row
    if now.is_hidden or before.is_hidden:
        return "–"
    change = now.value - before.value
    return f"+{change}" if change > 0 else ("±0" if change == 0 else f"−{-change}")
