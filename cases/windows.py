"""Dates are windows (protocol: "Dates are windows, with school-configurable defaults").

A talk the protocol plans after a number of days has a window: held before it opens
needs a reason, which the timeline shows; not held when it has closed is overdue. The
defaults are the school's (``School.one_off_review_days`` and
``one_off_review_late_days``; the No Blame windows in ``noblame.SchoolSettings``), so
each app reads one place. ``early_problem`` is the check every app's talk service can use.
"""

import datetime

from django.utils.translation import gettext as _


def is_early(talk, held_on: datetime.date) -> bool:
    """Was ``talk`` held before its window opened?"""
    opens = getattr(talk, "window_opens", None)
    return opens is not None and held_on < opens


def early_problem(talk, held_on: datetime.date, reason: str) -> str | None:
    """The refusal when ``talk`` is recorded before its window opens without a reason."""
    if not is_early(talk, held_on) or reason.strip():
        return None
    return _(
        "Dit gesprek hoort vanaf %(date)s plaats te vinden. Schrijf op waarom het eerder is "
        "gehouden."
    ) % {"date": talk.window_opens.strftime("%d-%m-%Y")}
