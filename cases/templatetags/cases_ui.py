"""Template helpers for the case pages: the roles of the user, for the navigation."""

from django import template

from schools.models import Membership

register = template.Library()


def roles_of(user) -> set[str]:
    """Every role ``user`` holds at any school (one query; cached on the user object)."""
    if not (user and user.is_authenticated and user.is_active):
        return set()
    if not hasattr(user, "_cases_ui_roles"):
        user._cases_ui_roles = set(
            Membership.objects.filter(user=user).values_list("role", flat=True)
        )
    return user._cases_ui_roles


@register.simple_tag(takes_context=True)
def user_roles(context):
    request = context.get("request")
    return roles_of(request.user) if request is not None else set()
