"""Who sees which case, and in which role someone acts on it: the one place that decides.

- IB, SMW, director and anti-pestcoördinator see every case of the schools where they hold
  that role.
- A teacher sees the cases of their school with a pupil of one of their classes,
  and the cases they are assigned to (responsible teacher, coach).
- Nobody sees another school's cases; a deactivated account sees nothing.
- The board (bestuur / kwaliteitszorg) sees no case and no pupil: only the anonymous figures
  of every school of the boards where they hold that role (``report_schools``).
"""

from django.apps import apps
from django.db.models import Q, QuerySet

from schools.models import Membership, Pupil, Role, School, SchoolClass

SCHOOL_WIDE_ROLES = (Role.IB, Role.SMW, Role.DIRECTOR, Role.COORDINATOR)
# Who reads a school's year report (the anonymous figures of one school).
REPORT_ROLES = (Role.IB, Role.DIRECTOR, Role.COORDINATOR)

# Each part of the product and the roles (at any school) that open it. The menu, the start
# page and the views ask ``may_open``; no template or view repeats a role rule.
PAGES = {
    "signal": (Role.TEACHER, Role.IB),
    "cases": (Role.TEACHER, *SCHOOL_WIDE_ROLES),
    "all_cases": SCHOOL_WIDE_ROLES,
    "dashboard": SCHOOL_WIDE_ROLES,
    "noblame": (Role.SMW, Role.IB),
    "support_groups": (Role.SMW,),
    "todo": (Role.TEACHER, Role.IB, Role.SMW),
    "access_log": (Role.DIRECTOR, Role.ADMIN),
    # The right-of-access export of a pupil's dossier, per school (``export_views``).
    "export": (Role.IB, Role.DIRECTOR, Role.COORDINATOR),
    "beheer": (Role.ADMIN,),
    # The year report of a school, and the board's figures of all its schools side by side.
    "report": REPORT_ROLES,
    "board_report": (Role.BOARD,),
}


def _model(name: str):
    """A model of ``cases`` from the registry: ``cases.models`` imports this module's
    callers (``cases.rules``), so it is not imported here."""
    return apps.get_model("cases", name)


def _is_active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _memberships(user) -> list[tuple[str, int]]:
    """(role, school id) of every membership of ``user``: one query, cached on the user."""
    if not hasattr(user, "_access_memberships"):
        user._access_memberships = list(
            Membership.objects.filter(user=user).values_list("role", "school_id")
        )
    return user._access_memberships


def forget_memberships(sender, instance, **kwargs) -> None:
    """A membership was saved or deleted: the user object it was given (a request's user,
    an object a service holds) reads its roles again. Other copies of the same account
    are per request and end with it."""
    if type(instance).user.is_cached(instance):
        instance.user.__dict__.pop("_access_memberships", None)


def roles_at(user, school_id: int | None) -> set[str]:
    """The roles ``user`` holds at one school (at any, for ``None``), whether or not the
    account is active: what the access log records of who read something."""
    if not (user and user.is_authenticated):
        return set()
    return {role for role, school in _memberships(user) if school_id in (None, school)}


def roles_of(user) -> set[str]:
    """Every role ``user`` holds at any school."""
    if not _is_active(user):
        return set()
    return {role for role, _school in _memberships(user)}


def school_ids_of(user, roles=None) -> set[int]:
    """The schools where ``user`` holds any role (one of ``roles``, if given)."""
    if not _is_active(user):
        return set()
    return {school for role, school in _memberships(user) if roles is None or role in roles}


def pages_for(user) -> set[str]:
    """The parts of the product ``user`` may open (see ``PAGES``)."""
    roles = roles_of(user)
    return {page for page, allowed in PAGES.items() if roles & set(allowed)}


def may_open(user, page: str) -> bool:
    return bool(roles_of(user) & set(PAGES[page]))


def report_schools(user) -> QuerySet:
    """Schools whose year report ``user`` reads: where they hold a report role."""
    if not _is_active(user):
        return School.objects.none()
    own = Membership.objects.filter(user=user, role__in=REPORT_ROLES).values("school_id")
    return School.objects.filter(pk__in=own)


def board_schools(user) -> QuerySet:
    """Schools whose figures the board role of ``user`` reads: every school of each board at
    one of whose schools ``user`` holds the board role."""
    if not _is_active(user):
        return School.objects.none()
    boards = Membership.objects.filter(user=user, role=Role.BOARD).values("school__board_id")
    return School.objects.filter(board_id__in=boards)


def visible_cases(user) -> QuerySet:
    Case = _model("Case")

    if not _is_active(user):
        return Case.objects.none()
    return Case.objects.filter(visible_cases_q(user))


def visible_cases_q(user, prefix: str = "") -> Q:
    """The condition of ``visible_cases`` on a case, or (with ``prefix``, such as
    ``"case__"``) on the case of a related row: a list of talks then filters on the joined
    case, and the database can start from the talks' own index."""
    if not _is_active(user):
        return Q(**{f"{prefix}pk__in": []})
    # The school ids as values (the memberships are read once per request), not as a
    # subquery: the database then uses the indexes that start with the school.
    school_wide = school_ids_of(user, SCHOOL_WIDE_ROLES)
    teaching = school_ids_of(user, (Role.TEACHER,)) - school_wide
    visible = Q(**{f"{prefix}school_id__in": sorted(school_wide)})
    if teaching:
        visible |= Q(**{f"{prefix}school_id__in": sorted(teaching)}) & _teaches_q(user, prefix)
    return visible


def _teaches_q(user, prefix: str = "") -> Q:
    """A case with a pupil of one of ``user``'s classes, or ``user`` as its responsible
    teacher or a coach (``_teaches_case`` in SQL)."""
    own_class_cases = (
        _model("CasePupil").objects.filter(pupil__school_class__teachers=user).values("case_id")
    )
    teaches = Q(**{f"{prefix}pk__in": own_class_cases})
    for field in TEACHING_FIELDS:
        teaches |= Q(**{f"{prefix}{field}": user})
    return teaches


# The people on a case who teach it, whatever their classes (``_teaches_case``).
TEACHING_FIELDS = ("responsible_teacher", "coach_bully", "coach_victim", "coach_group")


def visible_pupils(user) -> QuerySet:
    """Pupils whose names ``user`` may see: a teacher those of their own classes, IB, SMW and
    director every pupil of their schools."""
    if not _is_active(user):
        return Pupil.objects.none()
    school_wide = school_ids_of(user, SCHOOL_WIDE_ROLES)
    teaching = school_ids_of(user, (Role.TEACHER,)) - school_wide
    visible = Q(school_id__in=sorted(school_wide))
    if teaching:
        own_classes = SchoolClass.objects.filter(teachers=user, school_id__in=sorted(teaching))
        visible |= Q(school_class_id__in=own_classes.values("pk"))
    return Pupil.objects.filter(visible)


def dossier_pupils(user) -> QuerySet:
    """Pupils whose dossier ``user`` may read: the pupils they may see, and every pupil of a
    case they may see."""
    CasePupil = _model("CasePupil")

    in_cases = CasePupil.objects.filter(case__in=visible_cases(user)).values("pupil_id")
    return Pupil.objects.filter(Q(pk__in=visible_pupils(user)) | Q(pk__in=in_cases))


def dossier_schools(user, pupil) -> QuerySet:
    """The schools whose part of ``pupil``'s dossier ``user`` reads: the pupil's current
    school if ``user`` may see the pupil there, and the schools of the pupil's cases
    ``user`` may see. A pupil who moved takes no entries along: the new school reads only
    its own entries, the old school (through its case) only its own."""
    if not _is_active(user):
        return School.objects.none()
    current = visible_pupils(user).filter(pk=pupil.pk).values("school_id")
    of_cases = visible_cases(user).filter(case_pupils__pupil=pupil).values("school_id")
    return School.objects.filter(Q(pk__in=current) | Q(pk__in=of_cases))


def dossier_note_schools(user, pupil) -> set[int]:
    """The schools (ids) whose dossier entries outside a case about ``pupil`` ``user``
    reads in full: where ``user`` holds a school-wide role, and the pupil's current school
    if ``user`` may see the pupil there. An entry of a case is read by the rule of its
    case (``visible_cases``); the dossier page shows any other entry by date and kind only.
    """
    if not _is_active(user):
        return set()
    schools = {school for role, school in _memberships(user) if role in SCHOOL_WIDE_ROLES}
    if visible_pupils(user).filter(pk=pupil.pk).exists():
        schools.add(pupil.school_id)
    return schools


def can_see_case(user, case) -> bool:
    return visible_cases(user).filter(pk=case.pk).exists()


def acting_q(user, roles, prefix: str = "") -> Q:
    """The condition "``user`` may act on the case in one of ``roles``" (``acting_roles``)
    in SQL, on a case or (with ``prefix``) on the case of a related row: for lists that
    count and cap in the database what ``Permission`` checks one case at a time."""
    roles = set(roles) - {Role.ADMIN}
    if not _is_active(user) or not roles:
        return Q(**{f"{prefix}pk__in": []})
    wide = school_ids_of(user, roles - {Role.TEACHER})
    acting = Q(**{f"{prefix}school_id__in": sorted(wide)})
    teaching = school_ids_of(user, (Role.TEACHER,)) - wide if Role.TEACHER in roles else set()
    if teaching:
        acting |= Q(**{f"{prefix}school_id__in": sorted(teaching)}) & _teaches_q(user, prefix)
    return acting


def acting_roles(user, case) -> set[str]:
    """The roles in which ``user`` may act on ``case``: empty if they may not see it."""
    if not _is_active(user):
        return set()
    roles = {role for role, school in _memberships(user) if school == case.school_id}
    if Role.TEACHER in roles and not _teaches_case(user, case):
        roles.discard(Role.TEACHER)
    roles.discard(Role.ADMIN)  # the beheerder manages data; they do not act on cases
    return roles


def _teaches_case(user, case) -> bool:
    if user.pk in {getattr(case, f"{field}_id") for field in TEACHING_FIELDS}:
        return True
    return case.case_pupils.filter(pupil__school_class__teachers=user).exists()
