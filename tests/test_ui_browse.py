"""Every demo user browses from the start page to every page linked for them: no server
error anywhere, and each role finds the pages of its job."""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

LINK = re.compile(r'href="([^"#]+)"')
# Pages that are not HTML pages to browse further (downloads, printouts).
LEAVES = re.compile(r"(\.pdf|/bewijs/\d+/)$")
MAX_PAGES = 400

# username -> URL names that person must reach from their start page.
JOBS = {
    "leerkracht": {
        "cases:start",
        "cases:signal_new",
        "cases:list",
        "cases:todo",
        "cases:detail",
        "cases:talk",
    },
    "leerkracht2": {"cases:start", "cases:signal_new", "cases:list", "cases:detail"},
    "ib": {
        "cases:start",
        "cases:dashboard",
        "cases:list",
        "cases:todo",
        "cases:detail",
        "cases:signal_new",
        "noblame:list",
        "noblame:traject",
    },
    "smw": {
        "cases:start",
        "cases:dashboard",
        "cases:list",
        "cases:todo",
        "noblame:list",
        "noblame:traject",
        "cases:detail",
    },
    "directie": {"cases:start", "cases:dashboard", "cases:list", "cases:detail"},
    "ib2": {"cases:start", "cases:dashboard", "cases:detail"},
    "beheerder": {"cases:start", "admin:index"},
}
# Nobody is sent to pages of another job.
NOT_FOR = {
    "leerkracht": {"cases:dashboard", "admin:index"},
    "directie": {"cases:signal_new", "admin:index"},
    "beheerder": {"cases:detail", "cases:signal_new"},
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data once for this module (it takes a few seconds)."""
    from django.conf import settings

    with django_db_blocker.unblock():
        debug, settings.DEBUG = settings.DEBUG, True
        try:
            call_command("seed_demo", verbosity=0)
            yield
        finally:
            settings.DEBUG = debug
            call_command("flush", interactive=False, verbosity=0)


def crawl(client) -> dict[str, str]:
    """Follow every link from the start page; path -> URL name of each page reached."""
    seen, names = set(), {}
    queue = deque(["/start/"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code < 500, path
        assert response.status_code in (200, 302), f"{path}: {response.status_code}"
        match = resolve(urlsplit(path).path)
        names[path] = match.view_name
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for href in LINK.findall(response.content.decode()):
            target = urljoin(path, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc or not _browsable(parts.path) or LEAVES.search(parts.path):
                continue
            # One query-string variant per page is enough (filters, page numbers).
            if parts.query and any(p.startswith(parts.path + "?") for p in seen):
                continue
            queue.append(target)
    return names


def _browsable(path: str) -> bool:
    if path.startswith(("/static/", "/uitloggen/", "/i18n/")):
        return False
    if path.startswith("/beheer/") and path != "/beheer/":
        return False  # the admin has its own tests
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("username", sorted(JOBS))
def test_every_demo_user_browses_without_a_server_error(demo, username):
    client = Client()
    client.force_login(User.objects.get(username=username))

    reached = set(crawl(client).values())

    assert JOBS[username] <= reached, JOBS[username] - reached
    assert not (NOT_FOR.get(username, set()) & reached)
