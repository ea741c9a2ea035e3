"""Audit trail: the history of every change (django-auditlog) and a record of every read.

``record_access`` is the one function views call when someone reads pupil data:
a case page, a dossier, a PDF, an attachment.
"""


def record_access(request, obj, action="view", *, school=None):
    """Write one access record: who read which object (by id), how, at which school."""
    from audit.records import record_access as _record_access

    return _record_access(request, obj, action, school=school)
