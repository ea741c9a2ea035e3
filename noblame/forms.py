"""Forms of the No Blame pages. They validate and normalise; the services decide."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from cases.forms import SafeModelMultipleChoiceField, record_ids
from noblame.models import (
    MAX_ROUNDS,
    CheckIn,
    FollowUpTalk,
    Participant,
    SupportGroupMember,
    VictimTalk,
    YesNo,
)
from pestprotocol.fields import SafeModelChoiceField
from schools.models import Pupil, SchoolClass

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the template holds <form>, its action and csrf token
    helper.add_input(Submit("submit", submit_label))
    return helper


def _pupil_label(pupil) -> str:
    groep = f" ({pupil.school_class.name})" if pupil.school_class else ""
    return f"{pupil.full_name}{groep}"


class PupilChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, pupil):
        return _pupil_label(pupil)


class PupilMultipleChoiceField(SafeModelMultipleChoiceField):
    def label_from_instance(self, pupil):
        return _pupil_label(pupil)


class ParticipantAddForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label=_("Medewerker"))
    role = forms.ChoiceField(choices=Participant.Role.choices, label=_("Rol"))

    def __init__(self, *args, traject, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(memberships__school=traject.case.school, is_active=True)
            .distinct()
            .order_by("first_name", "last_name")
        )
        self.fields["user"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.helper = _helper(_("Toevoegen"))


class VictimTalkForm(forms.ModelForm):
    letter_upload = forms.FileField(
        label=_("Brief of tekening voor de groep (pdf, jpg of png, hoogstens 10 MB)"),
        required=False,
        help_text=_("Leeg laten houdt de brief of tekening die er al is."),
    )

    class Meta:
        model = VictimTalk
        fields = [
            "held_on",
            "what_happens",
            "when_happens",
            "who_could_help",
            "wants_change",
            "approach_explained",
            "chosen_pupils",
            "confidential_agreements",
            "assignment",
            "check_in_on",
            "notes",
        ]
        widgets = {
            "held_on": DATE,
            "check_in_on": DATE,
            "wants_change": forms.RadioSelect,
            "what_happens": forms.Textarea(attrs={"rows": 3}),
            "when_happens": forms.Textarea(attrs={"rows": 2}),
            "who_could_help": forms.Textarea(attrs={"rows": 2}),
            "confidential_agreements": forms.Textarea(attrs={"rows": 3}),
            "assignment": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"chosen_pupils": PupilMultipleChoiceField}
        help_texts = {
            "confidential_agreements": _(
                "Blijft in het dossier en komt nooit op de uitnodiging of de hulpbriefjes."
            ),
            "chosen_pupils": _(
                "Zoek en voeg toe. U vindt hier de leerlingen van de groepen van de casus; "
                "een kind uit een andere groep voegt de intern begeleider of de "
                "schoolmaatschappelijk werker eerst toe."
            ),
            "check_in_on": _("Leeg laten: over ongeveer een week."),
        }

    def __init__(self, *args, pupils, **kwargs):
        """``pupils``: who may be chosen (``noblame.services.pickable_pupils``)."""
        super().__init__(*args, **kwargs)
        self.fields["chosen_pupils"].queryset = pupils
        # Chosen with the search-and-add picker (as on the signal form), not a long list.
        self.fields["chosen_pupils"].widget = forms.MultipleHiddenInput()
        self.fields["check_in_on"].required = False
        self.fields["wants_change"].choices = YesNo.choices
        self.helper = _helper(_("Gesprek vastleggen"))
        self.helper.layout = Layout(
            *(
                HTML('{% include "noblame/_chosen_picker.html" %}')
                if name == "chosen_pupils"
                else name
                for name in self.fields
            )
        )

    def chosen(self) -> list:
        """The pupils chosen so far (from what was posted, else from the talk), for the
        picker's rows; only those the picker may offer."""
        field = self.fields["chosen_pupils"]
        if self.is_bound:
            wanted = self.data.getlist(self.add_prefix("chosen_pupils"))
        else:
            wanted = [getattr(p, "pk", p) for p in self.initial.get("chosen_pupils", [])]
        return list(field.queryset.filter(pk__in=record_ids(wanted)))


class MemberRowForm(forms.Form):
    pupil = PupilChoiceField(queryset=Pupil.objects.none(), label=_("Leerling"), required=False)
    role = forms.ChoiceField(
        choices=[("", "---------"), *SupportGroupMember.Role.choices],
        label=_("Rol in de steungroep"),
        required=False,
    )

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        if data.get("pupil") and not data.get("role"):
            self.add_error("role", _("Kies een rol voor deze leerling."))
        if data.get("role") and not data.get("pupil"):
            self.add_error("pupil", _("Kies een leerling bij deze rol."))
        return data


class BaseGroupFormSet(forms.BaseFormSet):
    def __init__(self, *args, pupils, **kwargs):
        """``pupils``: who may be chosen (``noblame.services.pickable_pupils``)."""
        self.pupils = pupils
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"pupils": self.pupils}

    def clean(self):
        chosen = [f.cleaned_data["pupil"].pk for f in self.forms if f.cleaned_data.get("pupil")]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Een leerling staat twee keer in de groep."))

    def members(self) -> list[tuple]:
        return [
            (f.cleaned_data["pupil"], f.cleaned_data["role"])
            for f in self.forms
            if f.cleaned_data.get("pupil")
        ]


GroupFormSet = forms.formset_factory(
    MemberRowForm, formset=BaseGroupFormSet, extra=8, max_num=8, absolute_max=8
)


class OtherClassChoiceForm(forms.Form):
    """First part of "Leerling uit een andere groep toevoegen": which groep (sent by GET)."""

    groep = SafeModelChoiceField(
        queryset=SchoolClass.objects.none(), label=_("Groep"), empty_label=_("Kies een groep")
    )

    def __init__(self, *args, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groep"].queryset = classes
        self.fields["groep"].label_from_instance = lambda c: f"{c.name} ({c.school_year})"
        self.helper = _helper(_("Kies deze groep"))
        self.helper.disable_csrf = True  # a GET form: no token in the address


class OtherClassPupilForm(forms.Form):
    """Second part: the pupil of the chosen groep, and why they come in."""

    pupil = PupilChoiceField(
        queryset=Pupil.objects.none(), label=_("Leerling"), empty_label=_("Kies een leerling")
    )
    reason = forms.CharField(
        label=_("Waarom deze leerling?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bijvoorbeeld: de leerling noemde dit kind als iemand die kan helpen."),
    )

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils
        self.helper = _helper(_("Toevoegen"))


class MeetingPlanForm(forms.Form):
    planned_on = forms.DateField(label=_("Geplande datum van de bijeenkomst"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Datum plannen"))


class MeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Datum van de bijeenkomst"), widget=DATE)
    attendees = SafeModelMultipleChoiceField(
        queryset=SupportGroupMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Wie waren er?"),
    )
    notes = forms.CharField(
        label=_("Aantekeningen"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, traject, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(traject.members())
        self.fields["attendees"].queryset = traject.group_members.select_related("pupil")
        self.fields["attendees"].label_from_instance = lambda m: m.pupil.full_name
        for member in self.members:
            self.fields[self.idea_field(member)] = forms.CharField(
                label=_("Idee van %(name)s") % {"name": member.pupil.full_name},
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )
        self.fields["notes"] = self.fields.pop("notes")  # after the ideas
        self.helper = _helper(_("Bijeenkomst vastleggen"))

    @staticmethod
    def idea_field(member) -> str:
        return f"idea_{member.pk}"

    def clean(self):
        data = super().clean()
        present = {m.pk for m in data.get("attendees", [])}
        for member in self.members:
            if data.get(self.idea_field(member), "").strip() and member.pk not in present:
                self.add_error(
                    self.idea_field(member),
                    _("Deze leerling was er niet bij; vink hem of haar aan of laat dit leeg."),
                )
        return data

    def ideas(self) -> dict:
        return {m: self.cleaned_data.get(self.idea_field(m), "") for m in self.members}


class ScheduleForm(forms.Form):
    """This round's due dates and, until the first member talk is held, the talk order."""

    victim_due = forms.DateField(
        label=_("Nabespreking met de gepeste leerling uiterlijk op"), widget=DATE
    )
    group_due = forms.DateField(
        label=_("Nabesprekingen met de steungroep uiterlijk op"), widget=DATE
    )

    def __init__(self, *args, traject, order_locked, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = [] if order_locked else list(traject.members())
        for member in self.members:
            self.fields[self.position_field(member)] = forms.IntegerField(
                label=_("Plek van %(name)s") % {"name": member.pupil.full_name},
                min_value=1,
                max_value=len(self.members),
                initial=member.position,
            )
        self.helper = _helper(_("Planning opslaan"))
        self.helper.layout = Layout(
            Row(Column("victim_due"), Column("group_due")),
            Row(
                *(Column(self.position_field(m), css_class="col-6 col-md-3") for m in self.members)
            ),
        )

    @staticmethod
    def position_field(member) -> str:
        return f"position_{member.pk}"

    def clean(self):
        data = super().clean()
        places = [data.get(self.position_field(m)) for m in self.members]
        if None not in places and sorted(places) != list(range(1, len(self.members) + 1)):
            raise forms.ValidationError(_("Geef elk lid een eigen plek: 1, 2, 3 enzovoort."))
        return data

    def order(self) -> list | None:
        """The members in their new order; ``None`` when the order is fixed."""
        if not self.members:
            return None
        return sorted(self.members, key=lambda m: self.cleaned_data[self.position_field(m)])


EARLY_HELP = _(
    "Alleen nodig als het gesprek eerder is dan de termijn van de school (gerekend vanaf de "
    "bijeenkomst). De reden komt in de tijdlijn van de casus."
)
ORDER_HELP = _(
    "Alleen nodig als u afwijkt van de afgesproken volgorde. De reden komt in de tijdlijn "
    "van de casus."
)


class VictimFollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUpTalk
        fields = ["held_on", "what_changed", "how_now", "improved", "notes", "early_reason"]
        widgets = {
            "held_on": DATE,
            "improved": forms.RadioSelect,
            "what_changed": forms.Textarea(attrs={"rows": 3}),
            "how_now": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "early_reason": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"notes": _("Wat heeft de leerling nog nodig?")}
        help_texts = {"early_reason": EARLY_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["improved"].required = True
        self.fields["improved"].choices = YesNo.choices
        self.helper = _helper(_("Nabespreking vastleggen"))


class MemberFollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUpTalk
        fields = [
            "held_on",
            "did_their_part",
            "what_changed",
            "how_now",
            "notes",
            "early_reason",
            "order_reason",
        ]
        widgets = {
            "held_on": DATE,
            "did_their_part": forms.RadioSelect,
            "what_changed": forms.Textarea(attrs={"rows": 2}),
            "how_now": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "early_reason": forms.Textarea(attrs={"rows": 2}),
            "order_reason": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"early_reason": EARLY_HELP, "order_reason": ORDER_HELP}
        labels = {
            "what_changed": _("Wat heeft de leerling gedaan en gezien?"),
            "how_now": _("Hoe gaat het nu, volgens deze leerling?"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["did_their_part"].required = True
        self.fields["did_their_part"].choices = FollowUpTalk.Part.choices
        self.helper = _helper(_("Nabespreking vastleggen"))


class CheckInForm(forms.ModelForm):
    """The short talk about the victim's assignment, about a week after the talk."""

    class Meta:
        model = CheckIn
        fields = ["held_on", "noticed", "how_now", "early_reason"]
        widgets = {
            "held_on": DATE,
            "noticed": forms.Textarea(attrs={"rows": 3}),
            "how_now": forms.Textarea(attrs={"rows": 2}),
            "early_reason": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "early_reason": _(
                "Alleen nodig als het gesprek eerder is dan de datum die bij het gesprek met de "
                "leerling is afgesproken. De reden komt in de tijdlijn van de casus."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Gesprek vastleggen"))


class CloseForm(forms.Form):
    remark = forms.CharField(
        label=_("Reden"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bijvoorbeeld: de leerling wil deze hulp niet, of na vijf rondes niet beter."),
    )


class SchoolSettingsForm(forms.Form):
    """A school's own No Blame dates and rounds (beheer). The seeds' values are the defaults."""

    check_in_days = forms.IntegerField(
        label=_("Dagen tot het terugkomen op de opdracht van de gepeste leerling"),
        min_value=1,
        max_value=30,
        help_text=_("Het protocol noemt ongeveer een week."),
    )
    victim_follow_up_min_days = forms.IntegerField(
        label=_("Nabespreking met de gepeste leerling: vanaf dag"), min_value=1, max_value=60
    )
    victim_follow_up_max_days = forms.IntegerField(
        label=_("Nabespreking met de gepeste leerling: uiterlijk dag"), min_value=1, max_value=60
    )
    group_follow_up_min_days = forms.IntegerField(
        label=_("Nabespreking met de steungroep: vanaf dag"), min_value=1, max_value=60
    )
    group_follow_up_max_days = forms.IntegerField(
        label=_("Nabespreking met de steungroep: uiterlijk dag"), min_value=1, max_value=60
    )
    max_rounds = forms.IntegerField(
        label=_("Hoogste aantal rondes"),
        min_value=1,
        max_value=MAX_ROUNDS,
        help_text=_("Hoogstens vijf rondes, zoals het protocol zegt."),
    )

    def clean(self):
        cleaned = super().clean()
        for first, last in (
            ("victim_follow_up_min_days", "victim_follow_up_max_days"),
            ("group_follow_up_min_days", "group_follow_up_max_days"),
        ):
            if cleaned.get(first) and cleaned.get(last) and cleaned[first] > cleaned[last]:
                self.add_error(last, _("De laatste dag ligt vóór de eerste dag."))
        return cleaned
