"""A large, consistent school board for the benchmark (issue 11): N cases, ~10 talks each.

Run from the project folder, against a throw-away database (never the real one):

    export DATABASE_URL=sqlite:////tmp/bench.sqlite3 MEDIA_ROOT=/tmp/bench-media
    .venv/bin/python manage.py migrate --verbosity 0
    .venv/bin/python scripts/bench_data.py [--cases 10000] [--talks-per-case 10] [--schools 40]

``scripts/benchmark.py`` calls ``generate()`` itself; this command is for looking at the
data by hand. It needs ``DJANGO_DEBUG`` on (the default), because it seeds the demo first
when the demo board is not there yet.

How the board is made: a new board with ``--schools`` schools, each with groep 1 to 8
(about ``--pupils-per-school`` pupils, two guardians each), eight teachers, an IB, an
SMW, a director and a beheerder. The cases are copies of the demo's cases (``seed_demo``
plays each one through the services, so every state, talk answer, plan signature, No
Blame round and dossier entry there passes the guards): for each new case a target state
is drawn from ``STATE_WEIGHTS`` (closed most often), then a demo case in that state is
copied row by row with ``bulk_create`` onto pupils of one class of a bench school and
onto that school's staff in the same roles, its dates moved back by a random number of
days. Talks of the kind "ander gesprek" (allowed in every stap) are added until there are
``--talks-per-case`` talks per case on average. Signature images and stored plan PDFs
are shared with the demo case they were copied from (same file).

Who sees what: ``bench-ib`` is the IB of the first ``--ib-schools`` schools (about 30%
of the cases), ``bench-leerkracht`` teaches groep 5 of the first school. Password of
every bench account: ``PASSWORD`` below.

Model classes are looked up by the app labels in ``MODELS`` (a label change is a
one-line edit there); nothing of the app is imported before ``django.setup()``.
"""

import argparse
import datetime
import functools
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pestprotocol.settings")

# --- what the script reads of the app (edit here when an app label changes) -------------

# A tuple lists alternatives, the first installed one wins: the plan van aanpak and dossier
# models are moving from ``cases`` to the apps ``plans`` and ``dossier`` (same tables).
# Once the move is done, the old labels can go.
MODELS = {
    "user": "auth.User",
    "board": "schools.SchoolBoard",
    "school": "schools.School",
    "school_class": "schools.SchoolClass",
    "pupil": "schools.Pupil",
    "guardian": "schools.Guardian",
    "guardian_relation": "schools.GuardianRelation",
    "membership": "schools.Membership",
    "case": "cases.Case",
    "case_pupil": "cases.CasePupil",
    "talk": "cases.Talk",
    "talk_version": "cases.TalkVersion",
    "state_change": "cases.StateChange",
    "recurrence": "cases.Recurrence",
    "notification": "cases.Notification",
    "evidence": "cases.Evidence",
    "plan": ("plans.ActionPlan", "cases.ActionPlan"),
    "plan_scan": ("plans.PlanScan", "cases.PlanScan"),
    "plan_agreement": ("plans.PlanAgreement", "cases.PlanAgreement"),
    "plan_talk": ("plans.PlanTalk", "cases.PlanTalk"),
    "plan_signatory": ("plans.PlanSignatory", "cases.PlanSignatory"),
    "plan_document": ("plans.PlanDocument", "cases.PlanDocument"),
    "dossier_entry": ("dossier.DossierEntry", "cases.DossierEntry"),
    "traject": "noblame.Traject",
    "traject_state_change": "noblame.TrajectStateChange",
    "participant": "noblame.Participant",
    "victim_talk": "noblame.VictimTalk",
    "group_member": "noblame.SupportGroupMember",
    "round": "noblame.Round",
    "meeting": "noblame.Meeting",
    "idea": "noblame.Idea",
    "follow_up": "noblame.FollowUpTalk",
}

# Everything that hangs off a case, parents before children: (model key, path to the case).
CASE_GRAPH = [
    ("case", ""),
    ("case_pupil", "case"),
    ("talk", "case"),
    ("talk_version", "talk__case"),
    ("state_change", "case"),
    ("recurrence", "case"),
    ("notification", "case"),
    ("evidence", "case"),
    ("plan", "case"),
    ("plan_scan", "plan__case"),
    ("plan_agreement", "plan__case"),
    ("plan_talk", "plan__case"),
    ("plan_signatory", "plan__case"),
    ("plan_document", "plan__case"),
    ("dossier_entry", "case"),
    ("traject", "case"),
    ("traject_state_change", "traject__case"),
    ("participant", "traject__case"),
    ("victim_talk", "traject__case"),
    ("group_member", "traject__case"),
    ("round", "traject__case"),
    ("meeting", "round__traject__case"),
    ("idea", "meeting__round__traject__case"),
    ("follow_up", "round__traject__case"),
]

# A believable spread of the cases over the stappen: most are closed.
STATE_WEIGHTS = {
    "closed": 50,
    "signaled": 3,
    "victim_talk": 3,
    "assessment": 2,
    "resolved_other": 2,
    "one_off": 3,
    "one_off_review": 3,
    "support_group": 8,
    "action_plan": 4,
    "coaching": 3,
    "talks": 4,
    "reflection": 3,
    "group_discussion": 3,
    "back_in_class": 5,
    "closing": 4,
}
CLOSED = "closed"
OTHER_TALK = "other"  # TalkKind.OTHER: a talk allowed in every stap, one answer "summary"
# Days a copied case moves back in time: closed ones up to almost two years, open ones a
# little (their planned talks stay near today).
CLOSED_SHIFT_DAYS, OPEN_SHIFT_DAYS = 600, 10

BENCH_BOARD = "Stichting Benchmark"
PASSWORD = "bench-wachtwoord-2026"
PERSONAS = {"ib": "bench-ib", "teacher": "bench-leerkracht"}
ROLES = ("teacher", "ib", "smw", "director", "admin")  # schools.models.Role values
SEED = 11

FIRST = (
    "Emma", "Julia", "Mila", "Tess", "Sophie", "Noah", "Sem", "Liam", "Lucas", "Daan",
    "Yasmina", "Imane", "Adam", "Bilal", "Elif", "Zeynep", "Emir", "Yusuf", "Priya", "Rohan",
    "Zofia", "Jakub", "Fenna", "Lotte", "Noor", "Finn", "Levi", "Luuk", "Milan", "Bram",
)  # fmt: skip
LAST = (
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "El Amrani", "Bouzid", "Yilmaz", "Demir", "Ramdin", "Nowak",
    "van Dijk", "Kuipers", "Hoekstra", "van 't Hof", "Çelik", "Şahin", "Wójcik", "Post",
)  # fmt: skip
MOTHERS = ("Linda", "Fatima", "Ayşe", "Marieke", "Sunita", "Agnieszka")
FATHERS = ("Mark", "Mohamed", "Mehmet", "Jeroen", "Anand", "Piotr")
OTHER_SUMMARIES = (
    "Kort gesprek met de ouders op het schoolplein; afgesproken elkaar volgende week te bellen.",
    "Even bijgepraat met de gepeste leerling in de pauze: het gaat wisselend.",
    "Telefoontje met de moeder: thuis is er weinig over verteld, ze houdt het in de gaten.",
    "De vakleerkracht gym vertelt dat het in de kleedkamer rustiger is.",
    "Overleg met de overblijfkracht over wie er bij het eten naast wie zit.",
)


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def model(key: str):
    """The model class of ``MODELS[key]``: the first of its labels that is installed."""
    from django.apps import apps

    labels = MODELS[key] if isinstance(MODELS[key], tuple) else (MODELS[key],)
    for label in labels:
        try:
            return apps.get_model(label)
        except LookupError:
            continue
    raise LookupError(f"bench_data: none of {labels} is installed; update MODELS")


def label(key: str) -> str:
    return model(key)._meta.label


# --- the organisation ----------------------------------------------------------------------


class Organisation:
    """The bench board: schools, classes, pupils with guardians, staff per role."""

    def __init__(self, schools, classes, class_pupils, guardians, staff):
        self.schools = schools  # [school pk]
        self.classes = classes  # school pk -> [class pk]
        self.class_pupils = class_pupils  # class pk -> [pupil pk]
        self.guardians = guardians  # pupil pk -> [guardian pk] (two each)
        self.staff = staff  # school pk -> {"teacher": [user pk per class], "ib": pk, ...}


def build_organisation(
    rng: random.Random, n_schools: int, pupils_per_school: int, ib_schools: int
) -> Organisation:
    from django.contrib.auth.hashers import make_password

    from schools.models import current_school_year

    User, School, SchoolClass = model("user"), model("school"), model("school_class")
    Pupil, Guardian, Relation = model("pupil"), model("guardian"), model("guardian_relation")
    Membership = model("membership")

    board = model("board").objects.create(name=BENCH_BOARD)
    # One by one: a new school gets its No Blame settings and guidance from a signal.
    schools = [
        School.objects.create(board=board, name=f"Benchschool {n + 1:02d}", town="Utrecht").pk
        for n in range(n_schools)
    ]
    password = make_password(PASSWORD)  # one hash for every bench account

    def user(username, first, last):
        email = f"{username}@example.nl"
        return User(
            username=username, first_name=first, last_name=last, email=email, password=password
        )

    users = {
        PERSONAS["ib"]: user(PERSONAS["ib"], "Iris", "Bench"),
        PERSONAS["teacher"]: user(PERSONAS["teacher"], "Thijs", "Bench"),
    }
    for n in range(len(schools)):
        for c in range(8):
            name = f"bench-{n + 1:02d}-leerkracht{c + 1}"
            if n == 0 and c == 4:
                continue  # groep 5 of the first school: bench-leerkracht
            users[name] = user(name, rng.choice(FIRST), rng.choice(LAST))
        for role in ("ib", "smw", "director", "admin"):
            if role == "ib" and n < ib_schools:
                continue
            name = f"bench-{n + 1:02d}-{role}"
            users[name] = user(name, rng.choice(FIRST), rng.choice(LAST))
    User.objects.bulk_create(users.values())
    ids = dict(User.objects.filter(username__in=users).values_list("username", "pk"))

    year = current_school_year()
    class_rows = [
        SchoolClass(school_id=school, school_year=year, name=f"groep {g}")
        for school in schools
        for g in range(1, 9)
    ]
    SchoolClass.objects.bulk_create(class_rows)
    classes = defaultdict(list)
    for row in class_rows:
        classes[row.school_id].append(row.pk)

    staff, memberships, teaching = {}, [], []
    for n, school in enumerate(schools):
        teachers = [ids.get(f"bench-{n + 1:02d}-leerkracht{c + 1}") for c in range(8)]
        if n == 0:
            teachers[4] = ids[PERSONAS["teacher"]]
        staff[school] = {"teacher": teachers}
        for role in ("ib", "smw", "director", "admin"):
            own = f"bench-{n + 1:02d}-{role}"
            staff[school][role] = ids[PERSONAS["ib"]] if own not in ids else ids[own]
        for pk in teachers:
            memberships.append(Membership(user_id=pk, school_id=school, role="teacher"))
        for role in ("ib", "smw", "director", "admin"):
            memberships.append(Membership(user_id=staff[school][role], school_id=school, role=role))
        teaching += list(zip(classes[school], teachers, strict=True))
    Membership.objects.bulk_create(memberships)
    field = SchoolClass._meta.get_field("teachers")
    through = field.remote_field.through
    src, tgt = field.m2m_column_name(), field.m2m_reverse_name()
    through.objects.bulk_create([through(**{src: k, tgt: t}) for k, t in teaching])

    pupils, number = [], 0
    per_class = pupils_per_school // 8
    for school in schools:
        for g, klass in enumerate(classes[school], start=1):
            size = per_class + rng.randint(0, 2)
            for _i in range(size):
                number += 1
                born = datetime.date(int(year[:4]) - 4 - g, 10, 1) + datetime.timedelta(
                    days=rng.randrange(365)
                )
                pupils.append(
                    Pupil(
                        school_id=school,
                        school_class_id=klass,
                        first_name=rng.choice(FIRST),
                        last_name=rng.choice(LAST),
                        date_of_birth=born,
                        pupil_number=str(500_000 + number),
                    )
                )
    Pupil.objects.bulk_create(pupils, batch_size=2000)
    class_pupils = defaultdict(list)
    for p in pupils:
        class_pupils[p.school_class_id].append(p.pk)

    guardian_rows = []
    for p in pupils:
        for n, first in enumerate((rng.choice(MOTHERS), rng.choice(FATHERS)), start=1):
            email = f"ouder{n}.{p.pk}@example.nl"
            guardian_rows.append(Guardian(first_name=first, last_name=p.last_name, email=email))
    Guardian.objects.bulk_create(guardian_rows, batch_size=2000)
    guardians, relations = {}, []
    for i, p in enumerate(pupils):
        pair = guardian_rows[2 * i : 2 * i + 2]
        guardians[p.pk] = [g.pk for g in pair]
        for g, relation in zip(pair, ("mother", "father"), strict=True):
            relations.append(
                Relation(pupil_id=p.pk, guardian_id=g.pk, relation=relation, has_custody=True)
            )
    Relation.objects.bulk_create(relations, batch_size=2000)
    return Organisation(schools, dict(classes), dict(class_pupils), guardians, staff)


# --- the demo cases as templates -----------------------------------------------------------


class FieldPlan:
    """How each column of a model is copied: kept, moved in time, or mapped to a new row."""

    def __init__(self, model_class, graph_models: dict):
        from django.db import models as m

        people = {label(key): key for key in ("user", "pupil", "guardian")}
        self.columns = []  # (attname, how, graph key or None)
        for field in model_class._meta.concrete_fields:
            if field.primary_key:
                continue
            if field.is_relation:
                related = field.related_model._meta.label
                key = graph_models.get(related)
                how = "graph" if key else people.get(related)
                if how is None and related == label("school"):
                    how = "school"
                if how is None and related == label("board"):
                    how = "board"  # the case's board: the one of its new school
                if how is None:
                    raise SystemExit(f"bench_data: no rule to copy {model_class.__name__}.{field}")
                self.columns.append((field.attname, how, key))
            elif isinstance(field, m.DateTimeField):
                self.columns.append((field.attname, "datetime", None))
            elif isinstance(field, m.DateField):
                self.columns.append((field.attname, "date", None))
            else:
                self.columns.append((field.attname, "keep", None))
        # Many-to-many fields with a table of their own (not a model of the graph).
        self.m2m = []  # (field name, through, source column, target column, how, graph key)
        for field in model_class._meta.local_many_to_many:
            through = field.remote_field.through
            if not through._meta.auto_created:
                continue
            related = field.related_model._meta.label
            how = "graph" if related in graph_models else people.get(related)
            if how is None:
                raise SystemExit(f"bench_data: no rule to copy {model_class.__name__}.{field}")
            self.m2m.append(
                (
                    field.name,
                    through,
                    field.m2m_column_name(),
                    field.m2m_reverse_name(),
                    how,
                    graph_models.get(related),
                )
            )


class Template:
    """One demo case with everything that hangs off it, as plain rows."""

    def __init__(self, case_pk):
        self.case_pk = case_pk
        self.rows = defaultdict(list)  # graph key -> [dict of attname -> value, with "pk"]
        self.m2m = defaultdict(list)  # (graph key, field name) -> [(source pk, target pk)]
        self.pupils: list[int] = []  # every pupil the graph names, the victim first
        self.users: list[int] = []
        self.guardians: dict[int, tuple[int, int]] = {}  # guardian -> (pupil, index)
        self.state = ""
        self.talks = 0
        self.last_at = None


def load_templates(exclude_board: str):
    """Every case outside the bench board, with its rows, as ``Template`` objects."""
    Case = model("case")
    graph_models = {label(key): key for key, _path in CASE_GRAPH}
    plans = {key: FieldPlan(model(key), graph_models) for key, _path in CASE_GRAPH}
    cases = list(
        Case.objects.exclude(school__board__name=exclude_board).order_by("pk").values("pk")
    )
    templates = {row["pk"]: Template(row["pk"]) for row in cases}
    owner: dict[str, dict[int, int]] = {}
    for key, path in CASE_GRAPH:
        model_class = model(key)
        attnames = [a for a, _h, _k in plans[key].columns]
        if key == "case":
            rows = model_class.objects.filter(pk__in=templates).values("pk", *attnames)
            owner[key] = {r["pk"]: r["pk"] for r in rows}
        else:
            parent = path.split("__")[0]
            rows = model_class.objects.filter(**{f"{path}__in": templates}).values("pk", *attnames)
            owner[key] = {r["pk"]: owner[parent][r[f"{parent}_id"]] for r in rows}
        for row in rows:
            templates[owner[key][row["pk"]]].rows[key].append(row)
        for name, through, src, tgt, _how, _gkey in plans[key].m2m:
            pairs = through.objects.filter(**{f"{src}__in": list(owner[key])}).values_list(src, tgt)
            for s, t in pairs:
                templates[owner[key][s]].m2m[key, name].append((s, t))

    # Who and what each template names.
    pupil_cols = {key: [a for a, how, _k in plans[key].columns if how == "pupil"] for key in plans}
    user_cols = {key: [a for a, how, _k in plans[key].columns if how == "user"] for key in plans}
    guardian_cols = {
        key: [a for a, how, _k in plans[key].columns if how == "guardian"] for key in plans
    }
    Relation = model("guardian_relation")
    relations = defaultdict(list)  # guardian -> [(pupil, index)]
    by_pupil = defaultdict(list)
    for rel in Relation.objects.order_by("pk").values("pupil_id", "guardian_id"):
        by_pupil[rel["pupil_id"]].append(rel["guardian_id"])
    for pupil, gs in by_pupil.items():
        for index, guardian in enumerate(gs):
            relations[guardian].append((pupil, index))
    for t in templates.values():
        case_row = t.rows["case"][0]
        t.state = case_row["state"]
        t.talks = len(t.rows["talk"])
        stamps = [case_row["created_at"]] + [r["at"] for r in t.rows["state_change"]]
        t.last_at = max(stamps)
        victims = [r["pupil_id"] for r in t.rows["case_pupil"] if r["role"] == "victim"]
        pupils = victims + [r["pupil_id"] for r in t.rows["case_pupil"]]
        users, guardians = [], []
        for key in plans:
            for row in t.rows[key]:
                pupils += [row[a] for a in pupil_cols[key] if row[a] is not None]
                users += [row[a] for a in user_cols[key] if row[a] is not None]
                guardians += [row[a] for a in guardian_cols[key] if row[a] is not None]
            for name, _through, _src, _tgt, how, _gkey in plans[key].m2m:
                targets = [tgt for _s, tgt in t.m2m[key, name]]
                {"pupil": pupils, "user": users, "guardian": guardians}.get(how, []).extend(targets)
        t.pupils = list(dict.fromkeys(pupils))
        t.users = list(dict.fromkeys(users))
        for g in dict.fromkeys(guardians):
            options = relations.get(g, [])
            named = [(p, i) for p, i in options if p in t.pupils]
            t.guardians[g] = (named or options or [(t.pupils[0], 0)])[0]
    return list(templates.values()), plans


def template_roles(templates) -> dict:
    """(template case, demo user) -> the role that user plays at the case's school:
    "class_teacher" for a teacher of the victim's class, else a ``ROLES`` value."""
    Membership, Pupil, SchoolClass = model("membership"), model("pupil"), model("school_class")
    Case = model("case")
    template_cases = Case.objects.filter(pk__in=[t.case_pk for t in templates])
    school_of = dict(template_cases.values_list("pk", "school_id"))
    roles = defaultdict(set)
    for user, school, role in Membership.objects.values_list("user_id", "school_id", "role"):
        roles[user, school].add(role)
    class_of = dict(Pupil.objects.values_list("pk", "school_class_id"))
    teachers = defaultdict(set)
    for klass, user in SchoolClass.teachers.through.objects.values_list(
        "schoolclass_id", "user_id"
    ):
        teachers[klass].add(user)
    result = {}
    for t in templates:
        school = school_of[t.case_pk]
        klass = class_of.get(t.pupils[0]) if t.pupils else None
        for user in t.users:
            held = roles.get((user, school), set())
            if user in teachers.get(klass, set()):
                role = "class_teacher"
            else:
                role = next((r for r in ROLES if r in held and r != "teacher"), None) or (
                    "teacher" if "teacher" in held else "director"
                )
            result[t.case_pk, user] = role
    return result


# --- copying ----------------------------------------------------------------------------------


class Copy:
    """One new case: the template it copies and where its pupils, staff and dates go."""

    def __init__(self, template, school, pupils, guardians, users, shift, extra_talks):
        self.template = template
        self.school = school
        self.pupils = pupils  # demo pupil -> bench pupil
        self.guardians = guardians
        self.users = users
        self.shift = shift
        self.extra_talks = extra_talks
        self.ids = defaultdict(dict)  # graph key -> {demo pk: new pk}
        self.case_pk = None
        self.cycle = 1
        self.created_at = None
        self.teacher = None

    def people(self, how: str) -> dict:
        return {"user": self.users, "pupil": self.pupils, "guardian": self.guardians}[how]


def plan_copies(templates, roles, org, n_cases, talks_per_case, rng) -> list[Copy]:
    by_state = defaultdict(list)
    for t in templates:
        by_state[t.state].append(t)
    states = [s for s in STATE_WEIGHTS if by_state.get(s)]
    weights = [STATE_WEIGHTS[s] for s in states]
    chosen = [rng.choice(by_state[s]) for s in rng.choices(states, weights, k=n_cases)]

    # Extra talks ("ander gesprek") up to the average, more for cases that went further.
    extra = [0] * n_cases
    missing = talks_per_case * n_cases - sum(t.talks for t in chosen)
    if missing > 0:
        for i in rng.choices(range(n_cases), [t.talks + 0.5 for t in chosen], k=missing):
            extra[i] += 1

    copies = []
    recurrences = Counter()
    for i, t in enumerate(chosen):
        school = org.schools[i % len(org.schools)]
        class_index = rng.randrange(8)
        klass = org.classes[school][class_index]
        pool = org.class_pupils[klass]
        if len(t.pupils) > len(pool):
            pool = [p for k in org.classes[school] for p in org.class_pupils[k]]
        pupils = dict(zip(t.pupils, rng.sample(pool, len(t.pupils)), strict=True))
        guardians = {
            g: org.guardians[pupils[p]][min(index, 1)] for g, (p, index) in t.guardians.items()
        }
        staff = org.staff[school]
        others = [u for c, u in enumerate(staff["teacher"]) if c != class_index]
        users, taken = {}, set()
        for user in t.users:
            role = roles[t.case_pk, user]
            if role == "class_teacher":
                new = staff["teacher"][class_index]
            elif role == "teacher":
                new = next(u for u in others if u not in taken)
            else:
                new = staff[role]
            if new in taken:  # keep the mapping one to one (unique signatories, members)
                new = next(
                    u for u in [*others, staff["director"], staff["admin"]] if u not in taken
                )
            taken.add(new)
            users[user] = new
        shift_days = rng.randint(0, CLOSED_SHIFT_DAYS if t.state == CLOSED else OPEN_SHIFT_DAYS)
        copy = Copy(t, school, pupils, guardians, users, datetime.timedelta(shift_days), extra[i])
        copy.teacher = staff["teacher"][class_index]
        for row in t.rows["recurrence"]:
            recurrences[pupils[row["pupil_id"]]] += 1
            copy.ids["recurrence_number"][row["pk"]] = recurrences[pupils[row["pupil_id"]]]
        copies.append(copy)
    return copies


@functools.cache
def _board_of(school_pk: int) -> int:
    return model("school").objects.values_list("board_id", flat=True).get(pk=school_pk)


def _new_row(key, row, plan, copy, references):
    data = {}
    for attname, how, gkey in plan.columns:
        value = row[attname]
        if value is None or how == "keep":
            data[attname] = value
        elif how == "graph":
            value = copy.ids[gkey].get(value)
            if value is None:
                return None
            data[attname] = value
        elif how in ("date", "datetime"):
            data[attname] = value - copy.shift
        elif how == "user":
            data[attname] = copy.users[value]
        elif how == "pupil":
            data[attname] = copy.pupils[value]
        elif how == "guardian":
            data[attname] = copy.guardians[value]
        elif how == "school":
            data[attname] = copy.school
        elif how == "board":
            data[attname] = _board_of(copy.school)
    if key == "case":
        from django.utils import timezone

        # References are unique per board (``Case.board``), counted over its schools.
        year = timezone.localtime(data["created_at"]).year
        board = _board_of(copy.school)
        references[board, year] += 1
        data["reference"] = f"{year}-{references[board, year]:03d}"
        copy.cycle = data["cycle"]
        copy.created_at = data["created_at"]
    elif key == "recurrence":
        number = copy.ids["recurrence_number"][row["pk"]]
        data["number"] = number
        # The advice counts only with the talk that recorded it (a check constraint).
        data["outside_help_advised"] = data["outside_help_advised"] and bool(
            data.get("advice_talk_id")
        )
    return data


def copy_chunk(copies, plans, references, rng) -> Counter:
    from django.utils import timezone

    made = Counter()
    for key, _path in CASE_GRAPH:
        model_class, plan = model(key), plans[key]
        objects, owners = [], []
        for copy in copies:
            for row in copy.template.rows[key]:
                data = _new_row(key, row, plan, copy, references)
                if data is not None:
                    objects.append(model_class(**data))
                    owners.append((copy, row["pk"]))
        model_class.objects.bulk_create(objects, batch_size=1000)
        for (copy, old), obj in zip(owners, objects, strict=True):
            copy.ids[key][old] = obj.pk
        made[key] += len(objects)
        for name, through, src, tgt, how, gkey in plan.m2m:
            links = set()
            for copy in copies:
                for s, t in copy.template.m2m[key, name]:
                    new_s = copy.ids[key].get(s)
                    new_t = copy.people(how).get(t) if how != "graph" else copy.ids[gkey].get(t)
                    if new_s and new_t:
                        links.add((new_s, new_t))
            through.objects.bulk_create(
                [through(**{f"{src}": s, f"{tgt}": t}) for s, t in links], batch_size=2000
            )
            made[f"{key}.{name}"] += len(links)
        if key == "case":
            for copy in copies:
                copy.case_pk = copy.ids["case"][copy.template.case_pk]

    # The extra talks: "ander gesprek", held, some edited once (two versions).
    Talk, Version = model("talk"), model("talk_version")
    talks, owners = [], []
    now = timezone.now()
    for copy in copies:
        end = min(copy.template.last_at - copy.shift, now)
        span = max((end - copy.created_at).total_seconds(), 3600)
        for _n in range(copy.extra_talks):
            at = copy.created_at + datetime.timedelta(seconds=rng.uniform(0, span))
            talks.append(
                Talk(
                    case_id=copy.case_pk,
                    kind=OTHER_TALK,
                    cycle=copy.cycle,
                    recorded=True,  # each gets a version below
                    created_by_id=copy.teacher,
                    created_at=at,
                )
            )
            owners.append(copy)
    Talk.objects.bulk_create(talks, batch_size=1000)
    versions = []
    for talk, copy in zip(talks, owners, strict=True):
        for number in (1, 2) if rng.random() < 0.15 else (1,):
            versions.append(
                Version(
                    talk_id=talk.pk,
                    number=number,
                    held_on=timezone.localtime(talk.created_at).date(),
                    answers={"summary": rng.choice(OTHER_SUMMARIES)},
                    author_id=copy.teacher,
                    created_at=talk.created_at + datetime.timedelta(hours=number - 1),
                )
            )
    Version.objects.bulk_create(versions, batch_size=1000)
    owner_of = {talk.pk: copy for talk, copy in zip(talks, owners, strict=True)}
    for name, whom in (
        ("staff", lambda copy: copy.teacher),
        ("pupils", lambda copy: copy.pupils[copy.template.pupils[0]]),  # the victim
    ):
        field = Version._meta.get_field(name)
        through = field.remote_field.through
        src, tgt = field.m2m_column_name(), field.m2m_reverse_name()
        through.objects.bulk_create(
            [
                through(**{src: v.pk, tgt: whom(owner_of[v.talk_id])})
                for v in versions
                if owner_of[v.talk_id].template.pupils
            ],
            batch_size=2000,
        )
    made["talk"] += len(talks)
    made["talk_version"] += len(versions)
    return made


# --- the whole run -----------------------------------------------------------------------------


def ensure_demo() -> None:
    """Seed the demo when there is none: its cases are the templates."""
    import io

    from django.core.management import call_command

    if not model("case").objects.exclude(school__board__name=BENCH_BOARD).exists():
        call_command("seed_demo", stdout=io.StringIO())


def generate(
    cases: int = 10_000,
    talks_per_case: int = 10,
    schools: int = 40,
    pupils_per_school: int = 250,
    ib_schools: int = 12,
    chunk: int = 1000,
    seed: int = SEED,
    verbose: bool = True,
) -> dict:
    """Make the bench board. Returns counts, timings and the personas' usernames."""
    from django.db import reset_queries, transaction
    from django.test.utils import override_settings

    if model("board").objects.filter(name=BENCH_BOARD).exists():
        raise SystemExit(f"bench_data: {BENCH_BOARD!r} exists already; use a fresh database.")
    rng = random.Random(seed)
    started = time.perf_counter()
    ensure_demo()
    # With DEBUG on Django keeps the text of every query; the bulk inserts are long.
    with override_settings(DEBUG=False):
        reset_queries()
        templates, plans = load_templates(BENCH_BOARD)
        roles = template_roles(templates)
        with transaction.atomic():
            org = build_organisation(rng, schools, pupils_per_school, min(ib_schools, schools))
        organised = time.perf_counter()
        copies = plan_copies(templates, roles, org, cases, talks_per_case, rng)
        references = Counter()
        made = Counter()
        for start in range(0, len(copies), chunk):
            with transaction.atomic():
                made += copy_chunk(copies[start : start + chunk], plans, references, rng)
            if verbose:
                out(
                    f"  bench data: {min(start + chunk, len(copies))}/{len(copies)} cases, "
                    f"{made['talk']} talks, {time.perf_counter() - started:.0f} s"
                )
    states = Counter(c.template.state for c in copies)
    return {
        "templates": len(templates),
        "made": made,
        "states": states,
        "seconds_organisation": organised - started,
        "seconds": time.perf_counter() - started,
        "personas": dict(PERSONAS),
        "password": PASSWORD,
        "schools": org.schools,
        "ib_schools": org.schools[: min(ib_schools, schools)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--talks-per-case", type=int, default=10)
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--pupils-per-school", type=int, default=250)
    parser.add_argument("--ib-schools", type=int, default=12)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a throw-away database first (see the docstring).")
    import django

    django.setup()
    result = generate(
        cases=args.cases,
        talks_per_case=args.talks_per_case,
        schools=args.schools,
        pupils_per_school=args.pupils_per_school,
        ib_schools=args.ib_schools,
    )
    report(result)


def report(result: dict) -> None:
    made = result["made"]
    out(
        f"bench board: {made['case']} cases from {result['templates']} demo cases, "
        f"{made['talk']} talks, {made['talk_version']} talk versions, {made['plan']} plans, "
        f"{made['plan_signatory']} signatories, {made['traject']} No Blame trajects, "
        f"{made['dossier_entry']} dossier entries, in {result['seconds']:.0f} s "
        f"(organisation {result['seconds_organisation']:.0f} s)"
    )
    out("  states: " + ", ".join(f"{s} {n}" for s, n in result["states"].most_common()))
    out(
        f"  logins: {result['personas']['ib']} (IB of {len(result['ib_schools'])} of "
        f"{len(result['schools'])} schools), {result['personas']['teacher']} (groep 5 of the "
        f"first school); password {result['password']}"
    )


if __name__ == "__main__":
    main()
