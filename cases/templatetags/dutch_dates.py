"""Short dates the Dutch way, in every template (a builtin, see ``TEMPLATES``).

``{{ d|short_date }}`` gives "30 nov. 2026"; ``{{ d|short_date:"time" }}`` adds the time
("30 nov. 2026, 14:05"); ``{{ d|short_date:"weekday" }}``, for a date in the coming
days, gives the day and no year ("maandag 30 nov."). In English: "30 Nov 2026", "Monday
30 Nov". Long dates use Django's own
``date:"j F Y"`` ("30 november 2026"): Dutch month names are lowercase already."""

import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.translation import get_language

register = template.Library()

# The Taalunie's abbreviations: a full stop after a shortened month, none after "mei".
DUTCH_MONTHS_SHORT = (
    "jan.",
    "feb.",
    "mrt.",
    "apr.",
    "mei",
    "jun.",
    "jul.",
    "aug.",
    "sep.",
    "okt.",
    "nov.",
    "dec.",
)


@register.filter
def short_date(value, with_time=""):
    """A date, or a moment in local time, as a short date (see the module)."""
    if not value:
        return ""
    moment = None
    if isinstance(value, datetime.datetime):
        moment = timezone.localtime(value) if timezone.is_aware(value) else value
        value = moment.date()
    dutch = (get_language() or "nl").startswith("nl")
    if with_time == "weekday":
        day = dateformat.format(value, "l")
        if dutch:
            return f"{day} {value.day} {DUTCH_MONTHS_SHORT[value.month - 1]}"
        return f"{day} {dateformat.format(value, 'j M')}"
    if dutch:
        text = f"{value.day} {DUTCH_MONTHS_SHORT[value.month - 1]} {value.year}"
    else:
        text = dateformat.format(value, "j M Y")
    if with_time == "time" and moment is not None:
        text += ", " + dateformat.format(moment, "H:i")
    return text
