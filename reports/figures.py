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
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case as Choose
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
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
EARLY_STATES = (State.SIGNALED, State.VICTIM_TALK, State.ASSESSMENT)


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
    def chart_id(self) -> str:
        return f"chart-{self.key}"

    def column(self, index: int = 0) -> list[Cell]:
        return [row[index] for row in self.rows]

    def total_column(self) -> list[Cell]:
        return self.row_totals if self.row_totals else self.column(0)

    def chart(self) -> dict:
        """Chart.js data: a dataset per school (only what may be shown)."""
        return {
            "labels": [str(label) for label in self.labels],
            "datasets": [
                {"label": str(name), "values": [c.chart_value for c in self.column(i)]}
                for i, name in enumerate(self.columns)
            ],
        }

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


def _counted(rows) -> dict:
    return {(school, key): n for school, key, n in rows}


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


def _days(start: datetime.date, at: datetime.datetime | None) -> int | None:
    if at is None:
        return None
    return max((timezone.localdate(at) - start).days, 0)


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


def year_report(schools, period: Period, *, today=None, compare=True) -> Report:
    """Every figure of the report for ``schools`` (one school, or a board's schools side by
    side) in ``period``; with ``compare`` also the period a year earlier."""
    today = today or timezone.localdate()
    schools = list(schools)
    ids = [school.pk for school in schools]
    report = Report(schools, period)
    cases = cases_in(ids, period)
    cols = report.columns
    add = report.tables.__setitem__

    add("channel", _by_field(cases, "reporter_kind", ReporterKind.choices, ids, cols, "channel"))
    add("place", _by_field(cases, "place", Place.choices, ids, cols, "place"))
    add("digital", _digital(cases, ids, cols))
    add("month", _months(cases, period, ids, cols))
    add("decision", _decisions(cases, ids, cols))
    add("one_off", _one_off(cases, ids, cols))
    add("progress", _progress(cases, ids, cols))
    add("noblame", _noblame(cases, ids, cols))
    add("rounds", _rounds(cases, ids, cols))
    add("plans", _plans(cases, ids, cols))
    add("recurrences", _recurrences(ids, period, cols))
    add("outside_help", _outside_help(ids, period, cols))
    add("talks", _talks(ids, period, today, cols))
    report.to_stap_2, report.to_closed = _durations(cases, ids)
    if compare:
        report.previous = year_report(schools, period.previous(), today=today, compare=False)
        report.comparison = _comparison(report, report.previous)
    return report


def _by_field(cases, name, choices, ids, cols, key) -> Table:
    found = _counted(cases.values_list("school_id", name).annotate(n=Count("pk")))
    titles = {
        "channel": (_("Meldingen per melder"), _("Gemeld door")),
        "place": (_("Meldingen per plaats"), _("Plaats")),
    }
    title, heading = titles[key]
    values = [value for value, _label in choices]
    return build_table(
        key, title, heading, [label for _v, label in choices], cols, _grid(found, values, ids)
    )


def _digital(cases, ids, cols) -> Table:
    found = _counted(cases.values_list("school_id", "is_digital").annotate(n=Count("pk")))
    return build_table(
        "digital",
        _("Digitaal pesten"),
        _("Soort"),
        [_("digitaal (online, berichten, sociale media)"), _("niet digitaal")],
        cols,
        _grid(found, [True, False], ids),
    )


def _months(cases, period, ids, cols) -> Table:
    months = period.months()
    rows = (
        cases.annotate(month=TruncMonth("signal_date"))
        .values_list("school_id", "month")
        .annotate(n=Count("pk"))
    )
    found = {(school, (m.year, m.month)): n for school, m, n in rows}
    return build_table(
        "month",
        _("Meldingen per maand"),
        _("Maand"),
        [date_format(m, "M Y") for m in months],
        cols,
        _grid(found, [(m.year, m.month) for m in months], ids),
    )


DECISIONS = {
    "classify_no_bullying": _("geen pesten (stap 2.1)"),
    "classify_one_off": _("eenmalig incident (stap 2.2)"),
    "classify_repeated": _("herhaald pesten (stap 3 of 4)"),
    None: _("nog niet ingeschat"),
}


def _decisions(cases, ids, cols) -> Table:
    """The stap 2 decision of each case: the first transition out of stap 2."""
    first_out_of_assessment = StateChange.objects.filter(
        case=OuterRef("pk"), source=State.ASSESSMENT
    ).order_by("at", "pk")
    rows = (
        cases.annotate(decision=Subquery(first_out_of_assessment.values("transition")[:1]))
        .values_list("school_id", "decision")
        .annotate(n=Count("pk"))
    )
    found = defaultdict(int)
    for school, decision, n in rows:
        found[school, decision if decision in DECISIONS else None] += n
    return build_table(
        "decision",
        _("Wat was het? (de inschatting in stap 2)"),
        _("Inschatting"),
        list(DECISIONS.values()),
        cols,
        _grid(found, list(DECISIONS), ids),
    )


def _one_off(cases, ids, cols) -> Table:
    """How the one-off incidents ended: stopped at the review, went on, or still running."""
    changes = StateChange.objects.filter(case=OuterRef("pk"), source=State.ONE_OFF_REVIEW)
    ending = Choose(
        When(Exists(changes.filter(target=State.CLOSED)), then=Value("stopped")),
        When(Exists(changes.exclude(target=State.CLOSED)), then=Value("went_on")),
        default=Value("running"),
        output_field=CharField(),
    )
    one_offs = cases.filter(
        Exists(
            StateChange.objects.filter(
                case=OuterRef("pk"), source=State.ASSESSMENT, transition="classify_one_off"
            )
        )
    )
    found = _counted(
        one_offs.annotate(ending=ending).values_list("school_id", "ending").annotate(n=Count("pk"))
    )
    keys = {
        "stopped": _("gestopt na het evaluatiegesprek"),
        "went_on": _("ging door: verder met stap 3 of 4"),
        "running": _("loopt nog"),
    }
    return build_table(
        "one_off",
        _("Eenmalige incidenten: de afloop"),
        _("Afloop"),
        list(keys.values()),
        cols,
        _grid(found, list(keys), ids),
    )


def _progress(cases, ids, cols) -> Table:
    status = Choose(
        When(state=State.CLOSED, then=Value("closed")),
        default=Value("open"),
        output_field=CharField(),
    )
    found = _counted(
        cases.annotate(status=status).values_list("school_id", "status").annotate(n=Count("pk"))
    )
    return build_table(
        "progress",
        _("Stand van de casussen nu"),
        _("Stand"),
        [_("afgesloten"), _("nog open")],
        cols,
        _grid(found, ["closed", "open"], ids),
    )


def _noblame(cases, ids, cols) -> Table:
    status = Choose(
        When(state=TrajectState.CLOSED_SUCCESS, then=Value("success")),
        When(state=TrajectState.CLOSED_INEFFECTIVE, then=Value("ineffective")),
        default=Value("running"),
        output_field=CharField(),
    )
    found = _counted(
        Traject.objects.filter(case__in=cases)
        .order_by()
        .annotate(status=status)
        .values_list("case__school_id", "status")
        .annotate(n=Count("pk"))
    )
    return build_table(
        "noblame",
        _("No Blame-aanpak (stap 3)"),
        _("Afloop"),
        [_("verbeterd: afgesloten"), _("niet effectief: door naar stap 4"), _("loopt nog")],
        cols,
        _grid(found, ["success", "ineffective", "running"], ids),
    )


def _rounds(cases, ids, cols) -> Table:
    found = _counted(
        Traject.objects.filter(case__in=cases, state=TrajectState.CLOSED_SUCCESS)
        .order_by()
        .values_list("case__school_id", "round")
        .annotate(n=Count("pk"))
    )
    rounds = [1, 2, 3, 4, 5]
    return build_table(
        "rounds",
        _("No Blame: rondes tot verbetering"),
        _("Rondes"),
        [str(n) for n in rounds],
        cols,
        _grid(found, rounds, ids),
        note=_("Alleen trajecten die met verbetering zijn afgesloten."),
    )


def _plans(cases, ids, cols) -> Table:
    plans = ActionPlan.objects.filter(case=OuterRef("pk"))
    found = _counted(
        cases.filter(Exists(plans))
        .annotate(signed=Exists(plans.filter(locked_at__isnull=False)))
        .values_list("school_id", "signed")
        .annotate(n=Count("pk"))
    )
    return build_table(
        "plans",
        _("Plannen van aanpak (stap 4)"),
        _("Plan"),
        [_("door iedereen getekend"), _("nog niet door iedereen getekend")],
        cols,
        _grid(found, [True, False], ids),
    )


def _recurrences(ids, period, cols) -> Table:
    """Herhalingen recorded in the period (a pupil found bullying again), by how many the
    pupil had had."""
    number = Choose(
        When(number=1, then=Value(1)),
        When(number=2, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    found = _counted(
        Recurrence.objects.filter(
            case__school_id__in=ids, created_at__date__range=(period.start, period.end)
        )
        .order_by()
        .annotate(nth=number)
        .values_list("case__school_id", "nth")
        .annotate(n=Count("pk"))
    )
    return build_table(
        "recurrences",
        _("Herhalingen"),
        _("Herhaling"),
        [_("eerste herhaling"), _("tweede herhaling"), _("derde of latere herhaling")],
        cols,
        _grid(found, [1, 2, 3], ids),
    )


def _outside_help(ids, period, cols) -> Table:
    """Advice to seek outside help: given to a bully's parents (from the second recurrence
    on) and talks held with parents about it."""
    advised = dict(
        Recurrence.objects.filter(
            case__school_id__in=ids,
            created_at__date__range=(period.start, period.end),
            outside_help_advised=True,
        )
        .order_by()
        .values_list("case__school_id")
        .annotate(n=Count("pk"))
    )
    first_held = Version.objects.filter(talk=OuterRef("pk")).order_by("held_on")
    talks = dict(
        Talk.objects.filter(case__school_id__in=ids, kind__startswith="outside_help")
        .annotate(held=Subquery(first_held.values("held_on")[:1]))
        .filter(held__range=(period.start, period.end))
        .order_by()
        .values_list("case__school_id")
        .annotate(n=Count("pk"))
    )
    values = [[advised.get(i, 0) for i in ids], [talks.get(i, 0) for i in ids]]
    return build_table(
        "outside_help",
        _("Advies om hulp van buitenaf te zoeken"),
        _("Advies"),
        [
            _("vastgelegd bij een herhaling (ouders van de pester)"),
            _("gesprekken met ouders over hulp van buitenaf"),
        ],
        cols,
        values,
        partition=False,
    )


TALK_STATUSES = {
    "on_time": _("gehouden op of voor de geplande datum"),
    "late": _("gehouden na de geplande datum"),
    "overdue": _("niet gehouden, datum voorbij"),
    "upcoming": _("nog niet aan de beurt"),
}


def _talks(ids, period, today, cols) -> Table:
    first_held = Version.objects.filter(talk=OuterRef("pk")).order_by("held_on")
    status = Choose(
        When(held__isnull=True, planned_on__lt=today, then=Value("overdue")),
        When(held__isnull=True, then=Value("upcoming")),
        When(held__gt=F("planned_on"), then=Value("late")),
        default=Value("on_time"),
        output_field=CharField(),
    )
    found = _counted(
        Talk.objects.filter(case__school_id__in=ids, planned_on__range=(period.start, period.end))
        .exclude(case__state__in=NOT_COUNTED_STATES)
        .order_by()
        .annotate(held=Subquery(first_held.values("held_on")[:1]))
        .annotate(status=status)
        .values_list("case__school_id", "status")
        .annotate(n=Count("pk"))
    )
    return build_table(
        "talks",
        _("Geplande gesprekken"),
        _("Gesprek"),
        list(TALK_STATUSES.values()),
        cols,
        _grid(found, list(TALK_STATUSES), ids),
        note=_("Gesprekken met een geplande datum in deze periode."),
    )


def _durations(cases, ids) -> tuple[list[Spread], list[Spread]]:
    """Days from the signal to stap 2 and to closing, per school (and all together when
    there are several): one query, summarised here."""
    first = StateChange.objects.filter(case=OuterRef("pk")).order_by("at", "pk")
    rows = cases.annotate(
        stap_2=Subquery(first.filter(target=State.ASSESSMENT).values("at")[:1]),
        closed=Subquery(first.filter(target=State.CLOSED).values("at")[:1]),
    ).values_list("school_id", "signal_date", "stap_2", "closed")
    to_stap_2, to_closed = defaultdict(list), defaultdict(list)
    for school, signal_date, stap_2, closed in rows:
        for days, into in (
            (_days(signal_date, stap_2), to_stap_2),
            (_days(signal_date, closed), to_closed),
        ):
            if days is not None:
                into[school].append(days)
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
