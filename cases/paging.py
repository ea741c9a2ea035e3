"""One way to page a list: Django's ``Paginator``, the page number in ``pagina``, the rest
of the filter kept in the page links (ids only: a pupil's name never goes in a URL)."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

PER_PAGE = 25
# The most rows a capped list (dashboard, start page, Te doen) shows before "show all".
CAP = 10


def page_of(request, items, *, query: str | None = None, count: int | None = None) -> Page:
    """The requested page of ``items`` (a sliced queryset: one query for the rows).

    ``query`` is the query string the page links keep (default: the request's, without
    ``pagina``); ``count``, when the caller counted already, saves the COUNT query.
    """
    paginator = Paginator(items, PER_PAGE)
    if count is not None:
        paginator.count = count  # a cached_property: the caller's figure stands in for it
    page = paginator.get_page(request.GET.get("pagina"))
    if query is None:
        kept = request.GET.copy()
        kept.pop("pagina", None)
        query = kept.urlencode()
    page.query = query
    page.elided = list(paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    return page


def capped(items: QuerySet, cap: int = CAP) -> tuple[list, int]:
    """The first ``cap`` rows of ``items`` and how many rows there are in all, in one query:
    the total is counted by the database beside each row (``COUNT(*) OVER ()``, taken
    before the limit), so a capped list and its "all N" link need no COUNT of their own."""
    if cap <= 0:  # no row to carry the total
        return [], items.count()
    rows = list(items.annotate(rows_in_all=Window(Count("pk")))[:cap])
    return rows, (rows[0].rows_in_all if rows else 0)
