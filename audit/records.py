"""Writing access records: the one place, called by every view that reads pupil data."""

from django.core.exceptions import ObjectDoesNotExist

from audit.models import AccessAction, AccessRecord
from cases.access import roles_at
from pestprotocol.middleware import client_ip

# Attributes followed, in order, to find the school an object belongs to.
_SCHOOL_PATHS = ("school_id", "case", "pupil", "traject", "plan", "talk")


def record_access(request, obj, action=AccessAction.VIEW, *, school=None) -> AccessRecord:
    if action not in AccessAction.values:
        raise ValueError(f"Unknown access action: {action!r}")
    user = request.user
    school_id = school.pk if school is not None else school_of(obj)
    roles = ",".join(sorted(roles_at(user, school_id)))
    return AccessRecord.objects.create(
        user=user,
        username=user.get_username(),
        roles=roles,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        action=action,
        school_id=school_id,
        ip_address=client_ip(request),
    )


def school_of(obj, depth: int = 0):
    """The id of the school ``obj`` belongs to, following case/pupil/traject/plan links."""
    if obj is None or depth > 4:
        return None
    for attr in _SCHOOL_PATHS:
        try:
            value = getattr(obj, attr, None)
        except ObjectDoesNotExist:
            continue
        if value is None:
            continue
        if attr == "school_id":
            return value
        found = school_of(value, depth + 1)
        if found is not None:
            return found
    return None
