"""Choice labels without translating every choice of a field on each call.

Django's ``get_FOO_display`` builds a dict of all the field's choices on every call, and
hashing the lazy labels translates each one: a list of 25 cases with their pupils' roles
translated about 400 labels per page. ``ChoiceLabels`` looks the value up in a dict built
once per field and translates only the label it returns, in the active language.
"""

from django.utils.encoding import force_str


class ChoiceLabels:
    """Mixin for a model (before ``models.Model`` in its bases): a faster
    ``get_FOO_display`` with the same result."""

    def _get_FIELD_display(self, field):
        labels = field.__dict__.get("_choice_labels")
        if labels is None:
            labels = dict(field.flatchoices)
            field.__dict__["_choice_labels"] = labels
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field): Django's way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
