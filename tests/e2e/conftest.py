"""Browser tests: Playwright drives the Debian Chromium at /usr/bin/chromium.

Every test here is marked ``e2e``. Without that Chromium the tests skip with a
reason on a developer's machine; under CI=true they fail instead (``.ci/run``
installs the package). Screenshots of the main pages go to
``test-artifacts/screenshots/`` (git-ignored).
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import ON_CI

# The live server runs in a thread while Playwright's sync API keeps an event loop
# in the test thread; Django's async-safety check would refuse the test's ORM calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = "/static/vendor/axe-core/axe.min.js"
PASSWORD = "a-long-test-pass"  # what tests/conftest.make_user gives every persona
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}
# The widths of the issue-15 walks: a portrait tablet, a landscape tablet, a laptop.
WIDTHS = {820: 1180, 1024: 768, 1366: 768}
LAYOUT_JS = (Path(__file__).parent / "layout.js").read_text()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install the Debian package chromium."
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "nl-NL"}


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    return page


class Site:
    """The live server as a person meets it: log in, go places, take pictures."""

    def __init__(self, page, live_server):
        self.page = page
        self.url = live_server.url

    def go(self, path: str):
        self.page.goto(self.url + path)
        return self.page

    def login(self, username: str):
        page = self.go("/inloggen/")
        page.get_by_label("Gebruikersnaam").fill(username)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url(re.compile(r"/start/$"))
        return page

    def logout(self):
        if self.page.get_by_role("button", name="Menu openen").is_visible():
            self.page.get_by_role("button", name="Menu openen").click()
        self.page.get_by_role("button", name="Uitloggen").click()

    def screenshot(self, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    def layout_problems(self) -> list[str]:
        """Horizontal overflow of the page, a table or the menu, text cut off in a table,
        and a label (``label``, ``dt``, row ``th``) overlapping its value (layout.js).
        With the menu folded into its toggler, the menu is opened and checked too."""
        problems = self.page.evaluate(LAYOUT_JS)
        toggler = self.page.get_by_role("button", name="Menu openen")
        if toggler.is_visible():
            toggler.click()
            self.page.locator("#main-nav.show").wait_for()
            opened = self.page.evaluate(LAYOUT_JS)
            problems += [f"opened menu: {p}" for p in opened if "menu" in p]
            toggler.click()
            self.page.locator("#main-nav:not(.show):not(.collapsing)").wait_for(state="attached")
        return problems

    def axe_violations(self, impacts=("serious", "critical")) -> list[str]:
        """Run axe-core (served from the project) on the current page."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url=self.url + AXE)
        result = self.page.evaluate("async () => await window.axe.run(document)")
        return [
            f"{v['impact']}: {v['id']} ({v['help']}) at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:5])
            for v in result["violations"]
            if v["impact"] in impacts
        ]


@pytest.fixture
def site(page, live_server):
    return Site(page, live_server)
