"""Forms of the beheer pages. Every choice is limited to the schools the beheerder manages;
the services check again, so a forged id is refused twice."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pestprotocol.fields import DateInput, SafeModelChoiceField, StaffMultipleChoiceField
from schools.holidays import Region
from schools.models import (
    GuardianRelation,
    Role,
    current_school_year,
    validate_school_year,
)
from schools.scope import managed_classes, managed_schools
from schools.services import GRANTABLE_ROLES


class SchoolClassChoiceField(SafeModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.school_year}, {obj.school.name})"


def _school_field(user, **kwargs):
    schools = managed_schools(user)
    field = SafeModelChoiceField(
        queryset=schools, label=_("School"), empty_label=_("Kies een school"), **kwargs
    )
    if schools.count() == 1:
        field.initial = schools.first()
    return field


class SchoolClassForm(forms.Form):
    school = forms.Field()
    school_year = forms.CharField(
        label=_("Schooljaar"), max_length=9, validators=[validate_school_year]
    )
    name = forms.CharField(label=_("Naam"), max_length=50, help_text=_("Bijvoorbeeld: groep 5a"))
    teachers = StaffMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=_("Leerkrachten"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = _school_field(user)
        self.fields["school_year"].initial = current_school_year()
        self.fields["teachers"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__school__in=managed_schools(user),
                memberships__role=Role.TEACHER,
                is_active=True,
            )
            .distinct()
            .order_by("last_name", "first_name")
        )


class PupilForm(forms.Form):
    school = forms.Field()
    pupil_number = forms.CharField(
        label=_("Leerlingnummer"),
        max_length=30,
        required=False,
        help_text=_(
            "Het nummer uit de leerlingadministratie; de import herkent de leerling hieraan."
        ),
    )
    first_name = forms.CharField(label=_("Voornaam"), max_length=100)
    last_name = forms.CharField(
        label=_("Achternaam"),
        max_length=100,
        help_text=_("Met tussenvoegsel, bijvoorbeeld: de Vries"),
    )
    date_of_birth = forms.DateField(label=_("Geboortedatum"), required=False, widget=DateInput())
    school_class = forms.Field()
    left_on = forms.DateField(
        label=_("Datum van vertrek"),
        required=False,
        widget=DateInput(),
        help_text=_("Alleen invullen als de leerling de school verlaat."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = _school_field(user)
        self.fields["school_class"] = SchoolClassChoiceField(
            queryset=managed_classes(user)
            .select_related("school")
            .order_by("school__name", "-school_year", "name"),
            required=False,
            label=_("Groep"),
            empty_label=_("Geen groep"),
        )

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise ValidationError(_("De geboortedatum ligt in de toekomst."))
        return born

    def clean(self):
        data = super().clean()
        school, school_class = data.get("school"), data.get("school_class")
        if school and school_class and school_class.school_id != school.pk:
            self.add_error("school_class", _("Deze groep hoort bij een andere school."))
        return data


class GuardianForm(forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=100)
    last_name = forms.CharField(label=_("Achternaam"), max_length=100)
    email = forms.EmailField(label=_("E-mailadres"), required=False)
    phone = forms.CharField(label=_("Telefoon"), max_length=30, required=False)
    relation = forms.ChoiceField(
        label=_("Relatie tot de leerling"), choices=GuardianRelation.Relation.choices
    )
    has_custody = forms.BooleanField(
        label=_("Heeft gezag"),
        required=False,
        initial=True,
        help_text=_("Ouders met gezag tekenen het plan van aanpak."),
    )

    def __init__(self, *args, details_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if details_locked:
            for name in ("first_name", "last_name", "email", "phone"):
                self.fields[name].disabled = True


class PupilSearchForm(forms.Form):
    """Sent as POST: a pupil's name never lands in a URL or a server log."""

    q = forms.CharField(label=_("Zoek op naam of leerlingnummer"), max_length=100)


class StaffCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("Gebruikersnaam"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Letters, cijfers en . @ + - _"),
    )
    first_name = forms.CharField(label=_("Voornaam"), max_length=150)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150)
    email = forms.EmailField(label=_("E-mailadres"))
    password = forms.CharField(
        label=_("Eerste wachtwoord"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Geef dit persoonlijk door; de medewerker kiest daarna een eigen wachtwoord."),
    )
    school = forms.Field()
    roles = forms.MultipleChoiceField(
        label=_("Rollen"),
        choices=[(r.value, r.label) for r in GRANTABLE_ROLES],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = _school_field(user)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("Deze gebruikersnaam is al in gebruik."))
        return username

    def clean(self):
        data = super().clean()
        if data.get("password"):
            user = get_user_model()(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=data.get("email", ""),
            )
            try:
                validate_password(data["password"], user)
            except ValidationError as error:
                self.add_error("password", error)
        return data


class StaffEditForm(forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=150)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150)
    email = forms.EmailField(label=_("E-mailadres"))
    is_active = forms.BooleanField(
        label=_("Account actief"),
        required=False,
        help_text=_("Een gedeactiveerd account kan niet meer inloggen en ziet niets meer."),
    )


class StaffRolesForm(forms.Form):
    """The roles of one account at one managed school."""

    school = forms.Field(widget=forms.HiddenInput)
    roles = forms.MultipleChoiceField(
        label=_("Rollen"),
        required=False,
        choices=[(r.value, r.label) for r in GRANTABLE_ROLES],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = SafeModelChoiceField(
            queryset=managed_schools(user), widget=forms.HiddenInput
        )


class NewYearForm(forms.Form):
    school = forms.Field()
    from_year = forms.CharField(
        label=_("Huidig schooljaar"), max_length=9, validators=[validate_school_year]
    )
    leaving_on = forms.DateField(
        label=_("Vertrekdatum groep 8"),
        widget=DateInput(),
        help_text=_("De leerlingen van groep 8 krijgen deze datum als datum van vertrek."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = _school_field(user)
        year = current_school_year()
        self.fields["from_year"].initial = year
        self.fields["leaving_on"].initial = f"{year[5:]}-07-31"


class SchoolSettingsForm(forms.Form):
    """The school's own protocol dates, holiday region and sign-in rule (beheer)."""

    one_off_review_days = forms.IntegerField(
        label=_("Dagen tot het evaluatiegesprek na een eenmalig incident (stap 2.2)"),
        min_value=1,
        max_value=90,
        help_text=_("Het protocol noemt 14 dagen."),
    )
    one_off_review_late_days = forms.IntegerField(
        label=_("Dagen speling daarna voordat het gesprek te laat is"),
        min_value=0,
        max_value=60,
    )
    victim_outside_help_months = forms.IntegerField(
        label=_("Periode waarin een derde casus van een gepeste leerling telt (maanden)"),
        min_value=1,
        max_value=120,
        help_text=_(
            "Wordt een leerling binnen deze periode voor de derde keer gepest, dan volgt een "
            "gesprek over hulp van buiten de school."
        ),
    )
    holiday_region = forms.ChoiceField(label=_("Vakantieregio"), choices=Region.choices)
    teachers_need_two_factor = forms.BooleanField(
        label=_("Ook leerkrachten loggen in met tweestapsverificatie"), required=False
    )


class SchoolHolidayForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=100)
    starts_on = forms.DateField(label=_("Eerste dag"), widget=DateInput)
    ends_on = forms.DateField(label=_("Laatste dag"), widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("De laatste dag ligt vóór de eerste dag."))
        return cleaned
