"""The idle timeout without a session write on every request
(``accounts.middleware.SessionRefreshMiddleware``): the session ends after 30 idle
minutes, stays alive while in use, and is written at most once a minute."""

import datetime

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

LOGIN = reverse("login")
HOME = reverse("cases:start")


def session_writes(client, url=HOME) -> list[str]:
    """The statements of one request to ``url`` that write the session table."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].upper().startswith("SELECT")
    ]


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_request_within_a_minute_does_not_write_the_session(client, ib):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(ib)
        traveller.shift(datetime.timedelta(seconds=61))
        assert len(session_writes(client)) == 1  # over a minute since login: written

        traveller.shift(datetime.timedelta(seconds=30))
        assert session_writes(client) == []
        traveller.shift(datetime.timedelta(seconds=29))
        assert session_writes(client) == []


def test_after_a_minute_the_expiry_moves_on(client, ib):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(ib)
        at_login = expiry(client)
        traveller.shift(datetime.timedelta(seconds=30))
        client.get(HOME)
        assert expiry(client) == at_login  # within the minute: not written

        traveller.shift(datetime.timedelta(seconds=31))
        client.get(HOME)
        assert expiry(client) == timezone.now() + datetime.timedelta(
            seconds=settings.SESSION_COOKIE_AGE
        )


def test_thirty_idle_minutes_still_log_out(client, ib):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(ib)
        traveller.shift(datetime.timedelta(minutes=10))
        assert client.get(HOME).status_code == 200  # writes: 30 minutes from now
        traveller.shift(datetime.timedelta(seconds=20))
        assert client.get(HOME).status_code == 200  # not written

        # 30 minutes and a second after the write: gone, though the last request was
        # 20 seconds later (the expiry lags it by under a minute).
        traveller.shift(datetime.timedelta(minutes=29, seconds=41))
        response = client.get(HOME)

    assert response.status_code == 302
    assert LOGIN in response["Location"]


def test_use_every_twenty_minutes_keeps_the_session_for_hours(client, ib):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(ib)
        for _ in range(8):  # 2 hours 40, well past 30 minutes, under the 12-hour limit
            traveller.shift(datetime.timedelta(minutes=20))
            assert client.get(HOME).status_code == 200


def test_an_anonymous_visit_creates_no_session(client, db):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert not Session.objects.exists()
