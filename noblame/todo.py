"""What the No Blame traject asks of a staff member in "Te doen" (``cases.hooks`` "todo").

Two kinds of items, each with the case reference and never a pupil's name:

- a preparation request: the traject waits for this person to confirm that they know
  the approach; confirmed in one tap from Te doen (``noblame:confirm``);
- the victim's check-in after about a week: due until it is recorded as a short talk.
"""

import datetime

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import visible_cases
from noblame import rules
from noblame.models import Participant, Traject, TrajectState

# The check-in is due from its date on; it shows in Te doen this many days before.
CHECK_IN_SHOWN_DAYS_BEFORE = 7


def preparation_requests(user) -> list[Traject]:
    """Trajects in preparation that wait for ``user`` to confirm they know the approach."""
    # Someone the SMW added (a remedial teacher) may not see the case; the request (the
    # case reference and a button) reaches them all the same.
    trajects = (
        Traject.objects.filter(state=TrajectState.PREPARATION)
        .filter(
            Q(case__in=visible_cases(user), case__responsible_teacher=user)
            | Q(case__in=visible_cases(user), case__ib=user)
            | Q(participants__user=user, case__school__memberships__user=user)
        )
        .select_related("case", "case__responsible_teacher", "case__ib")
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.select_related("user"))
        )
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
    requests = preparation_requests(user)
    shown = visible_cases(user).filter(pk__in=[t.case_id for t in requests])
    visible = set(shown.values_list("pk", flat=True))
    for traject in requests:
        items.append(
            {
                "case": traject.case,
                "case_visible": traject.case_id in visible,
                "due": None,
                "title": _("No Blame-aanpak: bevestig dat u de aanpak kent"),
                "detail": _("De voorbereiding wacht op uw bevestiging."),
                "url": reverse("noblame:preparation", args=[traject.case_id])
                if traject.case_id in visible
                else "",
                "action_url": reverse("noblame:confirm", args=[traject.case_id]),
                "action_label": _("Ik ken de No Blame-aanpak"),
            }
        )
    for traject in check_ins_due(user, today):
        items.append(
            {
                "case": traject.case,
                "case_visible": True,
                "due": traject.check_in_on,
                "overdue": traject.check_in_on < today,
                "title": _("No Blame-aanpak: terugkomen op de opdracht van de gepeste leerling"),
                "detail": _("Leg het korte gesprek vast."),
                "url": reverse("noblame:check_in", args=[traject.case_id]),
            }
        )
    return items
