"""Forms of the case pages. They validate and normalise; the services decide."""

from urllib.parse import urlencode

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.access import visible_pupils
from cases.evidence import evidence_check
from cases.models import CasePupil, Place, ReporterKind, State
from cases.queries import Filters, pupils_matching
from cases.signs import BULLY_SIGNS, VICTIM_SIGNS
from cases.talks import TalkKind, questions_for
from pestprotocol.fields import (
    DateInput,
    SafeModelMultipleChoiceField,
    StaffMultipleChoiceField,
)
from schools.models import Guardian, Membership, Pupil, Role, SchoolClass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked as evidence (type, content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        errors = []
        for upload in cleaned:
            try:
                evidence_check(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


def school_staff(school):
    """Active staff who work with cases at ``school`` (the beheerder does not)."""
    working = Membership.objects.filter(
        school=school,
        role__in=[Role.TEACHER, Role.IB, Role.SMW, Role.DIRECTOR, Role.COORDINATOR],
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=working.values("user_id"))
        .order_by("first_name", "last_name", "username")
    )


def record_ids(values) -> list[int]:
    """Real ids only, from request values: a huge number or a non-ASCII digit would crash
    the query."""
    return [int(v) for v in map(str, values) if v.isascii() and v.isdigit() and len(v) < 19]


def not_in_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("Deze datum ligt in de toekomst."))


class SignalForm(forms.Form):
    """A new signal. The pupils come from the picker: ``pupil`` ids and ``role_<id>`` each."""

    signal_date = forms.DateField(
        label=_("Datum van het voorval"),
        widget=DateInput(),
        initial=timezone.localdate,
        validators=[not_in_future],
    )
    place = forms.ChoiceField(label=_("Waar gebeurde het?"), choices=Place.choices)
    description = forms.CharField(
        label=_("Wat is er gebeurd?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    reporter_kind = forms.ChoiceField(
        label=_("Wie meldde het?"), choices=ReporterKind.choices, initial=ReporterKind.TEACHER
    )
    reporter_name = forms.CharField(
        label=_("Naam van de melder (niet verplicht)"), required=False, max_length=200
    )
    victim_signs = forms.MultipleChoiceField(
        label=_("Signalen bij de gepeste leerling"),
        choices=VICTIM_SIGNS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    bully_signs = forms.MultipleChoiceField(
        label=_("Signalen bij de pester"),
        choices=BULLY_SIGNS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_digital = forms.BooleanField(label=_("Het gaat (ook) om digitaal pesten"), required=False)
    evidence = MultipleFileField(
        label=_("Bewijs, zoals screenshots (PNG, JPEG of PDF, elk hoogstens 10 MB)"),
        required=False,
    )
    # Asked only when a pupil of the signal is already in an open case (one case per situation).
    separate_reason = forms.CharField(
        label=_("Waarom is dit een andere situatie dan de open casus?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def chosen_pupils(self) -> list[tuple]:
        """(pupil, role) pairs picked so far, limited to pupils the user may see."""
        ids = record_ids(self.data.getlist("pupil") if self.data else [])
        pupils = visible_pupils(self.user).select_related("school_class").in_bulk(ids)
        roles = dict(CasePupil.Role.choices)
        pairs = []
        for pupil_id in dict.fromkeys(int(i) for i in ids):
            pupil = pupils.get(pupil_id)
            if pupil is not None:
                role = self.data.get(f"role_{pupil_id}", "")
                pairs.append((pupil, role if role in roles else ""))
        return pairs

    def clean(self):
        cleaned = super().clean()
        pairs = self.chosen_pupils()
        if any(not role for _pupil, role in pairs):
            self.add_error(None, _("Kies bij elke leerling welke rol hij of zij had."))
        elif not any(role == CasePupil.Role.VICTIM for _pupil, role in pairs):
            self.add_error(
                None, _("Kies de leerling die gepest wordt en geef die de rol 'gepeste'.")
            )
        if len({pupil.school_id for pupil, _role in pairs}) > 1:
            self.add_error(None, _("Alle leerlingen van één melding zitten op dezelfde school."))
        cleaned["pupils"] = pairs
        cleaned["warning_signs"] = cleaned.get("victim_signs", []) + cleaned.get("bully_signs", [])
        return cleaned


class TransitionForm(forms.Form):
    remark = forms.CharField(
        label=_("Opmerking bij deze stap (verplicht bij het intrekken van een melding)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TalkForm(forms.Form):
    """The questions of one talk kind, plus who took part; prefilled from a version to edit."""

    held_on = forms.DateField(
        label=_("Datum van het gesprek"),
        widget=DateInput(),
        initial=timezone.localdate,
        validators=[not_in_future],
    )

    def __init__(self, *args, kind, case, version=None, window=None, **kwargs):
        """``window``: the planned talk this records, when it has a window (``Talk``)."""
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.questions = questions_for(kind, case.recurrence_level())
        for question in self.questions:
            if question.choices:
                field = forms.ChoiceField(
                    label=question.label,
                    choices=question.choices,
                    widget=forms.RadioSelect,
                    required=question.required,
                )
            else:
                field = forms.CharField(
                    label=question.label,
                    required=question.required,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
            self.fields[f"q_{question.key}"] = field
        self.fields["notes"] = forms.CharField(
            label=_("Aantekeningen (niet verplicht)"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        self.fields["confidential_notes"] = forms.CharField(
            label=_("Vertrouwelijke aantekeningen (komen op geen enkele afdruk)"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        self.talk_window = window
        if window is not None and window.window_opens is not None:
            self.fields["early_reason"] = forms.CharField(
                label=_("Waarom eerder dan %(date)s? (alleen nodig als het gesprek eerder was)")
                % {"date": window.window_opens.strftime("%d-%m-%Y")},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.fields["staff"] = StaffMultipleChoiceField(
            label=_("Medewerkers bij het gesprek"),
            queryset=school_staff(case.school),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["pupils"] = SafeModelMultipleChoiceField(
            label=_("Leerlingen bij het gesprek"),
            queryset=case.pupils.order_by("last_name", "first_name"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["guardians"] = SafeModelMultipleChoiceField(
            label=_("Ouders/verzorgers bij het gesprek"),
            queryset=Guardian.objects.filter(pupils__cases=case).distinct(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        if version is not None and not self.is_bound:
            self.initial.update(
                {f"q_{k}": v for k, v in version.answers.items()},
                held_on=version.held_on,
                notes=version.notes,
                confidential_notes=version.confidential_notes,
                staff=list(version.staff.all()),
                pupils=list(version.pupils.all()),
                guardians=list(version.guardians.all()),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def answers(self) -> dict:
        return {q.key: self.cleaned_data.get(f"q_{q.key}", "") for q in self.questions}


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Hoe is het opgelost?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CoachesForm(forms.Form):
    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        staff = school_staff(case.school)
        self.fields["bully"] = StaffChoiceField(
            label=_("Coach van de pester"), queryset=staff, initial=case.coach_bully_id
        )
        self.fields["victim"] = StaffChoiceField(
            label=_("Coach van de gepeste leerling"), queryset=staff, initial=case.coach_victim_id
        )
        self.fields["group"] = StaffChoiceField(
            label=_("Coach van de groep (als dat nodig is)"),
            queryset=staff,
            required=False,
            initial=case.coach_group_id,
        )


class TalkPlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("Welk gesprek?"), choices=TalkKind.choices)
    planned_on = forms.DateField(label=_("Gepland op"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = TalkKind.EVALUATION

    def clean_planned_on(self):
        value = self.cleaned_data["planned_on"]
        if value < timezone.localdate():
            raise ValidationError(_("Plan een gesprek vandaag of later."))
        return value


class EvidenceForm(forms.Form):
    files = MultipleFileField(
        label=_("Bestanden (PNG, JPEG of PDF, elk hoogstens 10 MB)"), required=True
    )
    description = forms.CharField(
        label=_("Omschrijving (niet verplicht)"), required=False, max_length=300
    )


class PupilChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.school_class_id:
            return f"{obj.full_name} ({obj.school_class.name})"
        return obj.full_name


class AddPupilForm(forms.Form):
    role = forms.ChoiceField(label=_("Rol in de casus"), choices=CasePupil.Role.choices)

    def __init__(self, *args, case, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"] = PupilChoiceField(
            label=_("Leerling"),
            queryset=visible_pupils(user)
            .filter(school=case.school, left_on__isnull=True)
            .exclude(pk__in=case.case_pupils.values("pupil_id"))
            .select_related("school_class"),
        )
        self.order_fields(["pupil", "role"])


def class_choices(classes) -> list:
    """The choices of a class select without a model object per class: "groep 5
    (2025-2026)", grouped by school when there are several (an IB of more than one school
    would otherwise see "groep 5" once per school)."""
    rows = classes.order_by("school__name", "school_id", "-school_year", "name").values_list(
        "pk", "name", "school_year", "school_id", "school__name"
    )
    by_school = {}
    for pk, name, year, school_id, school in rows:
        by_school.setdefault((school_id, school), []).append((pk, f"{name} ({year})"))
    if len(by_school) == 1:
        return next(iter(by_school.values()))
    return [(school, choices) for (_id, school), choices in by_school.items()]


class DashboardFilterForm(forms.Form):
    """The dashboard's filter. A pupil is looked up by ``name``, which comes in a POST body
    only; the URL carries the pupils found as ids (``leerling``). A name in a URL would land
    in the web server's access log and the browser's history."""

    # The most pupils a name may match: their ids go in the URL.
    MAX_PUPILS = 20
    name = forms.CharField(label=_("Naam van een leerling"), required=False, max_length=100)
    # Named for the URL, like ``groep`` and ``pagina`` elsewhere.
    leerling = SafeModelMultipleChoiceField(
        label=_("Gekozen leerlingen"),
        queryset=Pupil.objects.none(),
        required=False,
        widget=forms.MultipleHiddenInput,
        error_messages={"invalid_choice": _("Deze leerling kunt u niet kiezen.")},
    )
    school_class = forms.ModelChoiceField(
        label=_("Groep"),
        queryset=SchoolClass.objects.none(),
        required=False,
        empty_label=_("Alle groepen"),
    )
    state = forms.ChoiceField(label=_("Stap"), required=False)
    date_from = forms.DateField(label=_("Gemeld vanaf"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Gemeld tot en met"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        schools = Membership.objects.filter(user=user).values("school_id")
        classes = SchoolClass.objects.filter(school_id__in=schools)
        field = self.fields["school_class"]
        field.queryset = classes  # what a chosen class is checked against
        field.choices = [("", field.empty_label), *class_choices(classes)]
        self.fields["state"].choices = [("", _("Alle stappen")), *State.choices]
        self.fields["leerling"].queryset = (
            visible_pupils(user).select_related("school_class").order_by("last_name", "first_name")
        )

    @classmethod
    def from_url(cls, query, *, user):
        """The filter as a URL holds it: everything but the name, which is not read there."""
        data = query.copy()
        data.pop("name", None)
        data.pop("pagina", None)
        return cls(data or None, user=user)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Deze datum ligt voor de begindatum."))
        text = cleaned.get("name", "").strip()
        if text:
            # A new name replaces the pupils chosen before.
            found = list(
                pupils_matching(self.user, text)
                .select_related("school_class")
                .order_by("last_name", "first_name", "pk")[: self.MAX_PUPILS + 1]
            )
            if not found:
                self.add_error("name", _("Geen leerling gevonden met deze naam."))
            elif len(found) > self.MAX_PUPILS:
                self.add_error(
                    "name",
                    _("Meer dan %(n)d leerlingen passen bij deze naam: typ meer van de naam.")
                    % {"n": self.MAX_PUPILS},
                )
            else:
                cleaned["leerling"] = found
        return cleaned

    def chosen_pupils(self) -> list:
        """The pupils the filter is on, as far as they are valid."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return []
        return list(self.cleaned_data.get("leerling") or [])

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            school_class=data["school_class"],
            state=data["state"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            pupils=[pupil.pk for pupil in data["leerling"]],
        )

    def query_string(self) -> str:
        """The valid filter as a query string of ids, codes and dates: never a name."""
        data = self.cleaned_data
        params = [("leerling", pupil.pk) for pupil in data["leerling"]]
        if data["school_class"] is not None:
            params.append(("school_class", data["school_class"].pk))
        params += [(key, data[key]) for key in ("state", "date_from", "date_to") if data[key]]
        return urlencode(params)
