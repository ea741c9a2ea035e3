"""What the No Blame traject asks of a staff member in "Te doen" (``cases.hooks`` "todo").

Two kinds of items, each with the case reference and never a pupil's name:

- a preparation request: the traject waits for this person to confirm that they know
  the approach; confirmed in one tap from Te doen (``noblame:confirm``);
- the victim's check-in after about a week: due until it is recorded as a short talk.
"""

import datetime

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.access import acting_q, may_open, school_ids_of, visible_cases_q
from cases.paging import CAP, capped
from noblame import rules
from noblame.models import Participant, Traject, TrajectState, VictimTalk

# The check-in is due from its date on; it shows in Te doen this many days before.
CHECK_IN_SHOWN_DAYS_BEFORE = 7


def preparation_requests(user):
    """Trajects in preparation that wait for ``user`` to confirm they know the approach:
    the case's teacher and IB (on a case they see) until they confirm, and whoever the SMW
    added to the list. Counted and capped in SQL (``Traject.preparation_list`` is the same
    rule for one traject)."""
    return (
        _waiting_for_confirmation(user)
        .annotate(
            case_visible=ExpressionWrapper(
                visible_cases_q(user, "case__"), output_field=BooleanField()
            )
        )
        .select_related("case")
        .only("case_id", "created_at", "state", "case__reference", "case__state", "case__school_id")
        .order_by("created_at", "pk")
    )


def _waiting_for_confirmation(user):
    """The rule of ``preparation_requests``, without what its rows show: for counting."""
    confirmed = Participant.objects.filter(
        traject=OuterRef("pk"), user=user, confirmed_at__isnull=False
    )
    on_the_list = Participant.objects.filter(
        traject=OuterRef("pk"), user=user, confirmed_at__isnull=True
    )
    expected = visible_cases_q(user, "case__") & (
        Q(case__responsible_teacher=user) | Q(case__ib=user)
    )
    # Someone the SMW added (a remedial teacher) may not see the case; the request (the
    # case reference and a button) reaches them all the same.
    added = Exists(on_the_list) & Q(case__school_id__in=sorted(school_ids_of(user)))
    return (
        Traject.objects.filter(state=TrajectState.PREPARATION)
        .filter(~Exists(confirmed))
        .filter(expected | added)
    )


def check_ins_due(user, today: datetime.date | None = None):
    """Trajects of ``user``'s cases whose victim check-in is not recorded and falls due soon,
    where ``user`` may hold the talk (``rules.TALK_HOLDER``, in SQL)."""
    return (
        _check_ins_due(user, today)
        .select_related("case")
        .only("case_id", "created_at", "state", "case__reference", "case__state", "case__school_id")
        .order_by("created_at", "pk")
    )


def _check_ins_due(user, today: datetime.date | None = None):
    """The rule of ``check_ins_due``, without what its rows show: for counting."""
    today = today or timezone.localdate()
    return (
        Traject.objects.filter(
            state__in=[
                TrajectState.VICTIM_ASSIGNMENT,
                TrajectState.GROUP_FORMED,
                TrajectState.GROUP_MEETING,
            ],
            check_ins__isnull=True,
        )
        .filter(visible_cases_q(user, "case__"))
        .filter(Q(case__responsible_teacher=user) | Q(case__ib=user) | Q(case__smw=user))
        .filter(acting_q(user, rules.TALK_HOLDER.roles, "case__"))
        # The date set in the latest version of the talk with the victim, in the same
        # query (one query whatever the number of trajects); none yet: not due.
        .annotate(
            check_in_on=Subquery(
                VictimTalk.objects.filter(traject=OuterRef("pk"))
                .order_by("-number")
                .values("check_in_on")[:1]
            )
        )
        .filter(check_in_on__lte=today + datetime.timedelta(days=CHECK_IN_SHOWN_DAYS_BEFORE))
    )


def todo_count(user) -> list[int]:
    """How many items ``todo_items`` has for ``user`` in all (the start page's figure)."""
    return [_waiting_for_confirmation(user).count() + _check_ins_due(user).count()]


def todo_items(user, cap: int = CAP) -> list[dict]:
    """The items for Te doen (see ``templates/cases/_todo_extra.html``): at most ``cap`` of
    each kind, and a line that says how many more there are."""
    today = timezone.localdate()
    items = []
    requests, in_all = capped(preparation_requests(user), cap)
    for traject in requests:
        items.append(
            {
                "case": traject.case,
                "case_visible": traject.case_visible,
                "due": None,
                "title": _("No Blame-aanpak: bevestig dat u de aanpak kent"),
                "detail": _("De voorbereiding wacht op uw bevestiging."),
                "url": reverse("noblame:preparation", args=[traject.case_id])
                if traject.case_visible
                else "",
                "action_url": reverse("noblame:confirm", args=[traject.case_id]),
                "action_label": _("Ik ken de No Blame-aanpak"),
            }
        )
    items += _more(user, in_all - cap)
    check_ins, in_all = capped(check_ins_due(user, today), cap)
    for traject in check_ins:
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
    items += _more(user, in_all - cap)
    return items


def _more(user, n: int) -> list[dict]:
    """The line under a capped kind: how many more, linked to the No Blame list."""
    if n <= 0:
        return []
    return [
        {
            "more": ngettext(
                "En nog %(n)d in de No Blame-aanpak.", "En nog %(n)d in de No Blame-aanpak.", n
            )
            % {"n": n},
            "url": reverse("noblame:list") if may_open(user, "noblame") else "",
        }
    ]
