"""Forms of the plan van aanpak: writing a version, signing on the screen, uploading a scan.

They validate and normalise; the services in ``cases.services`` decide.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.talks import TalkKind
from plans import content as plans
from plans.files import scan_check, signature_from_data_url


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PlanForm(forms.Form):
    """Everything of one version of the plan except its planning (a formset beside it)."""

    agreements = forms.CharField(
        label=_("Afspraken voor iedereen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    coach_bully = StaffChoiceField(
        label=_("Coach van de pester"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("nog te bepalen"),
    )
    coach_victim = StaffChoiceField(
        label=_("Coach van de gepeste leerling"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("nog te bepalen"),
    )
    coach_group = StaffChoiceField(
        label=_("Coach van de groep (als dat nodig is)"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("niet nodig"),
    )
    activities = forms.MultipleChoiceField(
        label=_("Extra activiteiten"),
        choices=plans.ACTIVITIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    activities_other = forms.CharField(
        label=_("Andere activiteiten"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    registration = forms.CharField(
        label=_("Hoe worden activiteiten en evaluaties vastgelegd?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signatories = forms.MultipleChoiceField(
        label=_("Wie tekenen het plan?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies wie het plan ondertekenen.")},
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        staff = (
            get_user_model()
            .objects.filter(memberships__school=case.school, is_active=True)
            .distinct()
            .order_by("first_name", "last_name")
        )
        for name in ("coach_bully", "coach_victim", "coach_group"):
            self.fields[name].queryset = staff
        self.candidates = {c.key: c for c in plans.signatory_candidates(case)}
        self.fields["signatories"].choices = [
            (c.key, f"{c.name} — {c.role}") for c in self.candidates.values()
        ]
        self.slots = plans.party_slots(case)
        for n, slot in enumerate(self.slots):
            self.fields[f"party_{n}"] = forms.CharField(
                label=slot["label"], required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def party_fields(self):
        return [self[f"party_{n}"] for n in range(len(self.slots))]

    def service_kwargs(self, talks: list[dict]) -> dict:
        data = self.cleaned_data
        return {
            "agreements": data["agreements"],
            "coach_bully": data["coach_bully"],
            "coach_victim": data["coach_victim"],
            "coach_group": data["coach_group"],
            "activities": data["activities"],
            "activities_other": data["activities_other"],
            "registration": data["registration"],
            "signatories": [self.candidates[k].as_signatory() for k in data["signatories"]],
            "parties": [
                {"party": slot["party"], "pupil": slot["pupil"], "text": data[f"party_{n}"]}
                for n, slot in enumerate(self.slots)
            ],
            "talks": talks,
        }

    @classmethod
    def initial_for(cls, case, plan=None) -> dict:
        """The form's start: the given (latest) version, or the usual proposal."""
        if plan is None:
            return {
                "signatories": [c.key for c in plans.signatory_candidates(case) if c.default],
                "registration": str(plans.DEFAULT_REGISTRATION),
            }
        initial = {
            "agreements": plan.agreements,
            "coach_bully": plan.coach_bully_id,
            "coach_victim": plan.coach_victim_id,
            "coach_group": plan.coach_group_id,
            "activities": plan.activities,
            "activities_other": plan.activities_other,
            "registration": plan.registration,
            "signatories": [_signatory_key(s) for s in plan.signatories.all()],
        }
        texts = {(a.party, a.pupil_id): a.text for a in plan.party_agreements.all()}
        for n, slot in enumerate(plans.party_slots(case)):
            pupil_id = slot["pupil"].pk if slot["pupil"] else None
            initial[f"party_{n}"] = texts.get((slot["party"], pupil_id), "")
        return initial


def initial_from_earlier(case, earlier) -> dict:
    """A first plan for a recurrence starts from the bully's earlier signed plan (another
    case): its agreements, coaches, activities and registration, and what it asked of the
    pupils who are in this case too. Signatories and planning are this case's own: a new
    victim's family, new dates."""
    initial = PlanForm.initial_for(case)
    initial.update(
        {
            "agreements": earlier.agreements,
            "coach_bully": earlier.coach_bully_id,
            "coach_victim": earlier.coach_victim_id,
            "coach_group": earlier.coach_group_id,
            "activities": earlier.activities,
            "activities_other": earlier.activities_other,
            "registration": earlier.registration,
        }
    )
    texts = {(a.party, a.pupil_id): a.text for a in earlier.party_agreements.all() if a.pupil_id}
    for n, slot in enumerate(plans.party_slots(case)):
        if slot["pupil"] is not None:
            initial[f"party_{n}"] = texts.get((slot["party"], slot["pupil"].pk), "")
    return initial


def _signatory_key(signatory) -> str:
    if signatory.user_id:
        return f"user:{signatory.user_id}"
    if signatory.guardian_id:
        return f"guardian:{signatory.guardian_id}"
    return f"pupil:{signatory.pupil_id}"


class PlanTalkForm(forms.Form):
    """One row of the planning: when, which talk, who takes part."""

    planned_on = forms.DateField(
        label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(
        label=_("Gesprek"),
        choices=[(k.value, k.label) for k in TalkKind if k in plans.PLAN_TALK_KINDS],
    )
    participants = forms.CharField(label=_("Wie zijn erbij"), max_length=300, required=False)

    def has_changed(self):
        # A row without date and participants is an empty row, whatever talk is selected.
        date = self.data.get(self.add_prefix("planned_on"), "").strip()
        who = self.data.get(self.add_prefix("participants"), "").strip()
        return bool(date or who) and super().has_changed()


PlanTalkFormSet = forms.formset_factory(PlanTalkForm, extra=2, can_delete=True)


def planning_from(formset) -> list[dict]:
    return [
        {
            "kind": f.cleaned_data["kind"],
            "planned_on": f.cleaned_data["planned_on"],
            "participants": f.cleaned_data.get("participants", ""),
        }
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class SignForm(forms.Form):
    """A signature drawn on the screen; a staff member confirms their password first."""

    signature = forms.CharField(widget=forms.HiddenInput, required=False)
    password = forms.CharField(
        label=_("Uw wachtwoord"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Ter bevestiging dat u het zelf bent die tekent."),
    )

    def __init__(self, *args, signatory, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.signatory, self.user = signatory, user
        self.needs_password = signatory.user_id is not None
        if not self.needs_password:
            del self.fields["password"]

    def clean_signature(self):
        return signature_from_data_url(self.cleaned_data["signature"])

    def clean_password(self):
        password = self.cleaned_data.get("password", "")
        if not password:
            raise ValidationError(_("Vul uw wachtwoord in om te tekenen."))
        if not self.user.check_password(password):
            raise ValidationError(_("Dit wachtwoord klopt niet. Er is niets getekend."))
        return password


class ScanForm(forms.Form):
    """A scan of the paper copy, signed with pen, and whose signatures it holds."""

    scan = forms.FileField(
        label=_("Scan van de getekende papieren versie"),
        help_text=_("PDF, JPEG of PNG, hoogstens 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    signatories = forms.MultipleChoiceField(
        label=_("Wie hebben op dit papier getekend?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies wie op deze papieren versie hebben getekend.")},
    )
    confirm = forms.BooleanField(
        label=_("Dit is een scan van deze versie van het plan, getekend door wie hierboven staan."),
        error_messages={"required": _("Bevestig dat de scan bij deze versie van het plan hoort.")},
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.unsigned = {str(s.pk): s for s in plan.signatories.filter(signed_at__isnull=True)}
        self.fields["signatories"].choices = [
            (pk, f"{s.name} — {s.role}") for pk, s in self.unsigned.items()
        ]
        self.initial.setdefault("signatories", list(self.unsigned))

    def clean_scan(self):
        upload = self.cleaned_data["scan"]
        scan_check(upload)
        return upload

    def chosen(self):
        return [self.unsigned[pk] for pk in self.cleaned_data["signatories"]]


class RefusalForm(forms.Form):
    """The IB records that a parent will not sign: the date and the reason."""

    refused_on = forms.DateField(
        label=_("Datum waarop de ouder weigerde te tekenen"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=_("Reden"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wat de ouder zei en wat de school heeft gedaan om het plan toe te lichten."),
    )
