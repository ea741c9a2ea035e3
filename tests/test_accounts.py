"""Accounts: invitations, password reset, two-factor login, backup codes, sessions."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Invitation, LoginSession
from schools.models import Membership, Role

LOGIN = reverse("login")
CODE = reverse("accounts:two_factor")
HOME = reverse("cases:start")
PASSWORD = "a-long-test-pass"


@pytest.fixture
def required(settings):
    settings.ACCOUNTS_REQUIRE_2FA = True


def invite(beheerder, school, email="nieuw@school.nl", role=Role.IB):
    mail.outbox.clear()
    invitation = services.invitation_create(by=beheerder, email=email, school=school, role=role)
    link = re.search(r"https?://\S+/uitnodiging/\S+/", mail.outbox[-1].body).group(0)
    return invitation, link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def accept(client, path, username="nieuwe.ib", password="Kastanjeboom-2026"):
    return client.post(
        path,
        {
            "first_name": "Nina",
            "last_name": "Nieuw",
            "username": username,
            "password1": password,
            "password2": password,
        },
    )


def enrol(user):
    """A confirmed authenticator app for ``user``; returns it and the backup codes."""
    device = services.totp_device_to_confirm(user)
    return services.totp_confirm(user, code_for(device))


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=offset):06d}"


# --- invitations ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_invitation_is_mailed_with_a_link_that_creates_the_account(client, beheerder, school):
    invitation, path = invite(beheerder, school)

    response = accept(client, path)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:setup"))
    user = User.objects.get(username="nieuwe.ib")
    assert user.email == "nieuw@school.nl"
    assert user.check_password("Kastanjeboom-2026")
    assert Membership.objects.filter(user=user, school=school, role=Role.IB).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.user == user


@pytest.mark.django_db(transaction=True)
def test_the_token_is_stored_only_as_a_hash(beheerder, school):
    invitation, path = invite(beheerder, school)
    token = path.rstrip("/").rsplit("/", 1)[1]

    assert len(token) >= 40
    assert token not in invitation.token_hash
    assert not Invitation.objects.filter(token_hash=token).exists()


@pytest.mark.django_db(transaction=True)
def test_an_invitation_link_works_once(client, beheerder, school):
    _invitation, path = invite(beheerder, school)
    accept(client, path)
    client.logout()

    response = accept(client, path, username="tweede.poging")

    assert response.status_code == 410
    assert "al gebruikt" in response.content.decode()
    assert not User.objects.filter(username="tweede.poging").exists()


@pytest.mark.django_db(transaction=True)
def test_an_invitation_expires_after_72_hours(client, beheerder, school):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _invitation, path = invite(beheerder, school)
        traveller.shift(datetime.timedelta(hours=72, minutes=1))

        page = client.get(path)
        response = accept(client, path)

    assert page.status_code == 410
    assert "verlopen" in page.content.decode()
    assert response.status_code == 410
    assert not User.objects.filter(username="nieuwe.ib").exists()


@pytest.mark.django_db(transaction=True)
def test_an_invitation_still_works_just_before_it_expires(client, beheerder, school):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _invitation, path = invite(beheerder, school)
        traveller.shift(datetime.timedelta(hours=71, minutes=59))

        response = accept(client, path)

    assert response.status_code == 302


@pytest.mark.django_db
def test_an_unknown_token_is_refused(client):
    response = client.get(reverse("accounts:invitation", args=["geraden-token"]))

    assert response.status_code == 410


@pytest.mark.django_db(transaction=True)
def test_a_new_invitation_withdraws_the_earlier_link(client, beheerder, school):
    _first, first_path = invite(beheerder, school)
    _second, second_path = invite(beheerder, school)

    assert client.get(first_path).status_code == 410
    assert client.get(second_path).status_code == 200


@pytest.mark.django_db
def test_a_beheerder_cannot_invite_for_a_school_they_do_not_manage(beheerder, other_school):
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            by=beheerder, email="x@school.nl", school=other_school, role=Role.IB
        )


@pytest.mark.django_db
def test_an_ib_cannot_open_the_invitation_page(client, ib):
    client.force_login(ib)

    assert client.get(reverse("accounts:staff_invite")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_beheerder_invites_through_the_page(client, beheerder, school):
    client.force_login(beheerder)

    response = client.post(
        reverse("accounts:staff_invite"),
        {"email": "juf.nieuw@school.nl", "school": school.pk, "role": Role.TEACHER},
    )

    assert response.status_code == 302
    assert Invitation.objects.get(email="juf.nieuw@school.nl").role == Role.TEACHER
    assert mail.outbox[-1].to == ["juf.nieuw@school.nl"]


@pytest.mark.django_db
def test_an_address_with_an_account_is_not_invited_again(client, beheerder, ib, school):
    client.force_login(beheerder)

    response = client.post(
        reverse("accounts:staff_invite"),
        {"email": ib.email.upper(), "school": school.pk, "role": Role.IB},
    )

    assert response.status_code == 200
    assert "al een account" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_revoked_invitation_no_longer_works(client, beheerder, school):
    invitation, path = invite(beheerder, school)
    client.force_login(beheerder)
    client.post(reverse("accounts:staff_invite_revoke", args=[invitation.pk]))
    client.logout()

    assert client.get(path).status_code == 410


# --- deactivation and sessions -------------------------------------------------------------


@pytest.mark.django_db
def test_deactivation_ends_every_session_at_once(client, ib, django_user_model):
    laptop, tablet = Client(), Client()
    laptop.post(LOGIN, {"username": "ib", "password": PASSWORD})
    tablet.post(LOGIN, {"username": "ib", "password": PASSWORD})
    assert LoginSession.objects.filter(user=ib).count() == 2

    ib.is_active = False
    ib.save()

    assert LoginSession.objects.filter(user=ib).count() == 0
    assert not Session.objects.exists()
    assert laptop.get(HOME).status_code == 302


@pytest.mark.django_db
def test_sign_out_everywhere_else_keeps_this_session(client, ib):
    other = Client()
    other.post(LOGIN, {"username": "ib", "password": PASSWORD})
    client.post(LOGIN, {"username": "ib", "password": PASSWORD})

    page = client.get(reverse("accounts:account"))
    client.post(reverse("accounts:sessions_end"))

    assert page.content.decode().count("Afmelden") >= 1
    assert client.get(HOME).status_code == 200
    assert other.get(HOME).status_code == 302


@pytest.mark.django_db
def test_sign_out_everywhere_ends_this_session_too(client, ib):
    client.post(LOGIN, {"username": "ib", "password": PASSWORD})

    client.post(reverse("accounts:sessions_end"), {"all": "1"})

    assert client.get(HOME).status_code == 302


@pytest.mark.django_db
def test_a_session_ends_after_the_maximum_length_however_active(client, ib, settings):
    settings.ACCOUNTS_SESSION_MAX_HOURS = 12
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(LOGIN, {"username": "ib", "password": PASSWORD})
        for _ in range(12 * 4 - 1):  # a request every quarter of an hour
            traveller.shift(datetime.timedelta(minutes=15))
            assert client.get(HOME).status_code == 200
        traveller.shift(datetime.timedelta(minutes=16))

        response = client.get(HOME)

    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


@pytest.mark.django_db
def test_someone_cannot_end_a_colleagues_session(client, ib, director):
    Client().post(LOGIN, {"username": "directie", "password": PASSWORD})
    theirs = LoginSession.objects.get(user=director)
    client.force_login(ib)

    response = client.post(reverse("accounts:session_end", args=[theirs.pk]))

    assert response.status_code == 404
    assert LoginSession.objects.filter(pk=theirs.pk).exists()


# --- password reset and change -------------------------------------------------------------


def page(client, url):
    """The page without its per-request CSRF token."""
    html = client.get(url).content.decode()
    return re.sub(r'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def reset(client, email, address="10.0.0.1"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_reset_answers_alike_for_known_and_unknown_addresses(client, ib):
    known = reset(client, ib.email)
    sent = len(mail.outbox)
    unknown = reset(client, "niemand@example.nl")

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert sent == 1
    assert len(mail.outbox) == 1
    assert page(client, known.url) == page(client, unknown.url)


@pytest.mark.django_db
def test_the_reset_link_sets_a_new_password(client, ib):
    reset(client, ib.email)
    link = re.search(r"https?://\S+", mail.outbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    form = client.get(path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Nieuw-Wachtwoord-77", "new_password2": "Nieuw-Wachtwoord-77"},
    )

    assert response.status_code == 302
    ib.refresh_from_db()
    assert ib.check_password("Nieuw-Wachtwoord-77")
    assert "Nieuw wachtwoord" in mail.outbox[0].subject


@pytest.mark.django_db
def test_reset_is_limited_per_address(client, ib, settings):
    settings.ACCOUNTS_RESET_PER_ADDRESS = 3
    for n in range(3):
        reset(client, ib.email, address=f"10.0.0.{n}")

    response = reset(client, ib.email, address="10.0.0.99")

    assert response.status_code == 429
    assert "te veel aanvragen" in response.content.decode()
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_reset_is_limited_per_client_and_alike_for_unknown_addresses(client, settings):
    settings.ACCOUNTS_RESET_PER_IP = 5
    for n in range(5):
        reset(client, f"onbekend{n}@example.nl")

    response = reset(client, "nog.een@example.nl")
    elsewhere = reset(client, "nog.een@example.nl", address="10.9.9.9")

    assert response.status_code == 429
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_a_user_changes_their_own_password(client, ib):
    client.force_login(ib)

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Eigen-Keuze-2026",
            "new_password2": "Eigen-Keuze-2026",
        },
    )

    assert response.status_code == 302
    ib.refresh_from_db()
    assert ib.check_password("Eigen-Keuze-2026")
    assert client.get(HOME).status_code == 200


# --- two-factor login ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_ib_without_a_second_factor_is_sent_to_set_one_up(client, ib, required):
    client.post(LOGIN, {"username": "ib", "password": PASSWORD})

    response = client.get(HOME)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:setup"))


@pytest.mark.django_db
def test_a_teacher_needs_no_second_factor_unless_the_school_asks(client, teacher5, required):
    client.post(LOGIN, {"username": "juf.anna", "password": PASSWORD})

    assert client.get(HOME).status_code == 200


@pytest.mark.django_db
def test_a_teacher_needs_one_when_the_school_turns_it_on(client, teacher5, beheerder, required):
    services.school_set_teacher_two_factor(
        teacher5.memberships.get().school, by=beheerder, required=True
    )
    client.post(LOGIN, {"username": "juf.anna", "password": PASSWORD})

    assert client.get(HOME).url.startswith(reverse("accounts:setup"))


@pytest.mark.django_db
def test_setting_up_the_app_with_a_code_verifies_the_session(client, ib, required):
    client.post(LOGIN, {"username": "ib", "password": PASSWORD})
    qr = client.get(reverse("accounts:setup_qr"))
    device = TOTPDevice.objects.get(user=ib, confirmed=False)

    response = client.post(reverse("accounts:setup"), {"code": code_for(device)})

    assert qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    assert response.status_code == 200
    assert StaticToken.objects.filter(device__user=ib).count() == 10
    assert client.get(HOME).status_code == 200


@pytest.mark.django_db
def test_a_wrong_setup_code_is_refused(client, ib, required):
    client.post(LOGIN, {"username": "ib", "password": PASSWORD})
    client.get(reverse("accounts:setup"))

    response = client.post(reverse("accounts:setup"), {"code": "000000"})

    assert "klopt niet" in response.content.decode()
    assert client.get(HOME).status_code == 302


@pytest.mark.django_db
def test_with_an_app_the_password_alone_does_not_log_in(client, ib):
    enrol(ib)

    response = client.post(LOGIN, {"username": "ib", "password": PASSWORD})

    assert response.url == CODE
    assert client.get(HOME).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_code_from_the_app_completes_the_login(client, ib):
    device, _codes = enrol(ib)
    device.last_t = -1
    device.save()
    client.post(LOGIN, {"username": "ib", "password": PASSWORD, "next": "/casussen/"})

    response = client.post(CODE, {"code": code_for(device)})

    assert response.status_code == 302
    assert response.url == "/casussen/"
    assert client.get(HOME).status_code == 200


@pytest.mark.django_db
def test_a_backup_code_works_once(client, ib):
    _device, codes = enrol(ib)
    client.post(LOGIN, {"username": "ib", "password": PASSWORD})
    first = client.post(CODE, {"code": codes[0]})
    client.post(reverse("logout"))

    client.post(LOGIN, {"username": "ib", "password": PASSWORD})
    again = client.post(CODE, {"code": codes[0]})

    assert first.status_code == 302
    assert again.status_code == 200
    assert "klopt niet" in again.content.decode()
    assert client.get(HOME).status_code == 302
    assert StaticToken.objects.filter(device__user=ib).count() == 9


@pytest.mark.django_db
def test_new_backup_codes_replace_the_old_ones(client, ib):
    _device, old = enrol(ib)

    new = services.backup_codes_renew(ib)

    assert not set(old) & set(new)
    assert StaticToken.objects.filter(device__user=ib, token__in=old).count() == 0


@pytest.mark.django_db
def test_wrong_codes_lock_like_wrong_passwords(client, ib):
    enrol(ib)
    for _ in range(2):
        client.post(LOGIN, {"username": "ib", "password": "fout"}, REMOTE_ADDR="10.0.0.1")
    client.post(LOGIN, {"username": "ib", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    for _ in range(2):
        client.post(CODE, {"code": "123456"}, REMOTE_ADDR="10.0.0.1")

    last = client.post(CODE, {"code": "654321"}, REMOTE_ADDR="10.0.0.1")
    retry = client.post(LOGIN, {"username": "ib", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")

    assert last.status_code == 429
    assert retry.status_code == 429


@pytest.mark.django_db
def test_the_password_step_expires_after_a_few_minutes(client, ib):
    device, _codes = enrol(ib)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(LOGIN, {"username": "ib", "password": PASSWORD})
        traveller.shift(datetime.timedelta(minutes=6))

        response = client.post(CODE, {"code": code_for(device)})

    assert response.status_code == 302
    assert response.url == LOGIN
    assert client.get(HOME).status_code == 302


@pytest.mark.django_db
def test_a_forced_login_with_an_app_still_needs_the_code(client, ib):
    """Any session of a user with an app, however it came about, is held at the code page."""
    enrol(ib)
    client.force_login(ib)

    response = client.get(HOME)

    assert response.url.startswith(CODE)


@pytest.mark.django_db
def test_the_login_page_says_when_the_password_alone_is_enough(client, settings):
    settings.ACCOUNTS_REQUIRE_2FA = False
    relaxed = client.get(LOGIN).content.decode()
    settings.ACCOUNTS_REQUIRE_2FA = True
    strict = client.get(LOGIN).content.decode()

    assert "alleen een wachtwoord" in relaxed
    assert "alleen een wachtwoord" not in strict


@pytest.mark.django_db
def test_the_admin_login_goes_through_the_two_step_login(client):
    response = client.get(reverse("admin:login") + "?next=/applicatiebeheer/")

    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


@pytest.mark.django_db
def test_a_superuser_with_an_app_needs_the_code_for_the_admin(client):
    boss = User.objects.create_superuser("applicatiebeheer", "ab@example.nl", PASSWORD)
    enrol(boss)
    client.force_login(boss)

    response = client.get(reverse("admin:index"))

    assert response.url.startswith(CODE)


@pytest.mark.django_db
def test_a_superuser_must_set_up_a_second_factor(client, required):
    boss = User.objects.create_superuser("applicatiebeheer", "ab@example.nl", PASSWORD)
    client.force_login(boss)

    assert client.get(reverse("admin:index")).url.startswith(reverse("accounts:setup"))


# --- the beheerder's part ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_beheerder_resets_a_lost_second_factor(client, beheerder, ib):
    enrol(ib)
    Client().post(LOGIN, {"username": "ib", "password": PASSWORD})
    client.force_login(beheerder)

    page = client.get(reverse("schools:staff_edit", args=[ib.pk]))
    response = client.post(reverse("accounts:staff_two_factor_reset", args=[ib.pk]))

    assert "Tweestapsverificatie herstellen" in page.content.decode()
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=ib).exists()
    assert not StaticToken.objects.filter(device__user=ib).exists()
    assert not LoginSession.objects.filter(user=ib).exists()


@pytest.mark.django_db
def test_a_beheerder_cannot_reset_someone_of_another_school(client, beheerder, ib_other):
    enrol(ib_other)
    client.force_login(beheerder)

    response = client.post(reverse("accounts:staff_two_factor_reset", args=[ib_other.pk]))

    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=ib_other).exists()


@pytest.mark.django_db
def test_deactivating_on_the_beheer_page_ends_the_sessions(client, beheerder, ib):
    laptop = Client()
    laptop.post(LOGIN, {"username": "ib", "password": PASSWORD})
    client.force_login(beheerder)

    client.post(
        reverse("schools:staff_edit", args=[ib.pk]),
        {
            "account": "1",
            "first_name": ib.first_name,
            "last_name": ib.last_name,
            "email": ib.email,
        },
    )

    ib.refresh_from_db()
    assert not ib.is_active
    assert laptop.get(HOME).status_code == 302
    assert not LoginSession.objects.filter(user=ib).exists()


@pytest.mark.django_db
def test_the_beheerder_turns_the_second_factor_on_for_teachers(client, beheerder, school):
    client.force_login(beheerder)

    client.post(reverse("accounts:staff_two_factor"), {"school": school.pk, "required": "on"})

    school.refresh_from_db()
    assert school.teachers_need_two_factor


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge op Windows",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari op iPad",
        ),
        ("", "onbekende browser"),
    ],
)
def test_the_session_list_names_browser_and_system(agent, label):
    assert LoginSession(user_agent=agent).device_label == label


@pytest.mark.django_db
def test_setting_up_an_app_ends_the_other_password_only_sessions(client, ib):
    other = Client()
    other.post(LOGIN, {"username": "ib", "password": PASSWORD})
    assert other.get(HOME).status_code == 200
    client.post(LOGIN, {"username": "ib", "password": PASSWORD})
    client.get(reverse("accounts:setup"))
    device = TOTPDevice.objects.get(user=ib, confirmed=False)

    client.post(reverse("accounts:setup"), {"code": code_for(device)})

    assert other.get(HOME).status_code == 302
    assert client.get(HOME).status_code == 200


def test_production_always_asks_for_the_second_factor():
    from tests.test_production_settings import setting

    assert setting("ACCOUNTS_REQUIRE_2FA") == "True"
    assert setting("ACCOUNTS_REQUIRE_2FA", DJANGO_REQUIRE_2FA="0") == "True"
    assert setting("ACCOUNTS_SESSION_MAX_HOURS") == "12"


@pytest.mark.django_db
def test_a_reset_second_factor_stays_in_the_change_history(client, beheerder, ib):
    from auditlog.models import LogEntry

    device, _codes = enrol(ib)
    client.force_login(beheerder)

    client.post(reverse("accounts:staff_two_factor_reset", args=[ib.pk]))

    entry = LogEntry.objects.get_for_object(device).get(action=LogEntry.Action.DELETE)
    assert entry.actor == beheerder
    assert device.key not in str(entry.changes)
