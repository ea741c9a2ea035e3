"""Template helpers of the year report."""

from django import template

from reports.documents import _number

register = template.Library()


@register.filter
def days(value) -> str:
    """A number of days as the report writes it: "7", "7,5" or "–"."""
    return _number(value)


@register.filter
def share(cell, cells) -> int:
    """The width (0–100) of a bar: this shown count against the largest shown one."""
    shown = [c.value for c in cells if not c.is_hidden]
    if cell.is_hidden or not shown or not max(shown):
        return 0
    return round(100 * cell.value / max(shown))
