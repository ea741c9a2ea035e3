"""Form fields and widgets shared by the apps' forms."""

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an id beyond 64 bits as an invalid choice: Django would send it to the
    database in an ``IN`` query, which then fails with a server error."""

    def _check_values(self, value):
        for pk in value:
            try:
                fits = -(2**63) <= int(str(pk)) < 2**63
            except ValueError:
                fits = True  # not a number: Django itself says it is not a valid value
            if not fits:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class SafeModelChoiceField(forms.ModelChoiceField):
    """The single-choice twin of ``SafeModelMultipleChoiceField``."""

    def to_python(self, value):
        if value not in self.empty_values:
            try:
                fits = -(2**63) <= int(str(value)) < 2**63
            except ValueError:
                fits = True
            if not fits:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice"
                )
        return super().to_python(value)


class StaffMultipleChoiceField(SafeModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username
