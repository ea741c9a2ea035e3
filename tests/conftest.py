"""Personas and places shared by the test suite.

School 1 has groep 5 (teacher ``teacher5``) and groep 7 (``teacher7``); the IB,
SMW and director work there; ``ib_other`` is the IB of another school.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connection
from django.utils import translation

from schools.models import (
    Guardian,
    GuardianRelation,
    Membership,
    Pupil,
    Role,
    School,
    SchoolBoard,
    SchoolClass,
)

ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    from django.conf import settings

    # Hashing demo passwords with the production hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are deselected (not skipped) on SQLite; the PG run has them.
    The tests that use the demo data run last, module by module, so it is seeded once."""
    with_demo = [i for i in items if "demo" in getattr(i, "fixturenames", ())]
    if with_demo:
        later = {id(i) for i in with_demo}
        items[:] = [i for i in items if id(i) not in later] + with_demo
    if connection.vendor == "postgresql":
        only_sqlite = [i for i in items if "sqlite_only" in i.keywords]
        if only_sqlite:
            config.hook.pytest_deselected(items=only_sqlite)
            items[:] = [i for i in items if "sqlite_only" not in i.keywords]
        return
    selected = [i for i in items if "postgres_only" not in i.keywords]
    deselected = [i for i in items if "postgres_only" in i.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_sessionfinish(session, exitstatus):
    """On CI a skipped test is a failure: browsers and PostgreSQL must really run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if ON_CI and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("CI=true: skipped tests are not allowed.", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded and generated files (signatures, scans, PDFs) never land in the project."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _dutch_to_begin_with():
    """Each test starts in Dutch: a request in English leaves the thread's language set."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def _demo_seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo data (seed_demo), loaded once per test session: it takes a while.

    The tests that use it run last (``pytest_collection_modifyitems``), so no other test
    meets it. Yields the folder of its files.
    """
    from django.conf import settings
    from django.core.management import call_command

    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock():
        saved = settings.DEBUG, settings.MEDIA_ROOT
        settings.DEBUG, settings.MEDIA_ROOT = True, media
        try:
            call_command("seed_demo", verbosity=0)
        finally:
            settings.DEBUG, settings.MEDIA_ROOT = saved
    yield media
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def demo(_demo_seeded, django_db_blocker):
    """The demo data for one test module. What the module adds to it at module level (its
    world of objects) is rolled back when the module ends; each test's own changes are
    rolled back after the test, as always. Yields the folder of the demo's files."""
    from django.conf import settings
    from django.db import transaction

    # Files the module adds at module level land beside the demo's own files.
    saved_media, settings.MEDIA_ROOT = settings.MEDIA_ROOT, _demo_seeded
    with django_db_blocker.unblock():
        module = transaction.atomic()
        module.__enter__()
    try:
        yield _demo_seeded
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            module.__exit__(None, None, None)
        settings.MEDIA_ROOT = saved_media


@pytest.fixture
def seeded(demo, db, settings):
    """The demo data in a test: reads it, and what the test changes is rolled back."""
    settings.DEBUG = True
    settings.MEDIA_ROOT = demo


def make_user(username, school, role, **extra):
    user = User.objects.create_user(
        username, email=f"{username}@example.nl", password="a-long-test-pass", **extra
    )
    Membership.objects.create(user=user, school=school, role=role)
    return user


@pytest.fixture
def school(db):
    board = SchoolBoard.objects.create(name="Stichting Test")
    return School.objects.create(board=board, name="OBS De Regenboog")


@pytest.fixture
def other_school(school):
    return School.objects.create(board=school.board, name="CBS Het Kompas")


@pytest.fixture
def groep5(school):
    return SchoolClass.objects.create(school=school, school_year="2026-2027", name="groep 5")


@pytest.fixture
def groep7(school):
    return SchoolClass.objects.create(school=school, school_year="2026-2027", name="groep 7")


@pytest.fixture
def teacher5(school, groep5):
    user = make_user("juf.anna", school, Role.TEACHER, first_name="Anna", last_name="de Boer")
    groep5.teachers.add(user)
    return user


@pytest.fixture
def teacher7(school, groep7):
    user = make_user("meester.tim", school, Role.TEACHER)
    groep7.teachers.add(user)
    return user


@pytest.fixture
def ib(school):
    return make_user("ib", school, Role.IB, first_name="Ingrid", last_name="Bakker")


@pytest.fixture
def smw(school):
    return make_user("smw", school, Role.SMW)


@pytest.fixture
def director(school):
    return make_user("directie", school, Role.DIRECTOR)


@pytest.fixture
def beheerder(school):
    return make_user("beheerder", school, Role.ADMIN)


@pytest.fixture
def ib_other(other_school):
    return make_user("ib2", other_school, Role.IB)


@pytest.fixture
def inactive_ib(school):
    return make_user("oud.ib", school, Role.IB, is_active=False)


def make_pupil(school, school_class, first, last, guardian=True):
    pupil = Pupil.objects.create(
        school=school, school_class=school_class, first_name=first, last_name=last
    )
    if guardian:
        parent = Guardian.objects.create(first_name="Ouder", last_name=last)
        GuardianRelation.objects.create(
            pupil=pupil, guardian=parent, relation="parent", has_custody=True
        )
    return pupil


@pytest.fixture
def victim(school, groep5):
    return make_pupil(school, groep5, "Sanne", "de Vries")


@pytest.fixture
def bully(school, groep5):
    return make_pupil(school, groep5, "Daan", "Jansen")


@pytest.fixture
def follower(school, groep5):
    return make_pupil(school, groep5, "Noah", "Bakker")


@pytest.fixture
def people(teacher5, teacher7, ib, smw, director, ib_other, inactive_ib, beheerder):
    """Every persona by name, for tables of who may do what."""
    return {
        "teacher5": teacher5,
        "teacher7": teacher7,
        "ib": ib,
        "smw": smw,
        "director": director,
        "ib_other": ib_other,
        "inactive_ib": inactive_ib,
        "beheerder": beheerder,
    }
