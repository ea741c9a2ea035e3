"""What the state machines ask of django-fsm-2, through its public API only.

Shared by the case (``cases.models.Case``) and the No Blame traject
(``noblame.models.Traject``):

* ``transition_check`` and ``available_transitions``: which transitions leave the
  current state and what stops a user from firing one (the Dutch messages of the
  failing permission and guards, see ``cases.rules``);
* ``ThreadSafeConcurrentTransitionMixin``: django-fsm-2's optimistic lock with a
  ``refresh_from_db`` that threads can run at the same time.
"""

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext as _
from django_fsm import (
    ANY_OTHER_STATE,
    ANY_STATE,
    ConcurrentTransitionMixin,
    FSMFieldMixin,
    Transition,
    can_proceed,
)


def leaving(instance, name: str, *, field: str = "state") -> Transition | None:
    """The declaration of transition ``name`` that leaves the current state, if there is one."""
    if not can_proceed(getattr(instance, name), check_conditions=False):
        return None
    declared = {
        t.source: t for t in getattr(instance, f"get_all_{field}_transitions")() if t.name == name
    }
    state = getattr(instance, field)
    # The order in which django-fsm-2 itself picks a declaration for a state.
    return declared.get(state) or declared.get(ANY_STATE) or declared.get(ANY_OTHER_STATE)


def guard_problems(instance, transition: Transition) -> list[str]:
    """What the guards of ``transition`` still miss, in Dutch; empty when they are met."""
    return [str(p) for guard in transition.conditions for p in guard.problems(instance)]


def refusals(instance, transition: Transition, user) -> list[str]:
    """What stops ``user`` from firing ``transition`` now; empty when nothing does.

    Someone who may not act at all hears only that, not what else is missing.
    """
    if not transition.has_perm(instance, user):
        return [str(transition.permission.message)]
    return guard_problems(instance, transition)


def transition_check(instance, name: str, user, *, names: Iterable[str], not_here) -> list[str]:
    """What stops ``user`` from firing ``name``; empty when it may fire.

    ``names`` are the transitions a caller may ask for by name (a name comes from
    a URL); ``not_here`` is the refusal when ``name`` does not leave this state.
    """
    if name not in names:
        return [_("Onbekende overgang.")]
    transition = leaving(instance, name)
    if transition is None:
        return [str(not_here)]
    return refusals(instance, transition, user)


def available_transitions(instance, user, *, names: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Each of ``names`` that leaves the current state, in that order, with what stops ``user``."""
    found = ((name, leaving(instance, name)) for name in names)
    return [(name, refusals(instance, t, user)) for name, t in found if t is not None]


class ThreadSafeConcurrentTransitionMixin(ConcurrentTransitionMixin):
    """django-fsm-2's ``ConcurrentTransitionMixin`` with a ``refresh_from_db`` that is thread-safe.

    django-fsm-2 reloads a protected state field by switching the field's
    ``protected`` flag off and on again around Django's reload. The field belongs
    to the model class, shared by every thread: under a threaded server one
    request's reload switches it back on while another is writing the state
    ("Direct state modification is not allowed", a 500), and while it is off
    nobody's state is protected (for good, when a reload fails halfway).

    Here the flag is never touched. The field's descriptor accepts a value the
    instance does not hold yet, so the instance's own copy of the state is set
    aside and Django reloads it like any other field.
    """

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        if fields is not None:
            fields = set(fields)
        reloading = frozenset(
            f.attname
            for f in self._meta.concrete_fields
            if isinstance(f, FSMFieldMixin)
            and f.protected
            and f.attname in self.__dict__
            and (fields is None or f.attname in fields)
        )
        held = {name: self.__dict__.pop(name) for name in reloading}
        self._fsm_reloading = reloading
        try:
            # Django's reload, not django-fsm-2's (FSMModelMixin), which toggles the flag.
            models.Model.refresh_from_db(
                self, using=using, fields=fields, from_queryset=from_queryset
            )
        finally:
            del self._fsm_reloading
            for name, value in held.items():
                self.__dict__.setdefault(name, value)  # the reload failed: keep what it had
        self._update_initial_state()  # what ConcurrentTransitionMixin does after a reload

    def get_deferred_fields(self):
        # A state set aside for reloading is not deferred: Django must load it again.
        return super().get_deferred_fields() - self.__dict__.get("_fsm_reloading", frozenset())
