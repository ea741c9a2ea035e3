"""The year report: every figure pinned on a small hand-built school year, small numbers
hidden so that no total gives them back, and who may read which report.

The world: OBS De Regenboog has 16 signals in school year 2025-2026 and 2 in 2024-2025;
CBS Het Kompas (same board) has 1 in 2025-2026. The rows are written directly (not walked
through the services): the report reads history, and only its shape matters here.
"""

import datetime
import json
import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CasePupil, Recurrence, StateChange, Talk, TalkVersion
from cases.talks import TalkKind
from noblame.models import Traject
from plans.models import ActionPlan
from reports.figures import Period, Spread, difference, year_report
from reports.suppression import COVER, SMALL, Cell, _exposed, protect, single
from schools import services
from schools.models import Role
from tests.conftest import make_pupil, make_user

YEAR = Period.of_school_year("2025-2026")
TODAY = datetime.date(2026, 6, 15)


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(day).replace(hour=12))


class World:
    def __init__(self, school, by, pupil):
        self.school, self.by, self.pupil, self.n = school, by, pupil, 0

    def case(self, signal, kind, place, *steps, digital=False, state=None, school=None):
        """A case and its history: ``steps`` are (transition, source, target, day)."""
        self.n += 1
        case = Case.objects.create(
            school=school or self.school,
            board=(school or self.school).board,
            reference=f"T-{self.n}",
            reporter_kind=kind,
            signal_date=datetime.date.fromisoformat(signal),
            place=place,
            description="Een tekst die nooit in een verslag mag staan.",
            is_digital=digital,
            logged_by=self.by,
            state=state or (steps[-1][2] if steps else "signaled"),
        )
        CasePupil.objects.create(case=case, pupil=self.pupil, role="victim")
        for name, source, target, day in steps:
            StateChange.objects.create(
                case=case, transition=name, source=source, target=target, by=self.by, at=at(day)
            )
        return case

    def talk(self, case, kind, planned, held=None):
        talk = Talk.objects.create(
            case=case,
            kind=kind,
            planned_on=datetime.date.fromisoformat(planned) if planned else None,
            created_by=self.by,
        )
        if held:
            TalkVersion.objects.create(
                talk=talk, number=1, held_on=datetime.date.fromisoformat(held), author=self.by
            )
        return talk


def _stap2(signal_day, decision_day=None, decision=None, target=None):
    steps = [("start_victim_talk", "signaled", "victim_talk", signal_day)]
    steps.append(("assess", "victim_talk", "assessment", decision_day or signal_day))
    if decision:
        steps.append((decision, "assessment", target, decision_day))
    return steps


@pytest.fixture
def world(school, other_school, groep5, ib):
    w = World(school, ib, make_pupil(school, groep5, "Sanne", "de Vries"))
    bully = make_pupil(school, groep5, "Daan", "Jansen")

    def close(source, day):
        return ("close", source, "closed", day)

    # 2025-2026 ---------------------------------------------------------------------------
    w.case(
        "2025-09-10",
        "pupil",
        "playground",
        *_stap2("2025-09-10", "2025-09-12", "classify_no_bullying", "resolved_other"),
        close("resolved_other", "2025-09-20"),
    )
    w.case(
        "2025-09-15",
        "parent",
        "classroom",
        *_stap2("2025-09-15", "2025-09-18", "classify_one_off", "one_off"),
        ("start_review", "one_off", "one_off_review", "2025-09-25"),
        close("one_off_review", "2025-10-05"),
        digital=True,
    )
    c3 = w.case(
        "2025-09-20",
        "parent",
        "online",
        *_stap2("2025-09-20", "2025-09-24", "classify_one_off", "one_off"),
        ("start_review", "one_off", "one_off_review", "2025-10-01"),
        ("escalate", "one_off_review", "support_group", "2025-10-10"),
        close("support_group", "2025-11-19"),
        digital=True,
    )
    c4 = w.case(
        "2025-10-01",
        "teacher",
        "playground",
        *_stap2("2025-10-01", "2025-10-06", "classify_repeated", "support_group"),
        close("support_group", "2025-10-31"),
    )
    c5 = w.case(
        "2025-10-03",
        "teacher",
        "playground",
        *_stap2("2025-10-03", "2025-10-09", "classify_repeated", "support_group"),
        ("escalate", "support_group", "action_plan", "2025-10-20"),
        ("start_coaching", "action_plan", "coaching", "2025-10-25"),
    )
    c6 = w.case(
        "2025-11-05",
        "pupil",
        "gym",
        *_stap2("2025-11-05", "2025-11-12", "classify_repeated", "action_plan"),
    )
    c7 = w.case(
        "2025-11-10",
        "observation",
        "lunch",
        *_stap2("2025-11-10", "2025-11-18", "classify_repeated", "support_group"),
    )
    w.case("2026-01-20", "pupil", "classroom", *_stap2("2026-01-20", "2026-01-22"))
    w.case("2026-02-02", "survey", "classroom")
    w.case(
        "2026-03-03",
        "pupil",
        "around_school",
        *_stap2("2026-03-03", "2026-03-04", "classify_no_bullying", "resolved_other"),
        close("resolved_other", "2026-03-10"),
        digital=True,
    )
    w.case(
        "2026-05-01",
        "parent",
        "playground",
        ("start_victim_talk", "signaled", "victim_talk", "2026-05-02"),
    )
    for day in range(2, 7):
        w.case(
            f"2026-03-0{day}",
            "pupil",
            "classroom",
            *_stap2(
                f"2026-03-0{day}", f"2026-03-0{day + 1}", "classify_no_bullying", "resolved_other"
            ),
            close("resolved_other", f"2026-03-0{day + 3}"),
        )
    # 2024-2025 (the year before) -----------------------------------------------------------
    w.case(
        "2025-07-31",
        "pupil",
        "classroom",
        *_stap2("2025-07-31", "2025-08-01", "classify_no_bullying", "resolved_other"),
        close("resolved_other", "2025-08-02"),
    )
    c13 = w.case(
        "2024-10-01",
        "teacher",
        "playground",
        *_stap2("2024-10-01", "2024-10-02", "classify_one_off", "one_off"),
        ("start_review", "one_off", "one_off_review", "2024-10-10"),
        close("one_off_review", "2024-10-20"),
    )
    # the other school of the board, 2025-2026
    w.case("2025-10-10", "parent", "online", digital=True, school=other_school)

    # No Blame, plans, recurrences, talks
    Traject.objects.create(case=c3, state="closed_success", round=2, closed_at=at("2025-11-19"))
    Traject.objects.create(case=c4, state="closed_success", round=1, closed_at=at("2025-10-31"))
    Traject.objects.create(
        case=c5,
        state="closed_ineffective",
        round=5,
        closed_at=at("2025-10-20"),
        close_reason="Geen verbetering bij Daan",
    )
    Traject.objects.create(case=c7, state="follow_up", round=3)
    ActionPlan.objects.create(case=c5, version=1, created_by=ib, locked_at=at("2025-10-24"))
    ActionPlan.objects.create(case=c6, version=1, created_by=ib)
    Recurrence.objects.create(case=c13, pupil=bully, number=1, created_at=at("2025-03-01"))
    other = make_pupil(school, groep5, "Noah", "Bakker")
    Recurrence.objects.create(case=c6, pupil=other, number=1, created_at=at("2025-11-12"))
    advice = w.talk(c6, TalkKind.BULLY_PARENTS, None, "2026-02-03").versions.get()
    Recurrence.objects.create(
        case=c6,
        pupil=other,
        number=2,
        outside_help_advised=True,
        advice_talk=advice,
        created_at=at("2026-02-01"),
    )
    w.talk(c5, TalkKind.BULLY, "2025-11-01", "2025-11-01")
    w.talk(c5, TalkKind.BULLY_PARENTS, "2025-11-05", "2025-11-08")
    w.talk(c6, TalkKind.EVALUATION, "2026-03-01")
    w.talk(c7, TalkKind.OTHER, "2026-07-01")
    w.talk(c6, TalkKind.OUTSIDE_HELP, "2026-02-10", "2026-02-10")
    w.talk(c13, TalkKind.OTHER, "2024-12-01", "2024-12-01")
    return w


def values(report, key, column=0):
    return [cell.value for cell in report.tables[key].column(column)]


def shown(report, key, column=0):
    return report.tables[key].displays(column)


@pytest.fixture
def report(world, school):
    return year_report([school], YEAR, today=TODAY)


# --- every figure, counted by the database ---------------------------------------------------


def test_signals_per_channel(report):
    assert values(report, "channel") == [9, 3, 2, 0, 1, 1]
    assert report.tables["channel"].col_totals[0].value == 16


def test_signals_per_place(report):
    assert values(report, "place") == [8, 4, 1, 1, 1, 1, 0]


def test_digital_or_not(report):
    assert values(report, "digital") == [3, 13]


def test_signals_per_month_of_the_school_year(report):
    table = report.tables["month"]

    assert len(table.labels) == 12
    assert values(report, "month") == [0, 3, 2, 2, 0, 1, 1, 6, 0, 1, 0, 0]


def test_stap_2_decisions(report):
    # geen pesten, eenmalig, herhaald, nog niet ingeschat
    assert values(report, "decision") == [7, 2, 4, 3]


def test_one_off_endings(report):
    # stopped after the review, went on, still running
    assert values(report, "one_off") == [1, 1, 0]


def test_open_and_closed(report):
    assert values(report, "progress") == [10, 6]


def test_no_blame_outcomes_and_rounds(report):
    assert values(report, "noblame") == [2, 1, 1]
    assert values(report, "rounds") == [1, 1, 0, 0, 0]


def test_plans_signed_or_not(report):
    assert values(report, "plans") == [1, 1]


def test_recurrences_of_the_period_only(report):
    assert values(report, "recurrences") == [1, 1, 0]


def test_outside_help(report):
    assert values(report, "outside_help") == [1, 1]


def test_planned_talks_on_time_late_overdue_upcoming(report):
    assert values(report, "talks") == [2, 1, 1, 1]


def test_days_to_stap_2_median_and_quartiles(report):
    spread = report.to_stap_2[0]

    assert (spread.count, spread.median, spread.q1, spread.q3) == (14, 2, 1, 4.75)


def test_days_to_closing_median_and_quartiles(report):
    spread = report.to_closed[0]

    assert (spread.count, spread.median, spread.q1, spread.q3) == (10, 5, 3, 17.5)


def test_the_year_before(report):
    previous = report.previous

    assert previous.period == Period.of_school_year("2024-2025")
    assert values(previous, "channel") == [1, 0, 1, 0, 0, 0]
    assert values(previous, "recurrences") == [1, 0, 0]
    comparison = dict(zip(report.comparison.labels, report.comparison.rows, strict=True))
    signals = next(row for label, row in comparison.items() if str(label) == "meldingen")
    assert [c.value for c in signals] == [16, 2]
    assert [c.display for c in signals] == ["16", "< 5"]
    assert difference(signals) == "–"


def test_any_period(world, school):
    report = year_report(
        [school], Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)), today=TODAY
    )

    assert sum(values(report, "channel")) == 6
    assert report.previous.period.start == datetime.date(2025, 3, 1)


def test_queries_do_not_grow_with_the_cases(world, school, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        year_report([school], YEAR, today=TODAY)


# --- small numbers -----------------------------------------------------------------------------


def test_small_counts_show_as_less_than_5(report):
    assert shown(report, "channel") == ["9", "< 5", "< 5", "0", "< 5", "< 5"]
    assert shown(report, "decision") == ["7", "< 5", "< 5", "< 5"]


def test_a_lone_small_count_is_covered_so_the_total_does_not_give_it_away(report):
    # 3 digital of 16: showing 13 would give the 3 back
    assert shown(report, "digital") == ["< 5", "≥ 5"]
    assert report.tables["digital"].col_totals[0].display == "16"


def test_a_small_total_is_hidden_too(report):
    assert report.tables["noblame"].col_totals[0].display == "< 5"


def test_durations_of_fewer_than_5_cases_are_not_shown(world, other_school):
    report = year_report([other_school], YEAR, today=TODAY)

    assert not report.to_closed[0].shown
    assert Spread.of([1, 2, 3, 4]).median is None


def test_no_line_of_any_table_gives_a_hidden_count_away(world, school, other_school):
    for report in (
        year_report([school], YEAR, today=TODAY),
        year_report([school, other_school], YEAR, today=TODAY),
    ):
        for table in report.tables.values():
            for members in _lines(table):
                parts = list(range(len(members) - 1))
                assert not _exposed(members, parts, len(members) - 1), table.key


def _lines(table):
    n_cols = len(table.columns)
    if table.row_totals:
        yield from ([*row, total] for row, total in zip(table.rows, table.row_totals, strict=True))
    if table.col_totals:
        for c in range(n_cols):
            yield [*table.column(c), table.col_totals[c]]
        if table.grand:
            yield [*table.col_totals, table.grand]
            yield [*table.row_totals, table.grand]


@pytest.mark.parametrize(
    ("parts", "total", "expected"),
    [
        ([8, 3, 0], 11, ["≥ 5", "< 5", "0"]),  # one small: the smallest other is covered
        ([3, 13], 16, ["< 5", "≥ 5"]),
        ([2, 3, 9], 14, ["< 5", "< 5", "9"]),  # two small: nothing to cover
        ([5, 6, 0], 11, ["5", "6", "0"]),
        ([0, 0], 0, ["0", "0"]),
        # three hidden ones adding up to 3 could only be 1, 1, 1: two more are covered
        ([5, 6, 1, 1, 1], 14, ["≥ 5", "≥ 5", "< 5", "< 5", "< 5"]),
        ([4, 4, 9], 17, ["< 5", "< 5", "≥ 5"]),  # two hidden adding up to 8: both 4
    ],
)
def test_protect_one_line(parts, total, expected):
    cells = [Cell(v) for v in [*parts, total]]

    protect(cells, [(list(range(len(parts))), len(parts))])

    assert [c.display for c in cells[:-1]] == expected
    assert not cells[-1].is_hidden or total < 5


def test_protect_cascades_across_rows_and_columns():
    # A 2x2 table with row, column and grand totals: one small cell makes three more hide.
    values = [[3, 10], [7, 12]]
    cells = [Cell(v) for row in values for v in row]  # 0 1 / 2 3
    cells += [Cell(13), Cell(19), Cell(10), Cell(22), Cell(32)]  # rows 4 5, cols 6 7, grand 8
    lines = [([0, 1], 4), ([2, 3], 5), ([0, 2], 6), ([1, 3], 7), ([4, 5], 8), ([6, 7], 8)]

    protect(cells, lines)

    assert [c.hidden for c in cells[:4]] == [SMALL, COVER, COVER, COVER]
    for parts, total in lines:
        assert not _exposed(cells, parts, total)


def test_single_counts():
    assert [single(n).display for n in (0, 1, 4, 5)] == ["0", "< 5", "< 5", "5"]


# --- the board: schools side by side ---------------------------------------------------------


def test_board_columns_and_totals(world, school, other_school):
    report = year_report([other_school, school], YEAR, today=TODAY)
    channel = report.tables["channel"]

    assert channel.columns == ["CBS Het Kompas", "OBS De Regenboog"]
    assert [row[0].value for row in channel.rows] == [0, 1, 0, 0, 0, 0]
    assert [total.value for total in channel.row_totals] == [9, 4, 2, 0, 1, 1]
    assert channel.grand.value == 17
    # Het Kompas's single signal cannot be worked out from the board's totals.
    assert channel.col_totals[0].display == "< 5"
    assert channel.rows[1][0].display == "< 5"
    assert report.to_stap_2[-1].count == 14  # all schools together


# --- pages, PDF and CSV: who may read them ----------------------------------------------------


@pytest.fixture
def coordinator(school):
    return make_user("apc", school, Role.COORDINATOR)


@pytest.fixture
def board_user(school):
    return make_user("bestuur", school, Role.BOARD)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("director", 200),
        ("ib", 200),
        ("coordinator", 200),
        ("teacher5", 403),
        ("smw", 403),
        ("beheerder", 403),
        ("board_user", 403),
        ("ib_other", 200),  # their own school's report
    ],
)
def test_who_opens_the_school_report(client, people, coordinator, board_user, persona, status):
    users = {**people, "coordinator": coordinator, "board_user": board_user}
    client.force_login(users[persona])

    assert client.get(reverse("reports:school")).status_code == status


def test_a_school_of_someone_else_is_not_reported(client, world, school, other_school, ib_other):
    client.force_login(ib_other)

    response = client.get(reverse("reports:school"), {"school": school.pk, "jaar": "2025-2026"})

    assert response.context["report"].schools == [other_school]


@pytest.mark.parametrize("name", ["reports:board", "reports:board_pdf", "reports:board_csv"])
def test_only_the_board_opens_the_board_view(client, people, board_user, coordinator, name):
    for user in (*people.values(), coordinator):
        client.force_login(user)
        assert client.get(reverse(name)).status_code in (302, 403), user.username
    client.force_login(board_user)
    assert client.get(reverse(name)).status_code == 200


def test_a_board_member_sees_every_school_of_their_board(client, world, board_user):
    client.force_login(board_user)

    response = client.get(reverse("reports:board"), {"jaar": "2025-2026"})

    assert response.context["report"].columns == ["CBS Het Kompas", "OBS De Regenboog"]


def test_csv_holds_the_shown_figures(client, world, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("reports:school_csv"), {"jaar": "2025-2026"})
    text = response.content.decode("utf-8-sig")

    assert response["Content-Disposition"] == (
        'attachment; filename="jaarverslag-obs-de-regenboog-2025-2026.csv"'
    )
    assert "Meldingen per melder;leerling;9" in text
    assert "Digitaal pesten;niet digitaal;≥ 5" in text
    assert ";13" not in text


def test_an_unfinished_period_gets_a_message_and_the_current_year(client, world, director):
    client.force_login(director)

    response = client.get(reverse("reports:school"), {"van": "2026-01-01"})

    assert response.status_code == 200
    assert "zowel de begin- als de einddatum" in response.content.decode()


def test_post_is_refused(client, director):
    client.force_login(director)

    assert client.post(reverse("reports:school")).status_code == 405


# --- the PDF: figures only --------------------------------------------------------------------


def pdf_text(content: bytes, tmp_path) -> str:
    """The text of a PDF, as pdftotext (poppler-utils) reads it."""
    import subprocess

    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_boards_pdf_holds_no_name_reference_or_free_text(
    client, world, board_user, school, tmp_path
):
    client.force_login(board_user)

    response = client.get(reverse("reports:board_pdf"), {"jaar": "2025-2026"})
    text = pdf_text(response.content, tmp_path)

    assert response["Content-Type"] == "application/pdf"
    assert "CBS Het Kompas" in text
    assert "OBS De Regenboog" in text
    assert "Meldingen per melder" in text
    forbidden = ["Sanne", "Daan", "Noah", "Vries", "Jansen", "Bakker", "Ingrid", "Ouder"]
    forbidden += [case.reference for case in school.cases.all()]
    forbidden += ["Een tekst die nooit", "verbetering bij"]  # description, close reason
    words = set(text.replace("\n", " ").split())
    assert not [word for word in forbidden if word in words or (" " in word and word in text)]


def test_the_school_pdf_shows_the_figures_with_small_ones_hidden(
    client, world, coordinator, tmp_path
):
    client.force_login(coordinator)

    response = client.get(reverse("reports:school_pdf"), {"jaar": "2025-2026"})
    text = pdf_text(response.content, tmp_path)

    assert "Jaarverslag sociale veiligheid" in text
    assert "schooljaar 2025-2026" in text
    assert "< 5" in text
    assert "≥ 5" in text
    assert "Sanne" not in text
    assert "T-1" not in text
    assert response["Content-Disposition"].endswith('jaarverslag-obs-de-regenboog-2025-2026.pdf"')


# --- who gives the roles ------------------------------------------------------------------------


def test_the_beheerder_gives_the_coordinator_role_not_the_boards(school, beheerder, board_user):
    with pytest.raises(ValidationError):
        services.staff_set_roles(board_user, by=beheerder, school=school, roles=[Role.BOARD])
    services.staff_set_roles(board_user, by=beheerder, school=school, roles=[Role.COORDINATOR])

    roles = set(board_user.memberships.values_list("role", flat=True))
    assert roles == {Role.BOARD, Role.COORDINATOR}  # the board role stays, untouched


def test_a_withdrawn_signal_is_no_signal_of_the_year(world, school):
    world.case("2025-12-01", "pupil", "classroom", state="withdrawn")

    report = year_report([school], YEAR, today=TODAY)

    assert report.tables["channel"].col_totals[0].value == 16


# --- the charts get the table's figures, label by label -----------------------------------------

_BLOCK = re.compile(r'<div class="row g-4 mb-4 report-block">(.*?)</table>', re.S)
_CHART = re.compile(r'<script id="(chart-[\w-]+)" type="application/json">(.*?)</script>', re.S)
_ROW = re.compile(r'<tr>\s*<th scope="row" class="fw-normal">(.*?)</th>(.*?)</tr>', re.S)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


def _charts_and_tables(html: str) -> list[tuple[str, dict, list[tuple[str, list[str]]]]]:
    """Per block of the page: the chart's JSON and the rows of the table beside it."""
    found = []
    for block in _BLOCK.findall(html):
        chart = _CHART.search(block)
        rows = [
            (unescape(label), [unescape(cell) for cell in _CELL.findall(cells)])
            for label, cells in _ROW.findall(block)
        ]
        if chart:
            found.append((chart.group(1), json.loads(chart.group(2)), rows))
    return found


def _assert_chart_matches_table(data: dict, rows, columns: int) -> None:
    assert data["labels"] == [label for label, _cells in rows]
    assert len(data["datasets"]) == columns
    for i, dataset in enumerate(data["datasets"]):
        assert len(dataset["values"]) == len(rows)
        for value, (label, cells) in zip(dataset["values"], rows, strict=True):
            display = cells[i]
            if display.isdigit():
                assert value == int(display), (dataset["label"], label)
            else:  # "< 5" or "≥ 5": no bar, so the chart cannot tell the count either
                assert value is None, (dataset["label"], label, display)


def test_the_school_charts_show_the_tables_figures_label_by_label(client, world, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("reports:school"), {"jaar": "2025-2026"})

    charts = _charts_and_tables(response.content.decode())
    keys = {key for key, _data, _rows in charts}
    assert {"chart-channel", "chart-place", "chart-month"} <= keys
    for _key, data, rows in charts:
        _assert_chart_matches_table(data, rows, columns=1)
    place = next(data for key, data, _rows in charts if key == "chart-place")
    assert place["labels"][1] == "op het schoolplein"
    assert place["labels"][5] == "online"
    assert place["datasets"][0]["values"][0] == 8  # in de klas, as in the table
    assert None in place["datasets"][0]["values"]  # the small ones get no bar


def test_the_board_charts_show_each_school_and_all_together(client, world, board_user):
    client.force_login(board_user)

    response = client.get(reverse("reports:board"), {"jaar": "2025-2026"})

    charts = _charts_and_tables(response.content.decode())
    assert charts
    for _key, data, rows in charts:
        schools = len(rows[0][1]) - 1  # a column per school, then the total
        _assert_chart_matches_table(data, rows, columns=schools + 1)
        assert data["datasets"][-1]["label"] == "Alle scholen"
