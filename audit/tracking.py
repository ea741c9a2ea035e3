"""Which models django-auditlog keeps a change history for, and how it names them.

Logged: every model of ``cases`` (except notifications), ``noblame``, ``plans`` and
``dossier``, and the
pupil data of ``schools``. Models are taken from the app registry, so a model
added later to one of these apps is covered without a change here.

Change entries name objects by id only: ``object_repr`` is "<Model> #<pk>" and the
objects of a many-to-many change are listed the same way, never by a pupil's name.
"""

from django.apps import apps
from django.db.models.signals import m2m_changed, pre_save

WHOLE_APPS = ("cases", "noblame", "plans", "dossier", "schools")
SKIPPED = {
    "cases.notification",  # a personal inbox, not case data; marked read in bulk
    "schools.schoolboard",
}


class ObjectRef:
    """Stands in for a model instance wherever auditlog would print its ``str()``."""

    def __init__(self, model, pk):
        self.label = model.__name__
        self.pk = pk

    def __str__(self) -> str:
        return f"{self.label} #{self.pk}"


def tracked_models():
    for app_label in WHOLE_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model._meta.label_lower not in SKIPPED:
                yield model


def register_tracked_models() -> None:
    from auditlog import get_logentry_model
    from auditlog.registry import auditlog

    for model in tracked_models():
        if not auditlog.contains(model):
            auditlog.register(model)
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                m2m_changed.connect(
                    _log_m2m_change,
                    sender=field.remote_field.through,
                    dispatch_uid=f"audit-m2m-{model._meta.label_lower}-{field.name}",
                )
    pre_save.connect(
        _name_by_id, sender=get_logentry_model(), dispatch_uid="audit-object-repr-by-id"
    )


def _name_by_id(sender, instance, **kwargs):
    """Replace auditlog's ``str(obj)`` (a pupil's name, for some models) by model and id."""
    if instance.content_type_id and instance.object_pk:
        model = instance.content_type.model_class()
        name = model.__name__ if model else instance.content_type.model
        instance.object_repr = f"{name} #{instance.object_pk}"


def _log_m2m_change(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Who was added to or removed from a many-to-many field, by id (e.g. talk participants)."""
    from auditlog import get_logentry_model
    from auditlog.context import auditlog_disabled

    if action not in {"post_add", "post_remove", "pre_clear"} or auditlog_disabled.get():
        return
    operation = "add" if action == "post_add" else "delete"
    log = get_logentry_model().objects
    if reverse:
        # e.g. pupil.talks.add(version): log the change on each owning object
        field_name = _m2m_field(model, sender)
        if action == "pre_clear":
            owners = model.objects.filter(**{field_name: instance})
        else:
            owners = model.objects.filter(pk__in=pk_set or ())
        for owner in owners:
            ref = ObjectRef(type(instance), instance.pk)
            log.log_m2m_changes([ref], owner, operation, field_name)
        return
    field_name = _m2m_field(type(instance), sender)
    if action == "pre_clear":
        pks = list(getattr(instance, field_name).values_list("pk", flat=True))
    else:
        pks = sorted(pk_set or ())
    log.log_m2m_changes([ObjectRef(model, pk) for pk in pks], instance, operation, field_name)


def _m2m_field(owner, through) -> str:
    return next(f.name for f in owner._meta.local_many_to_many if f.remote_field.through is through)
