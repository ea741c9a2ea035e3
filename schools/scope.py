"""What a beheerder manages: the one scoping function for every beheer page and service.

A beheerder (role ``admin``) manages the classes, pupils, guardians and staff roles of
the schools where they hold that role, and nothing else. Every query of the beheer
pages starts from :func:`managed_schools`; every save goes through a service in
``schools.services`` that calls :func:`require_managed` on each school it touches.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from schools.models import Guardian, Membership, Pupil, Role, School, SchoolClass


def managed_schools(user) -> QuerySet:
    """The schools ``user`` manages: those where they hold the ``admin`` role."""
    if not (user and user.is_authenticated and user.is_active):
        return School.objects.none()
    return School.objects.filter(memberships__user=user, memberships__role=Role.ADMIN).distinct()


def is_beheerder(user) -> bool:
    return managed_schools(user).exists()


def require_managed(user, school) -> None:
    """Refuse unless ``user`` manages ``school`` (a School or its id)."""
    school_id = getattr(school, "pk", school)
    if school_id is None or not managed_schools(user).filter(pk=school_id).exists():
        raise PermissionDenied


def managed_classes(user) -> QuerySet:
    return SchoolClass.objects.filter(school__in=managed_schools(user))


def managed_pupils(user) -> QuerySet:
    return Pupil.objects.filter(school__in=managed_schools(user))


def managed_guardians(user) -> QuerySet:
    """Guardians of a pupil of a managed school. A guardian exists only beside a pupil."""
    return Guardian.objects.filter(
        pk__in=Guardian.objects.filter(pupils__school__in=managed_schools(user)).values("pk")
    )


def managed_staff(user) -> QuerySet:
    """Accounts with a role at a managed school."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        pk__in=Membership.objects.filter(school__in=managed_schools(user)).values("user_id")
    )


def may_edit_account(user, account) -> bool:
    """The account itself (name, e-mail, active) may be changed only when every role the
    account holds is at a school ``user`` manages, and it is not the board's superuser."""
    if account.is_superuser or account.pk == user.pk:
        return False
    elsewhere = Membership.objects.filter(user=account).exclude(school__in=managed_schools(user))
    return not elsewhere.exists() and managed_staff(user).filter(pk=account.pk).exists()


def school_filter(user, field: str = "school") -> Q:
    """A ``Q`` limiting ``field`` to the managed schools, for queries on other models."""
    return Q(**{f"{field}__in": managed_schools(user)})
