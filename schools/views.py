"""The beheer pages: the beheerder keeps classes, pupils, guardians and staff roles of the
schools they manage. Thin views: fetch through ``schools.scope``, validate the form, call
the service in ``schools.services``, redirect. Someone who manages no school gets 403;
an object of a school they do not manage is a 404."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit import record_access
from schools import services
from schools.forms import (
    GuardianForm,
    NewYearForm,
    PupilForm,
    PupilSearchForm,
    SchoolClassForm,
    SchoolHolidayForm,
    SchoolSettingsForm,
    StaffCreateForm,
    StaffEditForm,
    StaffRolesForm,
)
from schools.models import GuardianRelation, Membership, SchoolHoliday, current_school_year
from schools.scope import (
    is_beheerder,
    managed_classes,
    managed_pupils,
    managed_schools,
    managed_staff,
    may_edit_account,
)

PAGE_SIZE = 50


def beheer_view(*methods):
    """Logged in, the right method, and beheerder of at least one school (else 403)."""

    def decorate(view):
        @login_required
        @require_http_methods(list(methods))
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not is_beheerder(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _error_text(error: ValidationError | PermissionDenied) -> str:
    """The Dutch refusal a service raised, as one line for the page."""
    return " ".join(getattr(error, "messages", None) or [str(error)])


def _errors_to_form(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


@beheer_view("GET")
def home(request):
    year = current_school_year()
    schools = managed_schools(request.user).annotate(
        n_classes=Count("classes", filter=Q(classes__school_year=year), distinct=True),
        n_pupils=Count("pupils", filter=Q(pupils__left_on__isnull=True), distinct=True),
        n_staff=Count("memberships__user", distinct=True),
        last_import=Max("import_runs__applied_at"),
    )
    return render(request, "schools/home.html", {"schools": schools, "year": year})


# --- a school's own settings and holidays -------------------------------------------------


@beheer_view("GET", "POST")
def school_settings(request, pk):
    school = get_object_or_404(managed_schools(request.user), pk=pk)
    initial = {name: getattr(school, name) for name in services.SCHOOL_SETTINGS}
    form = SchoolSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_settings_save(school, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("De instellingen zijn opgeslagen."))
            return redirect("schools:school_settings", pk=school.pk)
    return _settings_page(request, school, form, SchoolHolidayForm())


def _settings_page(request, school, form, holiday_form):
    return render(
        request,
        "schools/school_settings.html",
        {
            "school": school,
            "form": form,
            "holiday_form": holiday_form,
            "holidays": school.holidays.order_by("starts_on"),
        },
    )


@beheer_view("POST")
def holiday_add(request, pk):
    school = get_object_or_404(managed_schools(request.user), pk=pk)
    holiday_form = SchoolHolidayForm(request.POST)
    if holiday_form.is_valid():
        try:
            services.holiday_add(school, by=request.user, **holiday_form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(holiday_form, error)
        else:
            messages.success(request, _("De vakantie is toegevoegd."))
            return redirect("schools:school_settings", pk=school.pk)
    # Nothing saved: the page again, the settings as stored, the holiday as typed.
    initial = {name: getattr(school, name) for name in services.SCHOOL_SETTINGS}
    return _settings_page(request, school, SchoolSettingsForm(initial=initial), holiday_form)


@beheer_view("POST")
def holiday_remove(request, pk):
    holiday = get_object_or_404(
        SchoolHoliday.objects.filter(school__in=managed_schools(request.user)), pk=pk
    )
    services.holiday_remove(holiday, by=request.user)
    messages.success(request, _("De vakantie is verwijderd."))
    return redirect("schools:school_settings", pk=holiday.school_id)


# --- classes ------------------------------------------------------------------------------


@beheer_view("GET")
def class_list(request):
    classes = (
        managed_classes(request.user)
        .select_related("school")
        .prefetch_related("teachers")
        .annotate(n_pupils=Count("pupils", filter=Q(pupils__left_on__isnull=True)))
        .order_by("school__name", "-school_year", "name")
    )
    years = sorted(set(classes.values_list("school_year", flat=True)), reverse=True)
    year = request.GET.get("jaar") or current_school_year()
    if year != "alle":
        classes = classes.filter(school_year=year)
    return render(
        request,
        "schools/class_list.html",
        {"classes": classes, "years": years, "year": year},
    )


@beheer_view("GET", "POST")
def class_create(request):
    return _class_form(request, None)


@beheer_view("GET", "POST")
def class_edit(request, pk):
    school_class = get_object_or_404(managed_classes(request.user), pk=pk)
    return _class_form(request, school_class)


def _class_form(request, school_class):
    initial = {}
    if school_class is not None:
        initial = {
            "school": school_class.school,
            "school_year": school_class.school_year,
            "name": school_class.name,
            "teachers": list(school_class.teachers.all()),
        }
    form = SchoolClassForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.class_save(school_class, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Groep %(name)s is opgeslagen.") % {"name": saved.name})
            return redirect("schools:classes")
    return render(request, "schools/class_form.html", {"form": form, "school_class": school_class})


# --- pupils -------------------------------------------------------------------------------


@beheer_view("GET", "POST")
def pupil_list(request):
    """Pupils per class, paginated. A search by name is POSTed, so no name is in a URL."""
    pupils = (
        managed_pupils(request.user)
        .select_related("school", "school_class")
        .annotate(n_guardians=Count("guardian_relations"))
        .order_by("last_name", "first_name", "pk")
    )
    search = PupilSearchForm(request.POST or None)
    classes = managed_classes(request.user).filter(school_year=current_school_year())
    chosen_class = None
    show_left = request.GET.get("vertrokken") == "1"
    if request.method == "POST":
        if search.is_valid():
            q = search.cleaned_data["q"].strip()
            terms = Q()
            for word in q.split():
                terms &= (
                    Q(first_name__icontains=word)
                    | Q(last_name__icontains=word)
                    | Q(pupil_number=word)
                )
            pupils = pupils.filter(terms)
        page = Paginator(pupils, PAGE_SIZE).get_page(1)
    else:
        groep = request.GET.get("groep", "")
        if groep.isdigit() and len(groep) < 19:
            chosen_class = classes.filter(pk=int(groep)).first()
            if chosen_class is not None:
                pupils = pupils.filter(school_class=chosen_class)
        if not show_left:
            pupils = pupils.filter(left_on__isnull=True)
        page = Paginator(pupils, PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "schools/pupil_list.html",
        {
            "page": page,
            "search": search,
            "searched": request.method == "POST",
            "classes": classes.select_related("school").order_by("school__name", "name"),
            "chosen_class": chosen_class,
            "show_left": show_left,
            "several_schools": managed_schools(request.user).count() > 1,
            "year": current_school_year(),
        },
    )


@beheer_view("GET", "POST")
def pupil_create(request):
    form = PupilForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            pupil = services.pupil_save(None, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request, _("De leerling is opgeslagen. Voeg nu de ouders/verzorgers toe.")
            )
            return redirect("schools:pupil_edit", pk=pupil.pk)
    return render(request, "schools/pupil_form.html", {"form": form, "pupil": None})


@beheer_view("GET", "POST")
def pupil_edit(request, pk):
    pupil = get_object_or_404(
        managed_pupils(request.user).select_related("school", "school_class"), pk=pk
    )
    initial = {name: getattr(pupil, name) for name in services.PUPIL_FIELDS}
    form = PupilForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.pupil_save(pupil, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("De gegevens van de leerling zijn opgeslagen."))
            return redirect("schools:pupil_edit", pk=pupil.pk)
    if request.method == "GET":
        record_access(request, pupil, "view")
    links = pupil.guardian_relations.select_related("guardian").order_by("pk")
    return render(
        request,
        "schools/pupil_form.html",
        {"form": form, "pupil": pupil, "links": links},
    )


def _managed_link(request, pk, relation_pk):
    pupil = get_object_or_404(managed_pupils(request.user), pk=pk)
    link = get_object_or_404(
        GuardianRelation.objects.select_related("guardian", "pupil"), pk=relation_pk, pupil=pupil
    )
    return pupil, link


@beheer_view("GET", "POST")
def guardian_add(request, pk):
    pupil = get_object_or_404(managed_pupils(request.user), pk=pk)
    form = GuardianForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.guardian_add(pupil, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is gekoppeld aan de leerling.") % {"name": link.guardian},
            )
            return redirect("schools:pupil_edit", pk=pupil.pk)
    return render(
        request, "schools/guardian_form.html", {"form": form, "pupil": pupil, "link": None}
    )


@beheer_view("GET", "POST")
def guardian_edit(request, pk, relation_pk):
    pupil, link = _managed_link(request, pk, relation_pk)
    guardian = link.guardian
    locked = not services.may_edit_guardian(request.user, guardian)
    initial = {
        "first_name": guardian.first_name,
        "last_name": guardian.last_name,
        "email": guardian.email,
        "phone": guardian.phone,
        "relation": link.relation,
        "has_custody": link.has_custody,
    }
    form = GuardianForm(request.POST or None, initial=initial, details_locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            services.guardian_update(link, by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("De gegevens van de ouder/verzorger zijn opgeslagen."))
            return redirect("schools:pupil_edit", pk=pupil.pk)
    return render(
        request,
        "schools/guardian_form.html",
        {"form": form, "pupil": pupil, "link": link, "locked": locked},
    )


@beheer_view("POST")
def guardian_unlink(request, pk, relation_pk):
    pupil, link = _managed_link(request, pk, relation_pk)
    name = str(link.guardian)
    services.guardian_unlink(link, by=request.user)
    messages.success(
        request, _("%(name)s is niet meer aan de leerling gekoppeld.") % {"name": name}
    )
    return redirect("schools:pupil_edit", pk=pupil.pk)


# --- staff --------------------------------------------------------------------------------


@beheer_view("GET")
def staff_list(request):
    schools = managed_schools(request.user)
    accounts = managed_staff(request.user).order_by("last_name", "first_name", "username")
    roles: dict[int, list] = {}
    for m in (
        Membership.objects.filter(user__in=accounts, school__in=schools)
        .select_related("school")
        .order_by("school__name", "role")
    ):
        roles.setdefault(m.user_id, []).append(m)
    rows = [{"account": a, "memberships": roles.get(a.pk, [])} for a in accounts]
    return render(request, "schools/staff_list.html", {"rows": rows})


@beheer_view("GET", "POST")
def staff_create(request):
    form = StaffCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.staff_create(
                by=request.user,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"],
                roles=[(data["school"], role) for role in data["roles"]],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("Het account %(username)s is aangemaakt.") % {"username": account.username},
            )
            return redirect("schools:staff_edit", pk=account.pk)
    return render(request, "schools/staff_create.html", {"form": form})


@beheer_view("GET", "POST")
def staff_edit(request, pk):
    account = get_object_or_404(managed_staff(request.user), pk=pk)
    editable = may_edit_account(request.user, account)
    schools = list(managed_schools(request.user).order_by("name"))
    account_form = StaffEditForm(
        initial={
            "first_name": account.first_name,
            "last_name": account.last_name,
            "email": account.email,
            "is_active": account.is_active,
        }
    )
    role_forms = []
    for school in schools:
        current = list(
            Membership.objects.filter(user=account, school=school).values_list("role", flat=True)
        )
        role_forms.append(
            StaffRolesForm(
                prefix=f"school-{school.pk}",
                user=request.user,
                initial={"school": school.pk, "roles": current},
            )
        )
    if request.method == "POST":
        if "account" in request.POST:
            if not editable:
                raise PermissionDenied
            account_form = StaffEditForm(request.POST)
            if account_form.is_valid():
                try:
                    services.staff_update(account, by=request.user, **account_form.cleaned_data)
                except ValidationError as error:
                    _errors_to_form(account_form, error)
                else:
                    messages.success(request, _("Het account is opgeslagen."))
                    return redirect("schools:staff_edit", pk=account.pk)
        elif "roles" in request.POST:
            return _save_roles(request, account, role_forms)
    school_roles = list(zip(schools, role_forms, strict=True))
    return render(
        request,
        "schools/staff_edit.html",
        {
            "account": account,
            "editable": editable,
            "account_form": account_form,
            "school_roles": school_roles,
            "elsewhere": not editable and not account.is_superuser,
        },
    )


def _save_roles(request, account, role_forms):
    prefix = request.POST.get("roles", "")
    form = next((f for f in role_forms if f.prefix == prefix), None)
    if form is None:
        raise PermissionDenied
    bound = StaffRolesForm(request.POST, prefix=form.prefix, user=request.user)
    if not bound.is_valid():
        messages.error(request, _("De rollen zijn niet opgeslagen: kies geldige rollen."))
        return redirect("schools:staff_edit", pk=account.pk)
    try:
        services.staff_set_roles(
            account,
            by=request.user,
            school=bound.cleaned_data["school"],
            roles=bound.cleaned_data["roles"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("De rollen zijn opgeslagen."))
    return redirect("schools:staff_edit", pk=account.pk)


# --- the new school year -------------------------------------------------------------------


@beheer_view("GET", "POST")
def new_year(request):
    form = NewYearForm(request.POST or None, user=request.user)
    plan = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "apply" in request.POST:
            try:
                done = services.school_year_advance(
                    data["school"],
                    data["from_year"],
                    by=request.user,
                    leaving_on=data["leaving_on"],
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Schooljaar %(year)s staat klaar: %(moving)s leerlingen zijn een groep "
                        "hoger gezet, %(leaving)s leerlingen van groep 8 hebben een "
                        "vertrekdatum. Wijs nu de leerkrachten toe aan de nieuwe groepen."
                    )
                    % {"year": done.to_year, "moving": done.moving, "leaving": done.leaving},
                )
                return redirect(f"{reverse('schools:classes')}?jaar={done.to_year}")
        plan = services.school_year_plan(data["school"], data["from_year"], by=request.user)
    return render(request, "schools/new_year.html", {"form": form, "plan": plan})
