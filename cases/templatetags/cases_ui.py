"""Template helpers for the navigation: which parts of the product the user may open.

The rule lives in ``cases.access.PAGES``; templates ask ``{% user_pages as pages %}``."""

from django import template

from cases.access import pages_for

register = template.Library()


@register.simple_tag(takes_context=True)
def user_pages(context):
    request = context.get("request")
    return pages_for(request.user) if request is not None else set()
