"""What the beheer pages show of an account's sign-in (they live in ``schools``)."""

from django import template
from django_otp import user_has_device

register = template.Library()


@register.simple_tag
def has_second_factor(account) -> bool:
    return user_has_device(account)
