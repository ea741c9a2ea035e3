"""What the No Blame traject asks of a staff member in "Te doen" (``cases.hooks`` "todo").

Two kinds of items, each with the case reference and never a pupil's name:

- a preparation request: the traject waits for this person to confirm that they know
  the approach; confirmed in one tap from Te doen (``noblame:confirm``);
- the victim's check-in after about a week: due until it is recorded as a short talk.
"""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import visible_cases
from noblame import rules
from noblame.models import Traject, TrajectState

# The check-in is due from its date on; it shows in Te doen this many days before.
CHECK_IN_SHOWN_DAYS_BEFORE = 7


def preparation_requests(user) -> list[Traject]:
    """Trajects in preparation that wait for ``user`` to confirm they know the approach."""
    trajects = (
        Traject.objects.filter(state=TrajectState.PREPARATION, case__in=visible_cases(user))
        .filter(Q(case__responsible_teacher=user) | Q(case__ib=user) | Q(participants__user=user))
        .select_related("case", "case__responsible_teacher", "case__ib")
        .distinct()
        .order_by("created_at", "pk")
    )
    return [
        t
        for t in trajects
        if any(p.user_id == user.pk and p.confirmed_at is None for p in t.preparation_list())
    ]


def check_ins_due(user, today: datetime.date | None = None) -> list[Traject]:
    """Trajects of ``user``'s cases whose victim check-in is not recorded and falls due soon."""
    today = today or timezone.localdate()
    trajects = (
        Traject.objects.filter(
            state__in=[
                TrajectState.VICTIM_ASSIGNMENT,
                TrajectState.GROUP_FORMED,
                TrajectState.GROUP_MEETING,
            ],
            case__in=visible_cases(user),
            check_ins__isnull=True,
        )
        .filter(Q(case__responsible_teacher=user) | Q(case__ib=user) | Q(case__smw=user))
        .select_related("case")
        .distinct()
        .order_by("created_at", "pk")
    )
    due = []
    for traject in trajects:
        talk = traject.victim_talk
        if talk is None or not rules.TALK_HOLDER(traject, user):
            continue
        if talk.check_in_on <= today + datetime.timedelta(days=CHECK_IN_SHOWN_DAYS_BEFORE):
            traject.check_in_on = talk.check_in_on
            due.append(traject)
    return due


def todo_items(user) -> list[dict]:
    """The items for Te doen (see ``templates/cases/_todo_extra.html``)."""
    today = timezone.localdate()
    items = []
    for traject in preparation_requests(user):
        items.append(
            {
                "case": traject.case,
                "due": None,
                "title": _("No Blame-aanpak: bevestig dat u de aanpak kent"),
                "detail": _("De voorbereiding wacht op uw bevestiging."),
                "url": reverse("noblame:preparation", args=[traject.case_id]),
                "action_url": reverse("noblame:confirm", args=[traject.case_id]),
                "action_label": _("Ik ken de No Blame-aanpak"),
            }
        )
    for traject in check_ins_due(user, today):
        items.append(
            {
                "case": traject.case,
                "due": traject.check_in_on,
                "overdue": traject.check_in_on < today,
                "title": _("No Blame-aanpak: terugkomen op de opdracht van de gepeste leerling"),
                "detail": _("Leg het korte gesprek vast."),
                "url": reverse("noblame:check_in", args=[traject.case_id]),
            }
        )
    return items
