"""How the other apps take part in a case without ``cases`` importing them.

Dependencies run one way: ``noblame``, ``plans`` and ``dossier`` use ``cases``; ``cases``
uses none of them. Where the case must let them act or answer, it offers one of these:

- ``case_transitioned``: a signal sent by ``services.case_transition`` inside the
  transition's atomic block, after the state and its history row are saved. A receiver
  that raises rolls the whole transition back, so what it writes (a traject, a dossier
  entry) exists exactly when the transition does.
- guards: a named question a transition's guard asks ("is the plan signed?"), answered
  by the app that knows, registered in its ``AppConfig.ready``.
- case panels: templates an app adds to the case page (the No Blame and plan panels).
"""

from collections.abc import Callable

from django.dispatch import Signal

# Sent with: case, transition (name), source, target, by (the user), remark.
case_transitioned = Signal()

_guards: dict[str, Callable[[object], list[str]]] = {}
_panels: list[str] = []


def provide_guard(name: str, problems: Callable[[object], list[str]]) -> None:
    """Register the function that says what is missing (Dutch, empty when nothing is)."""
    _guards[name] = problems


def guard_problems(name: str, case, unanswered: str) -> list[str]:
    """Ask the registered guard ``name``; ``unanswered`` when no app provides it."""
    problems = _guards.get(name)
    return problems(case) if problems is not None else [unanswered]


def add_case_panel(template_name: str) -> None:
    """A template rendered on the case page with ``case`` (and the page's context)."""
    if template_name not in _panels:
        _panels.append(template_name)


def case_panels() -> list[str]:
    return list(_panels)
