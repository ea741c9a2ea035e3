"""Short dates read the Dutch way: "30 nov. 2026", lowercase, a full stop where shortened."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from cases.templatetags.dutch_dates import short_date


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (datetime.date(2026, 11, 30), "30 nov. 2026"),
        (datetime.date(2027, 5, 3), "3 mei 2027"),
        (datetime.date(2027, 3, 1), "1 mrt. 2027"),
    ],
)
def test_a_short_date_in_dutch(day, text):
    with translation.override("nl"):
        assert short_date(day) == text


def test_a_moment_with_its_local_time():
    moment = timezone.make_aware(datetime.datetime(2026, 11, 30, 14, 5))
    with translation.override("nl"):
        assert short_date(moment, "time") == "30 nov. 2026, 14:05"


def test_english_keeps_its_own_style():
    with translation.override("en"):
        assert short_date(datetime.date(2026, 11, 30)) == "30 Nov 2026"


def test_every_template_has_the_filter_without_loading_it():
    with translation.override("nl"):
        html = Template("{{ d|short_date }}").render(Context({"d": datetime.date(2026, 12, 1)}))
    assert html == "1 dec. 2026"


def test_nothing_for_no_date():
    assert short_date(None) == ""


def test_a_day_in_the_coming_week_with_its_weekday():
    with translation.override("nl"):
        assert short_date(datetime.date(2026, 12, 4), "weekday") == "vrijdag 4 dec."
        assert short_date(datetime.date(2027, 5, 3), "weekday") == "maandag 3 mei"
    with translation.override("en"):
        assert short_date(datetime.date(2026, 12, 4), "weekday") == "Friday 4 Dec"


def test_no_template_shows_a_month_the_english_way_in_dutch():
    """Django's "M" gives "Dec" in Dutch too: every template uses ``short_date``."""
    from pathlib import Path

    from django.conf import settings

    offending = [
        f"{path.relative_to(settings.BASE_DIR)}: {line.strip()[:80]}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for line in path.read_text().splitlines()
        if "|date:" in line and " M" in line.split("|date:", 1)[1][:12]
    ]
    assert offending == []
