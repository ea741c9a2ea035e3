"""Login and sessions: lockout after password guessing, inactivity, logout, deactivation."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from pestprotocol.middleware import client_ip

LOGIN = reverse("login")
HOME = reverse("cases:start")


def attempt(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def guess(client, username, address, times=5):
    for _ in range(times):
        attempt(client, username, "fout-wachtwoord", address)


def test_a_right_password_logs_in(client, ib):
    response = attempt(client, "ib", "a-long-test-pass", "10.0.0.1")

    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


def test_five_wrong_passwords_lock_that_username_from_that_address(client, ib):
    guess(client, "ib", "10.0.0.1")

    response = attempt(client, "ib", "a-long-test-pass", "10.0.0.1")

    assert response.status_code == 429
    html = response.content.decode()
    assert "Inloggen is even geblokkeerd" in html
    assert "kwartier" in html
    assert client.get(HOME).status_code == 302


def test_four_wrong_passwords_do_not_lock(client, ib):
    guess(client, "ib", "10.0.0.1", times=4)

    response = attempt(client, "ib", "a-long-test-pass", "10.0.0.1")

    assert response.status_code == 302


def test_a_colleague_elsewhere_is_not_locked_out(client, ib):
    guess(client, "ib", "203.0.113.66")  # someone guessing from outside

    response = attempt(client, "ib", "a-long-test-pass", "10.0.0.1")

    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


def test_other_usernames_from_the_locked_address_still_log_in(client, ib, director):
    guess(client, "ib", "10.0.0.1")

    response = attempt(client, "directie", "a-long-test-pass", "10.0.0.1")

    assert response.status_code == 302


def test_the_lock_lifts_after_a_quarter_of_an_hour(client, ib):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        guess(client, "ib", "10.0.0.1")
        assert attempt(client, "ib", "a-long-test-pass", "10.0.0.1").status_code == 429
        traveller.shift(datetime.timedelta(minutes=16))

        response = attempt(client, "ib", "a-long-test-pass", "10.0.0.1")

    assert response.status_code == 302


def test_a_successful_login_clears_earlier_failures(client, ib):
    guess(client, "ib", "10.0.0.1", times=3)

    attempt(client, "ib", "a-long-test-pass", "10.0.0.1")

    assert not AccessAttempt.objects.filter(username="ib").exists()


def test_failures_are_stored_without_the_password(client, ib):
    guess(client, "ib", "10.0.0.1", times=1)

    stored = AccessAttempt.objects.get(username="ib")
    assert "fout-wachtwoord" not in stored.post_data


# --- sessions --------------------------------------------------------------------------


def test_session_lasts_thirty_minutes_of_inactivity_by_default():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    # Not written on every request: accounts.middleware.SessionRefreshMiddleware moves
    # the expiry on at most once a minute (tests/test_session_refresh.py).
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    assert "accounts.middleware.SessionRefreshMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_session_cookie_ends_with_the_browser(client, ib):
    response = attempt(client, "ib", "a-long-test-pass", "10.0.0.1")

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["max-age"]
    assert not cookie["expires"]


def test_an_idle_session_expires(client, ib):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(ib)
        traveller.shift(datetime.timedelta(minutes=31))

        response = client.get(HOME)

    assert response.status_code == 302
    assert LOGIN in response["Location"]


def test_activity_keeps_the_session_alive(client, ib):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(ib)
        for _ in range(3):
            traveller.shift(datetime.timedelta(minutes=20))
            assert client.get(HOME).status_code == 200


def test_logout_ends_the_session(client, ib):
    client.force_login(ib)

    client.post(reverse("logout"))

    assert client.get(HOME).status_code == 302


def test_logout_is_post_only(client, ib):
    client.force_login(ib)

    assert client.get(reverse("logout")).status_code == 405
    assert client.get(HOME).status_code == 200


def test_a_deactivated_account_loses_its_session(client, ib):
    client.force_login(ib)
    assert client.get(HOME).status_code == 200

    ib.is_active = False
    ib.save()

    response = client.get(HOME)
    assert response.status_code == 302
    assert LOGIN in response["Location"]


def test_a_deactivated_account_cannot_log_in(client, inactive_ib):
    response = attempt(client, "oud.ib", "a-long-test-pass", "10.0.0.1")

    assert response.status_code == 200
    assert client.get(HOME).status_code == 302


@pytest.mark.parametrize("password", ["kort", "1234567890123", "wachtwoord"])
def test_weak_passwords_are_refused(password, ib):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(password, user=ib)


# --- behind a reverse proxy --------------------------------------------------------------


def via_proxy(client, username, password, client_address):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR="10.9.9.9",  # the proxy
        HTTP_X_FORWARDED_FOR=client_address,
    )


def test_behind_a_proxy_the_forwarded_address_counts(client, ib, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        via_proxy(client, "ib", "fout-wachtwoord", "203.0.113.66")

    assert via_proxy(client, "ib", "a-long-test-pass", "203.0.113.66").status_code == 429
    assert via_proxy(client, "ib", "a-long-test-pass", "10.0.0.1").status_code == 302


def test_a_visitor_cannot_choose_their_address_through_the_header(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66", REMOTE_ADDR="10.9.9.9")

    assert client_ip(request) == "203.0.113.66"


def test_without_a_proxy_the_header_is_ignored(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="192.0.2.5")

    assert client_ip(request) == "192.0.2.5"
