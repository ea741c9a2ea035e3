"""The plan van aanpak panel on the case page: versions, who signed and who not, links."""

from django import template

from plans import services as plan_services

register = template.Library()


@register.inclusion_tag("plans/_panel_body.html", takes_context=True)
def plan_panel(context, case):
    user = context["request"].user
    versions = plan_services.case_plans(case)
    in_plan_stap = case.state in plan_services.PLAN_STATES
    latest = versions[0] if versions else None
    return {
        "case": case,
        "versions": versions,
        "latest": latest,
        "show": bool(versions) or in_plan_stap,
        "may_edit": in_plan_stap and plan_services.plan_may_edit(case, user),
        "user": user,
    }
