"""Every demo user browses from the start page to every page linked for them: no server
error anywhere, and each role finds the pages of its job."""

import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import Resolver404, resolve

LINK = re.compile(r'href="([^"#]+)"')
# Pages that are not HTML pages to browse further (downloads, printouts).
LEAVES = re.compile(r"(\.pdf|/pdf/|/bewijs/\d+/)$")
MAX_PAGES = 400
# Enough pages of one kind (case page, talk page, ...) to meet its variants; the rest of
# the same kind adds time, not coverage.
MAX_PER_KIND = 8

# username -> URL names that person must reach from their start page.
JOBS = {
    "leerkracht": {
        "cases:start",
        "cases:signal_new",
        "cases:list",
        "cases:todo",
        "cases:detail",
        "cases:talk",
        "dossier:pupil",
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
        "dossier:pupil",
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
    "coordinator": {
        "cases:start",
        "cases:dashboard",
        "cases:list",
        "cases:detail",
        "reports:school",
    },
    "bestuur": {"cases:start", "reports:board"},
    "beheerder": {
        "cases:start",
        "schools:home",
        "schools:school_settings",
        "schools:classes",
        "schools:class_edit",
        "schools:pupils",
        "schools:pupil_edit",
        "schools:guardian_edit",
        "schools:staff",
        "schools:staff_edit",
        "schools:import_upload",
        "schools:new_year",
    },
}
# Nobody is sent to pages of another job.
NOT_FOR = {
    "leerkracht": {"cases:dashboard", "admin:index"},
    "directie": {"cases:signal_new", "admin:index"},
    "beheerder": {"cases:detail", "cases:signal_new", "admin:index"},
    "bestuur": {"cases:detail", "dossier:pupil", "cases:dashboard", "reports:school"},
}


def crawl(client) -> dict[str, str]:
    """Follow every link from the start page; path -> URL name of each page reached."""
    seen, names, per_kind = set(), {}, Counter()
    queue = deque(["/start/"])
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        kind = resolve(urlsplit(path).path).view_name
        if path in seen or per_kind[kind] >= MAX_PER_KIND:
            continue
        seen.add(path)
        per_kind[kind] += 1
        response = client.get(path)
        assert response.status_code < 500, path
        assert response.status_code in (200, 302), f"{path}: {response.status_code}"
        names[path] = kind
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
    if path.startswith("/applicatiebeheer/"):
        return False  # Django's admin has its own tests
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("username", sorted(JOBS))
def test_every_demo_user_browses_without_a_server_error(demo, settings, username):
    settings.MEDIA_ROOT = demo  # the plans' PDFs were filed there
    client = Client()
    client.force_login(User.objects.get(username=username))

    reached = set(crawl(client).values())

    assert JOBS[username] <= reached, JOBS[username] - reached
    assert not (NOT_FOR.get(username, set()) & reached)
