"""The plan's scheduled work; the task that files a plan's PDF is ``plans.services.file_plan_pdf``
(next to the service that enqueues it)."""

import logging

from django_tasks import task

from plans.services import file_plan_pdf

log = logging.getLogger("pestprotocol.tasks")


@task()
def file_missing_plan_pdfs() -> int:
    """The daily safety net: a locked plan without its PDF (its task given up, say) gets a
    new task. Returns how many."""
    from plans.models import ActionPlan

    missing = list(
        ActionPlan.objects.filter(locked_at__isnull=False, document__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for plan_id in missing:
        log.warning("locked plan without its pdf, filing it again", extra={"plan_id": plan_id})
        file_plan_pdf.enqueue(plan_id, None)
    return len(missing)
