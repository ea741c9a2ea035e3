"""Who must sign in with a second factor, and what a half-signed-in user may open.

One list of roles to extend: a role named here that does not exist (yet) simply matches
no membership.
"""

from django.conf import settings
from django.db.models import Q

from schools.models import Membership, Role

# Roles that see pupil data beyond one class, or manage accounts: always two factors.
TWO_FACTOR_ROLES = frozenset(
    {
        Role.IB.value,
        Role.SMW.value,
        Role.DIRECTOR.value,
        Role.ADMIN.value,
        "coordinator",
        "board",
    }
)


def requires_second_factor(user) -> bool:
    """True when ``user`` may not work with a password alone.

    Off entirely when ``ACCOUNTS_REQUIRE_2FA`` is (development with DEBUG on). The board's
    application manager (superuser) always needs it; a teacher when a school of theirs
    turned it on for teachers.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    if not settings.ACCOUNTS_REQUIRE_2FA:
        return False
    if user.is_superuser:
        return True
    return (
        Membership.objects.filter(user=user)
        .filter(
            Q(role__in=TWO_FACTOR_ROLES)
            | Q(role=Role.TEACHER, school__teachers_need_two_factor=True)
        )
        .exists()
    )
