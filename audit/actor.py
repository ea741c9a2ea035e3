"""Who the change history names as the actor of a write.

Inside a request ``pestprotocol.middleware.AuditActorMiddleware`` has named the user
already (with their address). Outside a request (a command, a background task) a service
names its ``by`` with :func:`acting_as`. Nesting django-auditlog's own ``set_actor`` inside
the middleware's context would replace the request's context and, on leaving, disconnect
the wrong receiver: this module keeps exactly one actor context active.
"""

import contextlib
from contextvars import ContextVar

from auditlog.context import set_actor

_active: ContextVar[bool] = ContextVar("audit_actor_active", default=False)


@contextlib.contextmanager
def actor_context():
    """Mark that an actor context is active (used by the middleware around a request)."""
    token = _active.set(True)
    try:
        yield
    finally:
        _active.reset(token)


@contextlib.contextmanager
def acting_as(user):
    """Name ``user`` as the actor of the writes inside, unless a request already did."""
    if _active.get():
        yield
        return
    with set_actor(user), actor_context():
        yield
