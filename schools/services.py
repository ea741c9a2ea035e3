"""Every write of the beheer pages: classes, pupils, guardians, staff accounts and roles.

Each service takes the acting beheerder as keyword-only ``by``, checks through
``schools.scope`` that every school it touches is one ``by`` manages (a school, class,
account or guardian of another school is refused, whatever a form or a forged request
sent), saves inside ``transaction.atomic()``, and leaves its change history through
django-auditlog with ``by`` as the actor.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.actor import acting_as
from schools.models import (
    Guardian,
    GuardianRelation,
    Membership,
    Pupil,
    Role,
    School,
    SchoolClass,
    SchoolHoliday,
)
from schools.scope import (
    managed_guardians,
    managed_schools,
    may_edit_account,
    require_managed,
)

# Roles a beheerder may give at a school they manage. The board role is not among them: it
# opens the figures of every school of the board, so the application manager gives it.
GRANTABLE_ROLES = (Role.TEACHER, Role.IB, Role.SMW, Role.DIRECTOR, Role.COORDINATOR, Role.ADMIN)


def _teachers_of(school) -> set[int]:
    return set(
        Membership.objects.filter(school=school, role=Role.TEACHER).values_list(
            "user_id", flat=True
        )
    )


# --- classes ------------------------------------------------------------------------------


def class_save(
    school_class: SchoolClass | None, *, by, school: School, school_year: str, name: str, teachers
) -> SchoolClass:
    """Create a class (``school_class`` None) or change one; teachers must teach at the school."""
    require_managed(by, school)
    if school_class is not None:
        require_managed(by, school_class.school_id)
        if school_class.school_id != school.pk and school_class.pupils.exists():
            raise ValidationError(
                _("Een groep met leerlingen kan niet naar een andere school worden verplaatst.")
            )
    teachers = list(teachers)
    allowed = _teachers_of(school)
    if any(t.pk not in allowed for t in teachers):
        raise ValidationError(_("Kies alleen leerkrachten van deze school."))
    duplicate = SchoolClass.objects.filter(school=school, school_year=school_year, name=name)
    if school_class is not None:
        duplicate = duplicate.exclude(pk=school_class.pk)
    if duplicate.exists():
        raise ValidationError(_("Deze school heeft in dit schooljaar al een groep met die naam."))
    with transaction.atomic(), acting_as(by):
        school_class = school_class or SchoolClass()
        school_class.school = school
        school_class.school_year = school_year
        school_class.name = name
        school_class.full_clean()
        school_class.save()
        school_class.teachers.set(teachers)
    return school_class


# --- pupils -------------------------------------------------------------------------------

PUPIL_FIELDS = (
    "school",
    "pupil_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "school_class",
    "left_on",
)


def pupil_save(pupil: Pupil | None, *, by, **values) -> Pupil:
    """Create or change a pupil. Both the old and the new school must be managed by ``by``;
    the class must belong to the pupil's school."""
    unknown = set(values) - set(PUPIL_FIELDS)
    if unknown:
        raise TypeError(f"Unknown pupil fields: {sorted(unknown)}")
    school = values.get("school") or (pupil.school if pupil else None)
    require_managed(by, school)
    if pupil is not None:
        require_managed(by, pupil.school_id)
    school_class = values.get("school_class")
    if school_class is not None and school_class.school_id != school.pk:
        raise ValidationError(_("Deze groep hoort bij een andere school dan de leerling."))
    with transaction.atomic(), acting_as(by):
        pupil = pupil or Pupil()
        for name, value in values.items():
            setattr(pupil, name, value if value is not None else _empty(name))
        pupil.full_clean()
        pupil.save()
    return pupil


def _empty(name: str):
    return "" if name in {"pupil_number", "first_name", "last_name"} else None


# --- guardians ----------------------------------------------------------------------------

GUARDIAN_FIELDS = ("first_name", "last_name", "email", "phone")


def may_edit_guardian(user, guardian: Guardian) -> bool:
    """A guardian's own details (name, e-mail, phone) are shared by every school where they
    have a child: only a beheerder of all those schools may change them."""
    schools = set(guardian.pupils.values_list("school_id", flat=True))
    return schools <= set(managed_schools(user).values_list("pk", flat=True))


def guardian_add(
    pupil: Pupil, *, by, relation: str, has_custody: bool, **details
) -> GuardianRelation:
    """Link a parent or carer to ``pupil``. A guardian with the same e-mail address who
    already has a child at a managed school is linked, not created twice."""
    require_managed(by, pupil.school_id)
    email = (details.get("email") or "").strip()
    guardian = None
    if email:
        guardian = managed_guardians(by).filter(email__iexact=email).first()
    if guardian is not None and pupil.guardian_relations.filter(guardian=guardian).exists():
        raise ValidationError(_("Deze ouder/verzorger is al aan de leerling gekoppeld."))
    with transaction.atomic(), acting_as(by):
        if guardian is None:
            guardian = Guardian(**{k: details.get(k) or "" for k in GUARDIAN_FIELDS})
            guardian.full_clean()
            guardian.save()
        link = GuardianRelation(
            pupil=pupil, guardian=guardian, relation=relation, has_custody=has_custody
        )
        link.full_clean()
        link.save()
    return link


def guardian_update(
    link: GuardianRelation, *, by, relation: str, has_custody: bool, **details
) -> GuardianRelation:
    """Change a guardian's relation to a pupil and, where ``by`` may, their own details."""
    require_managed(by, link.pupil.school_id)
    guardian = link.guardian
    changes_details = any(
        (details.get(k) or "") != getattr(guardian, k) for k in GUARDIAN_FIELDS if k in details
    )
    if changes_details and not may_edit_guardian(by, guardian):
        raise PermissionDenied(
            _(
                "Deze ouder/verzorger heeft ook een kind op een school die u niet beheert: "
                "naam en contactgegevens past de beheerder van het bestuur aan."
            )
        )
    with transaction.atomic(), acting_as(by):
        if changes_details:
            for k in GUARDIAN_FIELDS:
                if k in details:
                    setattr(guardian, k, details[k] or "")
            guardian.full_clean()
            guardian.save()
        link.relation = relation
        link.has_custody = has_custody
        link.full_clean()
        link.save()
    return link


def guardian_unlink(link: GuardianRelation, *, by) -> None:
    """Remove the link between a guardian and a pupil (a mistake in the data). The guardian
    stays when they have other children; talks they took part in keep them."""
    require_managed(by, link.pupil.school_id)
    with transaction.atomic(), acting_as(by):
        link.delete()


# --- staff accounts and roles ----------------------------------------------------------------


def staff_create(
    *, by, username: str, first_name: str, last_name: str, email: str, password: str, roles
) -> object:
    """A new staff account with roles at managed schools. ``roles``: (school, role) pairs."""
    roles = list(roles)
    if not roles:
        raise ValidationError(_("Geef de medewerker ten minste één rol op een school."))
    for school, role in roles:
        require_managed(by, school)
        if role not in GRANTABLE_ROLES:
            raise ValidationError(_("Deze rol kan hier niet worden gegeven."))
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError(_("Deze gebruikersnaam is al in gebruik."))
    with transaction.atomic(), acting_as(by):
        user = user_model(
            username=username, first_name=first_name, last_name=last_name, email=email
        )
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        for school, role in roles:
            Membership.objects.create(user=user, school=school, role=role)
    return user


def staff_update(account, *, by, first_name: str, last_name: str, email: str, is_active: bool):
    """Change an account's name, e-mail and whether it may log in. Only for an account whose
    every role is at a school ``by`` manages: a colleague of another school is not theirs."""
    if not may_edit_account(by, account):
        raise PermissionDenied(_("Dit account heeft ook een rol op een school die u niet beheert."))
    with transaction.atomic(), acting_as(by):
        account.first_name, account.last_name, account.email = first_name, last_name, email
        account.is_active = is_active
        account.full_clean(exclude=["password"])
        account.save(update_fields=["first_name", "last_name", "email", "is_active"])
    return account


def staff_set_roles(account, *, by, school: School, roles) -> None:
    """Set the roles ``account`` holds at one managed school (adds and removes)."""
    require_managed(by, school)
    roles = set(roles)
    if not roles <= set(GRANTABLE_ROLES):
        raise ValidationError(_("Deze rol kan hier niet worden gegeven."))
    if account.is_superuser:
        raise PermissionDenied(_("Het account van de applicatiebeheerder wijzigt u hier niet."))
    if account.pk == by.pk and Role.ADMIN not in roles:
        raise ValidationError(_("U kunt uw eigen beheerdersrol niet intrekken."))
    # A role the beheerder may not give (the board's) is not theirs to take away either.
    current = set(
        Membership.objects.filter(
            user=account, school=school, role__in=GRANTABLE_ROLES
        ).values_list("role", flat=True)
    )
    with transaction.atomic(), acting_as(by):
        for role in current - roles:
            Membership.objects.filter(user=account, school=school, role=role).delete()
            if role == Role.TEACHER:
                for school_class in SchoolClass.objects.filter(school=school, teachers=account):
                    school_class.teachers.remove(account)
        for role in roles - current:
            Membership.objects.create(user=account, school=school, role=role)


# --- the school's own settings --------------------------------------------------------------

# What a beheerder may set of a school (the protocol's dates are defaults each school may
# change; the No Blame windows are set the same way, in ``noblame.services``).
SCHOOL_SETTINGS = (
    "one_off_review_days",
    "one_off_review_late_days",
    "victim_outside_help_months",
    "holiday_region",
    "teachers_need_two_factor",
)


def school_settings_save(school: School, *, by, **values) -> School:
    """Change the settings in ``SCHOOL_SETTINGS`` of a school ``by`` manages."""
    require_managed(by, school)
    unknown = set(values) - set(SCHOOL_SETTINGS)
    if unknown:
        raise ValueError(f"not a school setting: {sorted(unknown)}")
    with transaction.atomic(), acting_as(by):
        school = School.objects.select_for_update().get(pk=school.pk)
        for name, value in values.items():
            setattr(school, name, value)
        school.full_clean()
        school.save(update_fields=list(values))
    return school


def holiday_add(school: School, *, by, name: str, starts_on, ends_on) -> SchoolHoliday:
    """A holiday of the school's own list. With a list of its own, the school no longer
    follows its region's holidays."""
    require_managed(by, school)
    with transaction.atomic(), acting_as(by):
        # The school's row is locked: two holidays added at once cannot both pass the check.
        school = School.objects.select_for_update().get(pk=school.pk)
        overlapping = school.holidays.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
        if overlapping.exists():
            raise ValidationError(
                _("Deze vakantie overlapt met %(other)s.") % {"other": overlapping.first()}
            )
        holiday = SchoolHoliday(school=school, name=name, starts_on=starts_on, ends_on=ends_on)
        holiday.full_clean()
        holiday.save()
    return holiday


def holiday_remove(holiday: SchoolHoliday, *, by) -> None:
    require_managed(by, holiday.school_id)
    with transaction.atomic(), acting_as(by):
        holiday.delete()


# --- the new school year -------------------------------------------------------------------

GROEP_RE = re.compile(r"^groep\s*(?P<number>[1-8])\s*(?P<suffix>[a-z]?)$", re.IGNORECASE)


def next_school_year(school_year: str) -> str:
    start = int(school_year[:4]) + 1
    return f"{start}-{start + 1}"


@dataclass
class YearMove:
    source: SchoolClass
    target_name: str | None  # None: groep 8, the pupils leave
    target: SchoolClass | None = None  # set when next year's class exists already
    pupils: list = field(default_factory=list)


@dataclass
class YearPlan:
    school: School
    from_year: str
    to_year: str
    moves: list = field(default_factory=list)
    manual: list = field(default_factory=list)  # classes whose name says no single groep

    @property
    def moving(self) -> int:
        return sum(len(m.pupils) for m in self.moves if m.target_name)

    @property
    def leaving(self) -> int:
        return sum(len(m.pupils) for m in self.moves if not m.target_name)

    @property
    def new_classes(self) -> list[str]:
        names = {m.target_name for m in self.moves if m.target_name and m.target is None}
        return sorted(names)


def school_year_plan(school: School, from_year: str, *, by) -> YearPlan:
    """What the step to the next school year will do: nothing is saved."""
    require_managed(by, school)
    to_year = next_school_year(from_year)
    plan = YearPlan(school=school, from_year=from_year, to_year=to_year)
    existing = {
        c.name.lower(): c for c in SchoolClass.objects.filter(school=school, school_year=to_year)
    }
    classes = SchoolClass.objects.filter(school=school, school_year=from_year).order_by("name")
    pupils = Pupil.objects.filter(school_class__in=classes, left_on__isnull=True).order_by(
        "last_name", "first_name"
    )
    by_class: dict[int, list] = {}
    for pupil in pupils:
        by_class.setdefault(pupil.school_class_id, []).append(pupil)
    for school_class in classes:
        members = by_class.get(school_class.pk, [])
        match = GROEP_RE.match(school_class.name.strip())
        if not match:
            plan.manual.append((school_class, members))
            continue
        number, suffix = int(match["number"]), match["suffix"].lower()
        target_name = None if number == 8 else f"groep {number + 1}{suffix}"
        move = YearMove(school_class, target_name, pupils=members)
        if target_name:
            move.target = existing.get(target_name)
        plan.moves.append(move)
    return plan


def school_year_advance(
    school: School, from_year: str, *, by, leaving_on: datetime.date
) -> YearPlan:
    """Create next year's classes and move every pupil up one groep; groep 8 leaves on
    ``leaving_on``. Teachers are not copied: a new year has a new division of classes."""
    plan = school_year_plan(school, from_year, by=by)
    if not plan.moving and not plan.leaving:
        raise ValidationError(_("Er zijn in dit schooljaar geen leerlingen om over te zetten."))
    with transaction.atomic(), acting_as(by):
        for move in plan.moves:
            if move.target_name and move.target is None:
                move.target, _created = SchoolClass.objects.get_or_create(
                    school=school, school_year=plan.to_year, name=move.target_name
                )
            for pupil in move.pupils:
                if move.target_name:
                    pupil.school_class = move.target
                    pupil.save(update_fields=["school_class"])
                else:
                    pupil.left_on = leaving_on
                    pupil.save(update_fields=["left_on"])
    return plan
