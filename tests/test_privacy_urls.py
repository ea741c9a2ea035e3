"""No URL the app builds holds a pupil's name (issue 17).

A name in a URL lands in the web server's access log and in the browser's history. Every
demo user browses from the start page: follows the links, and submits every filter form
(GET), every search form (``role="search"``) and every htmx search field with the name of
a pupil they may see. Every URL requested, every URL in a page (links, form actions, htmx
attributes) and every ``Location`` header is checked for the first or last name of any
demo pupil, taken from the database.
"""

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import unquote_plus, urldefrag, urlencode, urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import resolve, reverse

from cases.access import pages_for, visible_pupils
from demo.management.commands.seed_demo import STAFF
from schools.models import Pupil
from tests.test_ui_browse import LEAVES, MAX_PAGES, MAX_PER_KIND, _browsable

URL_ATTRIBUTES = ("href", "src", "action", "hx-get", "hx-post", "hx-put", "hx-patch")
FOLLOWED = ("href", "hx-get")  # what a browser GETs; an action or hx-post is a form's
HTMX_METHODS = {"hx-get": "get", "hx-post": "post"}

# Names from the demo's name lists that are part of a word the app itself puts in URLs.
# They are looked for as a word of their own (``?q=Tim``), not inside another word
# (``/gesprek/victim/``); every other name is looked for anywhere in a URL.
IN_URL_WORDS = {
    "tim": "victim: talk kinds (victim, victim_parents), the transition start_victim_talk",
    "eva": "evaluation: a talk kind",
    "evi": "review: the talk kind one_off_review, the transition start_review",
    "teun": "steungroep: the No Blame support group page",
    "eren": "verwijderen, annuleren, doorvoeren: URL words of the No Blame and beheer pages",
    "ties": "vakanties: the beheer pages of a school's own holidays",
}
SHORTEST_NAME = 3  # shorter names ("Bo", "Ali") are parts of too many words
# The page a person may open (``cases.access.pages_for``) -> the search it has.
SEARCHES = {
    "dashboard": "cases:dashboard",
    "signal": "cases:pupil_search",
    "beheer": "schools:pupils",
}


def pupil_names() -> set[str]:
    """Every demo pupil's first name, last name and the last word of a composed last name
    ("Vries" of "de Vries"), lower case."""
    names = set()
    for first, last in Pupil.objects.values_list("first_name", "last_name"):
        names |= {first, last, last.split()[-1]}
    return {name.casefold() for name in names if len(name) >= SHORTEST_NAME}


def names_in(url: str, names: set[str]) -> set[str]:
    text = unquote_plus(url).casefold()
    words = set(re.findall(r"\w+", text))
    return {name for name in names if (name in words if name in IN_URL_WORDS else name in text)}


class Page(HTMLParser):
    """The URLs in a page, its forms with their fields, and its htmx search fields."""

    def __init__(self):
        super().__init__()
        self.urls, self.links, self.forms, self.htmx_fields = [], [], [], []
        self._form = self._select = None

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        self.urls += [a[key] for key in URL_ATTRIBUTES if key in a]
        self.links += [a[key] for key in FOLLOWED if key in a and tag != "input"]
        if tag == "form" and self._form is None:  # a nested form counts as its outer one
            self._form = {
                "method": a.get("method", "get").lower(),
                "action": a.get("action", ""),
                "search": a.get("role") == "search",
                "fields": [],
            }
        elif tag == "input" and a.get("name"):
            for key, method in HTMX_METHODS.items():
                if key in a and a.get("type", "text") in ("text", "search"):
                    self.htmx_fields.append((method, a[key], a["name"]))
            if self._form is not None:
                self._form["fields"].append((a.get("type", "text"), a["name"], a))
        elif tag == "textarea" and self._form is not None and a.get("name"):
            self._form["fields"].append(("text", a["name"], a))
        elif tag == "select" and self._form is not None and a.get("name"):
            self._select = {"name": a["name"], "options": [], "selected": None}
        elif tag == "option" and self._select is not None:
            self._select["options"].append(a.get("value", ""))
            if "selected" in a:
                self._select["selected"] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            chosen = self._select["selected"]
            if chosen is None:  # the first real choice, to meet the filter
                chosen = next((o for o in self._select["options"] if o), "")
            self._form["fields"].append(("select", self._select["name"], {"value": chosen}))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def filled(form, name: str) -> dict:
    """What a person sends with ``form``: a pupil's name in every text field."""
    data = {}
    for kind, field, attrs in form["fields"]:
        if field == "csrfmiddlewaretoken":  # the test client checks no CSRF token
            continue
        if kind in ("text", "search"):
            value = name
        elif kind in ("checkbox", "radio"):
            if "checked" not in attrs:
                continue
            value = attrs.get("value", "on")
        elif kind in ("hidden", "select"):
            value = attrs.get("value", "")
        else:  # dates, files, buttons
            continue
        data.setdefault(field, []).append(value)
    return data


def browse(client, name: str) -> list[tuple[str, str]]:
    """Browse as the client's user, searching for ``name`` wherever a form lets them.
    Returns (where it was found, URL) for every URL met."""
    met, seen, per_kind = [], set(), Counter()
    queue = deque([("get", "/start/", None, False)])

    def add(method, url, data=None, submitted=False):
        """Queue a request; what a person submits, and where it leads, goes first and is
        never left out for the limits of the walk."""
        url = urldefrag(url).url
        parts = urlsplit(url)
        if parts.scheme in ("mailto", "tel") or parts.netloc or not _browsable(parts.path):
            return
        if LEAVES.search(parts.path):
            return
        if method == "get" and data is not None:  # a GET puts what is sent in the URL
            url, data = f"{url.split('?')[0]}?{urlencode(data, doseq=True)}", None
        if submitted:
            queue.appendleft((method, url, data, True))
        else:
            queue.append((method, url, data, False))

    while queue and len(seen) < MAX_PAGES:
        method, url, data, submitted = queue.popleft()
        kind = resolve(urlsplit(url).path).view_name
        key = (method, url, repr(data))
        if key in seen or (not submitted and per_kind[kind] >= MAX_PER_KIND):
            continue
        seen.add(key)
        per_kind[kind] += 1
        met.append((f"{method.upper()} request", url))
        response = client.post(url, data) if method == "post" else client.get(url)
        assert response.status_code < 500, url
        if "Location" in response:
            location = response["Location"]
            met.append((f"Location after {method.upper()} {url}", location))
            add("get", urljoin(url, location), submitted=submitted)
            continue
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = Page()
        page.feed(response.content.decode())
        met += [(f"in the page {url}", found) for found in page.urls]
        for link in page.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            # One query-string variant per page is enough (filters, page numbers).
            if parts.query and any(s[1].startswith(parts.path + "?") for s in seen):
                continue
            add("get", target)
        for form in page.forms:
            if form["method"] == "get" or form["search"]:
                data = filled(form, name)
                action = urljoin(url, form["action"] or url)
                add(form["method"], action, data, submitted=True)
        for htmx_method, target, field in page.htmx_fields:
            for text in (name, name.split()[0]):  # the whole name, and what one types
                add(htmx_method, urljoin(url, target), {field: text}, submitted=True)
    return met


def searched_name(user) -> str:
    """The name of a pupil the user may see (else one of their school), to search for."""
    pupils = visible_pupils(user)
    if not pupils.exists():  # the beheerder: the pupils of their school
        pupils = Pupil.objects.filter(school__memberships__user=user)
    for pupil in pupils.order_by("pk"):
        words = {pupil.first_name.casefold(), pupil.last_name.split()[-1].casefold()}
        if not words & IN_URL_WORDS.keys() and min(map(len, words)) >= SHORTEST_NAME:
            return pupil.full_name
    raise AssertionError("no demo pupil to search for")


@pytest.mark.django_db
@pytest.mark.parametrize("username", sorted(STAFF))
def test_no_url_holds_a_pupils_name(demo, settings, username):
    settings.MEDIA_ROOT = demo
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    names = pupil_names()

    met = browse(client, searched_name(user))

    leaks = [
        f"{where}: {url} ({', '.join(sorted(found))})"
        for where, url in met
        if (found := names_in(url, names))
    ]
    assert not leaks, "\n".join(leaks)
    # The walk searched where this person can: the searches were really sent.
    posted = {urlsplit(url).path for where, url in met if where == "POST request"}
    pages = pages_for(user)
    assert {reverse(name) for page, name in SEARCHES.items() if page in pages} <= posted


# --- the filter and the search themselves --------------------------------------------------


@pytest.fixture
def ib_client(client, seeded):
    client.force_login(User.objects.get(username="ib"))
    return client


def a_pupil_with_a_case(username="ib") -> Pupil:
    user = User.objects.get(username=username)
    pupils = visible_pupils(user).filter(cases__isnull=False, left_on__isnull=True)
    return pupils.distinct().order_by("pk").first()


def test_the_dashboard_filter_by_name_ends_on_a_url_with_an_id(ib_client):
    pupil = a_pupil_with_a_case()

    response = ib_client.post(reverse("cases:dashboard"), {"name": pupil.full_name}, follow=True)

    url, status = response.redirect_chain[-1]
    assert status == 302
    assert f"leerling={pupil.pk}" in url
    assert not names_in(url, {pupil.first_name.casefold(), pupil.last_name.casefold()})
    assert pupil in response.context["chosen_pupils"]
    assert response.context["page"].object_list
    assert all(
        c.case_pupils.filter(pupil=pupil).exists() for c in response.context["page"].object_list
    )


def test_get_on_the_pupil_search_is_refused(ib_client):
    pupil = a_pupil_with_a_case()

    response = ib_client.get(reverse("cases:pupil_search"), {"q": pupil.first_name})

    assert response.status_code == 405


def test_the_pupil_search_answers_a_post(ib_client):
    pupil = a_pupil_with_a_case()

    response = ib_client.post(reverse("cases:pupil_search"), {"q": pupil.full_name})

    assert f"{pupil.full_name} toevoegen" in response.content.decode()


def test_a_forged_id_of_another_schools_pupil_shows_nothing_of_them(client, seeded):
    theirs = a_pupil_with_a_case("ib2")  # CBS Het Kompas
    client.force_login(User.objects.get(username="ib"))  # OBS De Regenboog

    response = client.get(reverse("cases:dashboard"), {"leerling": theirs.pk})

    assert response.status_code == 200
    assert theirs.full_name not in response.content.decode()
    assert response.context["chosen_pupils"] == []
    assert not any(
        c.case_pupils.filter(pupil=theirs).exists() for c in response.context["page"].object_list
    )


def test_a_name_in_the_dashboard_url_is_not_read(ib_client):
    pupil = a_pupil_with_a_case()

    response = ib_client.get(reverse("cases:dashboard"), {"name": pupil.full_name})

    assert response.context["chosen_pupils"] == []
    assert not response.context["form"]["name"].value()
