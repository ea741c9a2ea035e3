"""Configuration from the environment: development needs nothing, production needs a key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_runs_for_development_with_no_variables():
    assert run_check().returncode == 0


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check(DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="school.example.nl")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_the_development_key():
    result = run_check(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="development-only-not-for-production-use",
        DJANGO_ALLOWED_HOSTS="school.example.nl",
    )

    assert result.returncode != 0


def test_production_starts_with_a_real_key():
    result = run_check(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k" * 20 + "a-real-random-value-for-tests-0123456789",
        DJANGO_ALLOWED_HOSTS="school.example.nl",
    )

    assert result.returncode == 0, result.stderr


def test_dutch_and_amsterdam_by_default(settings):
    assert settings.LANGUAGE_CODE == "nl"
    assert settings.TIME_ZONE == "Europe/Amsterdam"
