"""The access log page: for the director and the beheerder, their own schools only."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.forms import AccessFilterForm
from audit.models import AccessRecord
from cases.access import PAGES
from schools.models import Membership

LOG_READERS = PAGES["access_log"]


def log_school_ids(user) -> list[int]:
    """The schools whose access log ``user`` may read: where they are director or beheerder."""
    if not (user.is_authenticated and user.is_active):
        return []
    return list(
        Membership.objects.filter(user=user, role__in=LOG_READERS)
        .values_list("school_id", flat=True)
        .distinct()
    )


@login_required
@require_GET
def access_log(request):
    school_ids = log_school_ids(request.user)
    if not school_ids:
        raise PermissionDenied(_("Het toegangslog is er voor de directie en de beheerder."))
    form = AccessFilterForm(request.GET or None, school_ids=school_ids)
    records = AccessRecord.objects.filter(school_id__in=school_ids).select_related("user", "school")
    page = Paginator(form.apply(records), 50).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(
        request,
        "audit/access_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "several_schools": len(school_ids) > 1,
        },
    )
