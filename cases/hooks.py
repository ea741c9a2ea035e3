"""How the other apps take part in a case without ``cases`` importing them.

Dependencies run one way: ``noblame``, ``plans`` and ``dossier`` use ``cases``; ``cases``
uses none of them. Where the case must let them act or answer, it offers one of these,
which the apps fill in their ``AppConfig.ready``:

- ``case_transitioned``, ``recurrence_recorded`` and ``outside_help_advised``: signals sent by
  ``services.case_transition`` inside the transition's atomic block, after the state and
  its history row are saved. A receiver that raises rolls the whole transition back, so
  what it writes (a traject, a dossier entry) exists exactly when the transition does.
- answers: a named question the case asks ("what is missing before the plan counts as
  signed?", "how did the No Blame traject end?"), answered by the app that knows.
- case panels: templates an app adds to the case page (the No Blame and plan panels).
"""

from collections.abc import Callable

from django.dispatch import Signal

# Sent with: case, transition (its name), source, target, by (the user).
case_transitioned = Signal()
# Sent with: recurrence (a cases.Recurrence just recorded), by.
recurrence_recorded = Signal()
# Sent with: recurrence, version (the stap 6 talk with the bully's parents that recorded the
# strong advice for outside help), by. Only then is the advice given.
outside_help_advised = Signal()

_answers: dict[str, list[Callable]] = {}
_panels: list[str] = []


def provide(name: str, answer: Callable) -> None:
    """Register ``answer`` for the question ``name`` (several apps may answer a list)."""
    answers = _answers.setdefault(name, [])
    if answer not in answers:
        answers.append(answer)


def ask(name: str, *args, default=None):
    """The first registered answer to ``name``, or ``default`` when no app answers."""
    answers = _answers.get(name)
    return answers[0](*args) if answers else default


def ask_all(name: str, *args) -> list:
    """Every registered answer's result, concatenated (each answers with a list)."""
    return [item for answer in _answers.get(name, ()) for item in answer(*args)]


def add_case_panel(template_name: str) -> None:
    """A template rendered on the case page with the page's context (``case`` in it)."""
    if template_name not in _panels:
        _panels.append(template_name)


def case_panels() -> list[str]:
    return list(_panels)
