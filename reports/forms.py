"""The choice of school and period for the year report (a GET form: it holds no pupil)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.figures import Period
from schools.models import current_school_year

YEARS_BACK = 6


def school_years(today: datetime.date | None = None) -> list[str]:
    """The current school year and the ones before it, newest first."""
    first = int(current_school_year(today)[:4])
    return [f"{y}-{y + 1}" for y in range(first, first - YEARS_BACK, -1)]


class PeriodForm(forms.Form):
    """A school year, or any period from a date to a date (both or neither)."""

    jaar = forms.ChoiceField(label=_("Schooljaar"), required=False)
    van = forms.DateField(
        label=_("Of een periode: van"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    tot = forms.DateField(
        label=_("tot en met"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jaar"].choices = [(y, y) for y in school_years()]
        if schools is not None:
            self.fields["school"] = forms.ModelChoiceField(
                label=_("School"), queryset=schools, empty_label=None, required=False
            )
            self.order_fields(["school", "jaar", "van", "tot"])

    def clean(self):
        data = super().clean()
        start, end = data.get("van"), data.get("tot")
        if bool(start) != bool(end):
            raise forms.ValidationError(
                _("Vul voor een periode zowel de begin- als de einddatum in.")
            )
        if start and end:
            if end < start:
                raise forms.ValidationError(_("De einddatum ligt voor de begindatum."))
            if (end - start).days > 3 * 366:
                raise forms.ValidationError(_("Kies een periode van hoogstens drie jaar."))
        return data

    def period(self) -> Period:
        """The chosen period; the current school year when nothing (valid) was chosen."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("van") and data.get("tot"):
            return Period(data["van"], data["tot"])
        return Period.of_school_year(data.get("jaar") or current_school_year(timezone.localdate()))

    def school(self, schools):
        chosen = self.cleaned_data.get("school") if self.is_valid() else None
        return chosen or schools.first()
