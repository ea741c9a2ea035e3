"""Signals of the No Blame traject, for the apps that build on it (the dossier).

``traject_closed`` is sent inside the closing transition's atomic block, after the
state and its history row are saved, with: traject, by (the user). A receiver that
raises rolls the closing back, so what it writes exists exactly when the closing does.
"""

from django.dispatch import Signal

traject_closed = Signal()
