"""axe-core on the main pages, at desktop and tablet width, and a screenshot of each.

axe-core comes from the npm package, served by the project itself
(static/vendor/axe-core). A serious or critical violation fails the test.
"""

import datetime

import pytest
from django.utils import timezone

from cases import services
from cases.models import State
from cases.talks import TalkKind
from tests.e2e.conftest import DESKTOP, TABLET
from tests.walk import new_case, walk

pytestmark = pytest.mark.e2e


@pytest.fixture
def cases(people, school, victim, bully, follower):
    assessment = walk(new_case(school, people["teacher5"], victim, bully), State.ASSESSMENT, people)
    support = walk(
        new_case(school, people["teacher5"], follower, bully), State.SUPPORT_GROUP, people
    )
    # An overdue talk for the lists; talks are planned from stap 4 on.
    planning = walk(
        new_case(school, people["teacher5"], victim, follower), State.ACTION_PLAN, people
    )
    services.talk_plan(
        planning,
        TalkKind.OTHER,
        timezone.localdate() - datetime.timedelta(days=2),
        by=people["teacher5"],
    )
    return {"assessment": assessment, "support": support}


# At tablet width the menu folds away; axe checks the pages where layout changes most.
TABLET_AXE = {"start-teacher", "case", "dashboard", "noblame-traject"}


def pages_for(cases):
    a, s = cases["assessment"], cases["support"]
    return {
        "juf.anna": [
            ("start-teacher", "/start/"),
            ("signal-new", "/casussen/nieuw/"),
            ("my-cases", "/casussen/"),
            ("case", f"/casussen/{a.pk}/"),
            ("talk", f"/casussen/{a.pk}/gesprek/{TalkKind.OTHER}/"),
            ("dossier", f"/leerlingen/{a.pupils.first().pk}/dossier/"),
            ("todo", "/te-doen/"),
        ],
        "ib": [("start-ib", "/start/"), ("dashboard", "/overzicht/")],
        "smw": [
            ("start-smw", "/start/"),
            ("noblame-list", "/no-blame/"),
            ("noblame-traject", f"/casussen/{s.pk}/no-blame/"),
            ("case-support-group", f"/casussen/{s.pk}/"),
        ],
    }


def test_the_main_pages_pass_axe_at_desktop_and_tablet_width(site, page, people, cases):
    problems = []
    site.go("/inloggen/")
    for size, viewport in (("desktop", DESKTOP), ("tablet", TABLET)):
        page.set_viewport_size(viewport)
        site.go("/inloggen/")
        problems += [f"login ({size}): {v}" for v in site.axe_violations()]
        site.screenshot(f"login-{size}")
    for username, pages in pages_for(cases).items():
        page.context.clear_cookies()
        site.login(username)
        for size, viewport in (("desktop", DESKTOP), ("tablet", TABLET)):
            page.set_viewport_size(viewport)
            for name, path in pages:
                site.go(path)
                assert page.locator("h1").count() == 1, path
                if size == "desktop" or name in TABLET_AXE:
                    problems += [f"{name} ({size}): {v}" for v in site.axe_violations()]
                site.screenshot(f"{name}-{size}")

    assert problems == []
