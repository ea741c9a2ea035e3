"""Forms of the accounts pages: inviting, accepting an invitation, codes."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.services import INVITABLE_ROLES
from pestprotocol.fields import SafeModelChoiceField
from schools.scope import managed_schools


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres"))
    first_name = forms.CharField(label=_("Voornaam"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150, required=False)
    school = forms.Field()
    role = forms.ChoiceField(label=_("Rol"), choices=[(r.value, r.label) for r in INVITABLE_ROLES])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        schools = managed_schools(user)
        self.fields["school"] = SafeModelChoiceField(
            queryset=schools, label=_("School"), empty_label=_("Kies een school")
        )
        if schools.count() == 1:
            self.fields["school"].initial = schools.first()


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=150)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150)
    username = forms.RegexField(
        label=_("Gebruikersnaam"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Hiermee logt u in. Letters, cijfers en . @ + - _"),
    )
    password1 = forms.CharField(
        label=_("Wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Ten minste 10 tekens; geen veelgebruikt wachtwoord."),
    )
    password2 = forms.CharField(
        label=_("Wachtwoord nogmaals"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("Deze gebruikersnaam is al in gebruik. Kies een andere."))
        return username

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("De twee wachtwoorden zijn niet gelijk."))
        elif first:
            candidate = get_user_model()(
                username=data.get("username", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                email=self.email,
            )
            try:
                validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace(" ", "").replace("-", "").strip().lower()


class SchoolSwitchForm(forms.Form):
    """One on/off setting of a managed school (teachers' second factor, single sign-on)."""

    school = forms.Field()
    required = forms.BooleanField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = SafeModelChoiceField(queryset=managed_schools(user))
