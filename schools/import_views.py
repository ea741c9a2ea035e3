"""The import pages: upload an export of the pupil administration, map its columns, see
the preview, apply or cancel. Thin views over ``schools.importing``; every run is fetched
through ``managed_schools`` (a run of another school is a 404), and someone who manages
no school gets 403."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import record_access
from pestprotocol.fields import DateInput, SafeModelChoiceField
from schools import importing
from schools.models import ImportRun, current_school_year
from schools.scope import managed_schools
from schools.views import beheer_view

RECENT_RUNS = 30


# --- forms --------------------------------------------------------------------------------


class UploadForm(forms.Form):
    school = SafeModelChoiceField(
        queryset=None, label=gettext_lazy("School"), empty_label=gettext_lazy("Kies een school")
    )
    school_year = forms.ChoiceField(
        label=gettext_lazy("Schooljaar"),
        help_text=gettext_lazy("De groepen uit het bestand horen bij dit schooljaar."),
    )
    file = forms.FileField(
        label=gettext_lazy("Export uit de leerlingadministratie (CSV)"),
        help_text=gettext_lazy(
            "Uit ParnasSys, ESIS of Somtoday: leerlingen met leerlingnummer, groep, "
            "geboortedatum en ouders/verzorgers. Gescheiden door ; of , — hoogstens 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        schools = managed_schools(user)
        self.fields["school"].queryset = schools
        if len(schools) == 1:
            self.fields["school"].initial = schools[0]
        year = current_school_year()
        start = int(year[:4]) + 1
        # This year, or the next one when the export is made before the summer holiday.
        self.fields["school_year"].choices = [(y, y) for y in (year, f"{start}-{start + 1}")]
        self.fields["school_year"].initial = year

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_FILE_BYTES:
            raise ValidationError(_("Het bestand is groter dan 5 MB."))
        data = upload.read()
        importing.parse_file(data)  # a file that cannot be read is a message here
        self.data_bytes = data
        return upload


class MappingForm(forms.Form):
    """One select per column of the file: which field of the import it holds."""

    def __init__(self, *args, headers, mapping, samples, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = importing.target_choices()
        for index, header in enumerate(headers):
            sample = samples[index] if index < len(samples) else ""
            forbidden = importing.is_forbidden_header(header)
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header,
                required=False,
                choices=[("", _("— wordt nooit geïmporteerd (BSN) —"))] if forbidden else choices,
                initial=mapping.get(header, ""),
                help_text=(
                    _("Voorbeeld: %(value)s") % {"value": sample[:60]}
                    if sample and not forbidden
                    else ""
                ),
            )

    def clean(self):
        cleaned = super().clean()
        self.mapping = {
            header: cleaned.get(f"col_{index}", "") or ""
            for index, header in enumerate(self.headers)
        }
        problems = importing.check_mapping(self.mapping)
        if problems:
            raise ValidationError(problems)
        return cleaned


class ApplyForm(forms.Form):
    mark_leaving = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "Ja, deze leerlingen hebben de school verlaten: zet hun datum van vertrek"
        ),
    )
    leaving_on = forms.DateField(
        required=False, label=gettext_lazy("Datum van vertrek"), widget=DateInput()
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mark_leaving") and not cleaned.get("leaving_on"):
            self.add_error("leaving_on", _("Vul de datum van vertrek in."))
        return cleaned


# --- views --------------------------------------------------------------------------------


def _run_for(request, pk) -> ImportRun:
    runs = ImportRun.objects.filter(school__in=managed_schools(request.user))
    return get_object_or_404(runs.select_related("school", "uploaded_by", "applied_by"), pk=pk)


@beheer_view("GET", "POST")
def import_upload(request):
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            run = importing.import_upload(
                form.cleaned_data["school"],
                by=request.user,
                file_name=form.cleaned_data["file"].name,
                data=form.data_bytes,
                school_year=form.cleaned_data["school_year"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("file", message)
        else:
            return redirect("schools:import_mapping", run.pk)
    schools = managed_schools(request.user)
    runs = (
        ImportRun.objects.filter(school__in=schools)
        .select_related("school", "uploaded_by", "applied_by")
        .defer("raw_file")[:RECENT_RUNS]
    )
    return render(
        request,
        "schools/import_upload.html",
        {"form": form, "runs": runs, "several_schools": schools.count() > 1},
    )


@beheer_view("GET", "POST")
def import_mapping(request, pk):
    run = _run_for(request, pk)
    if run.status != ImportRun.Status.PREVIEW:
        return redirect("schools:import_preview", run.pk)
    try:
        parsed = importing.parse_file(bytes(run.raw_file))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("schools:import_upload")
    mapping = run.mapping or importing.initial_mapping(run.school, parsed.headers)
    form = MappingForm(
        request.POST or None,
        headers=parsed.headers,
        mapping=mapping,
        samples=parsed.rows[0][1] if parsed.rows else [],
    )
    if request.method == "POST" and form.is_valid():
        try:
            importing.import_save_mapping(run, form.mapping, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return redirect("schools:import_preview", run.pk)
    return render(request, "schools/import_mapping.html", {"run": run, "form": form})


@beheer_view("GET")
def import_preview(request, pk):
    run = _run_for(request, pk)
    record_access(request, run, "view", school=run.school)
    context = {"run": run, "counts": run.counts}
    if run.status == ImportRun.Status.PREVIEW:
        if not run.mapping:
            return redirect("schools:import_mapping", run.pk)
        try:
            preview = importing.preview_run(run)
        except ValidationError as error:
            context["file_error"] = " ".join(error.messages)
        else:
            context.update(
                preview=preview,
                counts=preview.counts(),
                form=ApplyForm(initial={"leaving_on": timezone.localdate()}),
            )
    return render(request, "schools/import_preview.html", context)


@beheer_view("POST")
def import_apply(request, pk):
    run = _run_for(request, pk)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("schools:import_preview", run.pk)
    try:
        counts = importing.import_apply(
            run,
            by=request.user,
            leaving_on=form.cleaned_data["leaving_on"],
            mark_leaving=form.cleaned_data["mark_leaving"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("schools:import_preview", run.pk)
    messages.success(
        request,
        _(
            "De import is doorgevoerd: %(new)s nieuw, %(changed)s gewijzigd, "
            "%(unchanged)s ongewijzigd, %(leaving_marked)s vertrokken."
        )
        % counts,
    )
    return redirect("schools:import_preview", run.pk)


@beheer_view("POST")
def import_cancel(request, pk):
    run = _run_for(request, pk)
    try:
        importing.import_cancel(run, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("schools:import_preview", run.pk)
    messages.success(request, _("De import is geannuleerd; het bestand is verwijderd."))
    return redirect("schools:import_upload")
