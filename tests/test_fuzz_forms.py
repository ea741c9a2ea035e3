"""Property-based fuzzing of every form of the case and No Blame screens.

Each form is posted to its own view, by someone who may use it, with odd input
(unicode, very long text, empty values, HTML, null bytes, huge numbers, malformed
dates, odd files) mixed with values the form accepts. The view must never answer
with a server error: always a redirect, or a page that says what is wrong.

The fields come from the form itself, so a field added later is fuzzed too.
"""

import datetime

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.forms import (
    AddPupilForm,
    CoachesForm,
    DashboardFilterForm,
    EvidenceForm,
    OutcomeForm,
    SignalForm,
    TalkForm,
    TalkPlanForm,
    TransitionForm,
)
from cases.models import CasePupil, State
from cases.talks import TalkKind
from noblame.forms import (
    CloseForm,
    GroupFormSet,
    MeetingForm,
    MeetingPlanForm,
    MemberFollowUpForm,
    OtherClassPupilForm,
    ParticipantAddForm,
    ScheduleForm,
    VictimFollowUpForm,
    VictimTalkForm,
)
from noblame.models import TrajectState
from noblame.services import other_class_candidates, other_classes, pickable_pupils
from tests.noblame_walk import traject_of, walk_traject
from tests.walk import new_case, walk

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ODD_VALUES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ request }}{% debug %}",
    "' OR 1=1 --",
    "../../etc/passwd",
    "Zoë en Anaïs — ‘quotes’ € ½",
    "\u202egnirts",
    "😀" * 40,
    "x" * 5_000,
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "NaN",
    "99999999999999999999999",
    "²",
    "١٢",
    "2026-02-30",
    "0000-00-00",
    "31-12-99999",
    "9999-12-31",
    "0001-01-01",
    "2026-13-01",
    "yesterday",
]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200)
ODD = st.one_of(st.sampled_from(ODD_VALUES), TEXT)
ODD_FILES = st.builds(
    lambda name, content: SimpleUploadedFile(name, content),
    st.sampled_from(["a.png", "a.pdf", "a.jpg", "a.exe", ".png", "x" * 300 + ".png", "ë.PNG"]),
    st.sampled_from(
        [b"", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, b"%PDF-1.4 x", b"\xff\xd8\xff", b"MZ"]
    ),
)


def valid_values(field) -> list[str]:
    """Values the field would accept (so the fuzz also reaches the services)."""
    if isinstance(field, forms.ChoiceField):  # incl. model choice and multiple choice
        return [str(value) for value, _label in field.choices if str(value) != ""]
    if isinstance(field, forms.DateField):
        today = datetime.date.today()
        return [today.isoformat(), (today + datetime.timedelta(days=3)).isoformat()]
    if isinstance(field, forms.BooleanField):
        return ["on"]
    if isinstance(field, forms.IntegerField):
        return ["1", "2"]
    if isinstance(field, forms.CharField):
        return ["Gewone tekst."]
    return []


def field_strategy(field):
    if isinstance(field, forms.FileField):
        return st.one_of(ODD_FILES, st.lists(ODD_FILES, max_size=2), ODD)
    valid = valid_values(field)
    one = st.one_of(st.sampled_from(valid), ODD) if valid else ODD
    if isinstance(field, forms.MultipleChoiceField):  # incl. ModelMultipleChoiceField
        return st.lists(one, max_size=4)
    return one


def form_strategy(form, **extra):
    """Post data for ``form`` (a form or a formset): every field may be odd or left out."""
    fields = {}
    if isinstance(form, forms.BaseFormSet):
        management = form.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            fields[management.add_prefix(name)] = st.one_of(st.sampled_from(["0", "3", "6"]), ODD)
        for index in range(6):
            for name, field in form.empty_form.fields.items():
                fields[f"{form.prefix}-{index}-{name}"] = field_strategy(field)
    else:
        for name, field in form.fields.items():
            fields[form.add_prefix(name)] = field_strategy(field)
    fields.update(extra)
    return st.fixed_dictionaries({}, optional=fields)


ERROR_MARKERS = ("is-invalid", "invalid-feedback", "alert-danger", "errorlist", "text-danger")


def assert_handled(response, data, *, errors_expected=True):
    """A redirect, or a page that says what is wrong; never a server error.

    An empty POST is an unbound form (``request.POST or None``): the blank form again.
    A filter (GET) form answers valid input with its results page.
    """
    assert response.status_code < 500
    if 300 <= response.status_code < 400:
        return
    assert response.status_code in (200, 400, 403, 404), response.status_code
    sent = any(value != [] for value in data.values())
    if response.status_code == 200 and sent and errors_expected:
        body = response.content.decode()
        assert any(marker in body for marker in ERROR_MARKERS), "a 200 without an error"


def fuzz(client, user, url, strategy, method="post"):
    client.force_login(user)

    @FUZZ
    @given(data=strategy)
    def run(data):
        send = client.post if method == "post" else client.get
        assert_handled(send(url, data), data, errors_expected=method == "post")

    run()


# --- the case screens --------------------------------------------------------------------


@pytest.fixture
def case_at(school, people, victim, bully, follower):
    def make(state):
        case = new_case(
            school, people["teacher5"], victim, bully, (follower, CasePupil.Role.FOLLOWER)
        )
        return walk(case, state, people)

    return make


@pytest.mark.django_db
def test_signal_form(client, people, victim, bully):
    form = SignalForm(user=people["ib"])
    roles = st.sampled_from([*CasePupil.Role.values, "", "baas"])
    strategy = form_strategy(
        form,
        pupil=st.lists(st.one_of(st.sampled_from([str(victim.pk), str(bully.pk)]), ODD)),
        **{f"role_{victim.pk}": roles, f"role_{bully.pk}": st.one_of(roles, ODD)},
    )
    fuzz(client, people["ib"], reverse("cases:signal_new"), strategy)


@pytest.mark.django_db
def test_transition_form(client, people, case_at):
    case = case_at(State.VICTIM_TALK)
    url = reverse("cases:fire", args=[case.pk, "assess"])
    fuzz(client, people["ib"], url, form_strategy(TransitionForm()))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [TalkKind.VICTIM, TalkKind.REFLECTION, TalkKind.OTHER])
def test_talk_form(client, people, case_at, kind):
    case = case_at(State.ASSESSMENT)
    url = reverse("cases:talk", args=[case.pk, kind])
    fuzz(client, people["ib"], url, form_strategy(TalkForm(kind=kind, case=case)))


@pytest.mark.django_db
def test_outcome_form(client, people, case_at):
    case = case_at(State.RESOLVED_OTHER)
    url = reverse("cases:outcome", args=[case.pk])
    fuzz(client, people["ib"], url, form_strategy(OutcomeForm()))


@pytest.mark.django_db
def test_coaches_form(client, people, case_at):
    case = case_at(State.COACHING)
    url = reverse("cases:coaches", args=[case.pk])
    fuzz(client, people["ib"], url, form_strategy(CoachesForm(case=case)))


@pytest.mark.django_db
def test_talk_plan_form(client, people, case_at):
    case = case_at(State.TALKS)
    url = reverse("cases:plan_talk", args=[case.pk])
    fuzz(client, people["ib"], url, form_strategy(TalkPlanForm()))


@pytest.mark.django_db
def test_add_pupil_form(client, people, case_at, school, groep5):
    from tests.conftest import make_pupil

    make_pupil(school, groep5, "Milan", "Yılmaz")
    case = case_at(State.SIGNALED)
    url = reverse("cases:add_pupil", args=[case.pk])
    form = AddPupilForm(case=case, user=people["ib"])
    fuzz(client, people["ib"], url, form_strategy(form))


@pytest.mark.django_db
def test_evidence_form(client, people, case_at):
    case = case_at(State.SIGNALED)
    url = reverse("cases:evidence_add", args=[case.pk])
    fuzz(client, people["ib"], url, form_strategy(EvidenceForm()))


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_dashboard_filter_form(client, people, case_at, method):
    case_at(State.SIGNALED)
    form = DashboardFilterForm(user=people["ib"])
    fuzz(client, people["ib"], reverse("cases:dashboard"), form_strategy(form), method=method)


# --- the No Blame screens ------------------------------------------------------------------


@pytest.fixture
def traject_at(case_at):
    def make(state):
        traject = traject_of(case_at(State.SUPPORT_GROUP))
        return walk_traject(traject, state)

    return make


@pytest.mark.django_db
def test_participant_form(client, people, traject_at):
    traject = traject_at(TrajectState.PREPARATION)
    url = reverse("noblame:preparation", args=[traject.case_id])
    fuzz(client, people["smw"], url, form_strategy(ParticipantAddForm(traject=traject)))


@pytest.mark.django_db
def test_victim_talk_form(client, people, traject_at):
    traject = traject_at(TrajectState.VICTIM_TALK)
    url = reverse("noblame:victim_talk", args=[traject.case_id])
    form = VictimTalkForm(pupils=pickable_pupils(traject, people["smw"]))
    fuzz(client, people["smw"], url, form_strategy(form))


@pytest.mark.django_db
def test_group_formset(client, people, traject_at):
    traject = traject_at(TrajectState.VICTIM_ASSIGNMENT)
    url = reverse("noblame:group", args=[traject.case_id])
    formset = GroupFormSet(pupils=pickable_pupils(traject, people["smw"]), prefix="lid")
    fuzz(client, people["smw"], url, form_strategy(formset))


@pytest.mark.django_db
def test_other_class_form(client, people, traject_at, school, groep7):
    from tests.conftest import make_pupil

    make_pupil(school, groep7, "Lina", "Smit")
    traject = traject_at(TrajectState.VICTIM_ASSIGNMENT)
    groep = other_classes(traject).get()
    url = reverse("noblame:other_class", args=[traject.case_id]) + f"?groep={groep.pk}"
    form = OtherClassPupilForm(pupils=other_class_candidates(traject, groep, people["smw"]))
    fuzz(client, people["smw"], url, form_strategy(form))


@pytest.mark.django_db
def test_meeting_plan_form(client, people, traject_at):
    traject = traject_at(TrajectState.GROUP_FORMED)
    url = reverse("noblame:meeting_plan", args=[traject.case_id])
    fuzz(client, people["smw"], url, form_strategy(MeetingPlanForm()))


@pytest.mark.django_db
def test_meeting_form(client, people, traject_at):
    traject = traject_at(TrajectState.GROUP_MEETING)
    url = reverse("noblame:meeting", args=[traject.case_id])
    fuzz(client, people["smw"], url, form_strategy(MeetingForm(traject=traject)))


@pytest.mark.django_db
def test_schedule_form(client, people, traject_at):
    traject = traject_at(TrajectState.FOLLOW_UP)
    url = reverse("noblame:follow_up", args=[traject.case_id])
    form = ScheduleForm(traject=traject, order_locked=False)
    fuzz(client, people["smw"], url, form_strategy(form))


@pytest.mark.django_db
def test_victim_follow_up_form(client, people, traject_at):
    traject = traject_at(TrajectState.FOLLOW_UP)
    url = reverse("noblame:follow_up_victim", args=[traject.case_id])
    fuzz(client, people["smw"], url, form_strategy(VictimFollowUpForm()))


@pytest.mark.django_db
def test_member_follow_up_form(client, people, traject_at):
    traject = traject_at(TrajectState.FOLLOW_UP)
    member = traject.members()[0]
    url = reverse("noblame:follow_up_member", args=[traject.case_id, member.pk])
    fuzz(client, people["smw"], url, form_strategy(MemberFollowUpForm()))


@pytest.mark.django_db
def test_close_form(client, people, traject_at):
    traject = traject_at(TrajectState.GROUP_MEETING)
    url = reverse("noblame:fire", args=[traject.case_id, "close_ineffective"])
    fuzz(client, people["smw"], url, form_strategy(CloseForm()))


@pytest.mark.django_db
def test_huge_id_in_a_multiple_choice(client, people, case_at):
    case = case_at(State.ASSESSMENT)
    client.force_login(people["ib"])
    url = reverse("cases:talk", args=[case.pk, TalkKind.OTHER])

    response = client.post(url, {"held_on": "2026-11-20", "q_summary": "x", "pupils": "9" * 30})

    assert response.status_code == 200


@pytest.mark.django_db
def test_changing_a_coach_the_signed_plan_names(client, people, case_at):
    from cases import services
    from demo.plans import draw_signature
    from plans import services as plan_services

    case = case_at(State.ACTION_PLAN)
    ib = people["ib"]
    plan = plan_services.plan_create(
        case,
        by=ib,
        coach_bully=people["teacher5"],
        signatories=[
            {"name": "Ingrid Bakker", "role": "intern begeleider", "user": ib},
            # The parents with custody of the victim and the bully sign too (stap 5's guard).
            *(
                {"name": str(g), "role": "ouder", "guardian": g}
                for g, _pupil in plan_services.required_parents(case)
            ),
        ],
    )
    for signatory in plan.signatories.all():
        plan_services.plan_sign(signatory, by=ib, signature=draw_signature(signatory.name))
    services.case_transition(case, "start_coaching", by=ib)
    client.force_login(ib)

    data = {"bully": ib.pk, "victim": ib.pk}
    response = client.post(reverse("cases:coaches", args=[case.pk]), data)

    assert response.status_code == 302
