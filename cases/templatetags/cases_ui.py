"""Template helpers for the navigation and the lists.

Which parts of the product the user may open: the rule lives in ``cases.access.PAGES``;
templates ask ``{% user_pages as pages %}``. The pupils beside a case reference in a list
of talks or trajects: ``{{ talk.case_pupil_rows|pupils_short }}``."""

from django import template

from cases.access import pages_for
from cases.models import short_names

register = template.Library()


@register.simple_tag(takes_context=True)
def user_pages(context):
    request = context.get("request")
    return pages_for(request.user) if request is not None else set()


@register.filter
def pupils_short(rows) -> str:
    """``Case.pupils_short`` from the rows ``queries.with_case_pupils`` fetched."""
    return short_names(rows)
