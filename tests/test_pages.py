"""The pages a person meets first."""

from django.urls import reverse


def test_login_page_is_served_in_dutch(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert "Inloggen" in response.content.decode()
    assert "Gebruikersnaam" in response.content.decode()


def test_login_with_wrong_password_says_so_in_dutch(client, people):
    response = client.post(reverse("login"), {"username": "ib", "password": "fout"})

    assert "passen niet bij elkaar" in response.content.decode()


def test_case_list_shows_only_visible_cases(client, school, people, victim, bully):
    from tests.walk import new_case

    case = new_case(school, people["teacher5"], victim, bully)
    client.force_login(people["teacher7"])

    response = client.get(reverse("cases:list"))

    assert case.reference not in response.content.decode()
    client.force_login(people["teacher5"])
    assert case.reference in client.get(reverse("cases:list")).content.decode()


def test_static_assets_come_from_the_project(client, people):
    client.force_login(people["ib"])

    html = client.get(reverse("cases:list")).content.decode()

    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "cdn" not in html.lower()


def test_an_english_browser_still_gets_dutch(client, db):
    response = client.get(reverse("login"), headers={"accept-language": "en-US,en;q=0.9"})

    assert "Gebruikersnaam" in response.content.decode()
