"""The filters of the access log page."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from audit.models import OBJECT_TYPES, AccessAction


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class AccessFilterForm(forms.Form):
    user = UserChoiceField(
        label=_("Medewerker"), queryset=get_user_model().objects.none(), required=False
    )
    object_type = forms.ChoiceField(label=_("Soort"), required=False)
    action = forms.ChoiceField(label=_("Handeling"), required=False)
    date_from = forms.DateField(label=_("Vanaf"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Tot en met"), required=False, widget=DateInput())

    def __init__(self, *args, school_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(memberships__school_id__in=school_ids)
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        self.fields["object_type"].choices = [("", _("Alles")), *OBJECT_TYPES]
        self.fields["action"].choices = [("", _("Alle handelingen")), *AccessAction.choices]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Deze datum ligt voor de begindatum."))
        return cleaned

    def apply(self, records):
        """``records`` narrowed by the valid filters."""
        if not self.is_valid():
            return records
        data = self.cleaned_data
        if data["user"]:
            records = records.filter(user=data["user"])
        if data["object_type"]:
            records = records.filter(object_type=data["object_type"])
        if data["action"]:
            records = records.filter(action=data["action"])
        if data["date_from"]:
            records = records.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            records = records.filter(at__date__lte=data["date_to"])
        return records
