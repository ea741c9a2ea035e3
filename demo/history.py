"""Two school years of history for the demo, so the year report has something to show.

The demo's open cases are played through the services, one transition at a time; that
takes a while per case. The history before them is a hundred or so closed cases, so it is
written in bulk, row by row as the services would have left it: the signal, the stap 1
talk, every transition (one ``StateChange`` each), the No Blame traject and its last
phase, the signed plan van aanpak, the stap 6 talks with their planned and held dates, and
the herhalingen. It never goes through a permission or a guard: this is the past.

The pupils of these cases have left the school (groep 8 leavers): they are in none of the
current classes and none of the current cases, so the protocol's history rules (an earlier
warning, an earlier No Blame traject, a recurrence) change nothing for the demo's open
cases or for a case a test starts.
"""

import datetime
import random
from collections import Counter

from django.utils import timezone

from cases.models import (
    Case,
    CasePupil,
    Place,
    Recurrence,
    ReporterKind,
    State,
    StateChange,
    Talk,
    TalkVersion,
)
from cases.talks import TalkKind
from noblame.models import Traject, TrajectState, TrajectStateChange
from plans.models import ActionPlan
from schools.models import Pupil, current_school_year

SEED = 2016
YEARS_BACK = 2
# Signals per school year, oldest year first: a school that got better at noticing.
SIGNALS = {"regenboog": (31, 38), "kompas": (16, 14)}
FORMER_PUPILS = {"regenboog": 44, "kompas": 24}

MONTH_WEIGHTS = {8: 1, 9: 6, 10: 6, 11: 7, 12: 3, 1: 4, 2: 5, 3: 7, 4: 4, 5: 4, 6: 5, 7: 1}
CHANNELS = {
    ReporterKind.PUPIL: 30,
    ReporterKind.PARENT: 30,
    ReporterKind.TEACHER: 20,
    ReporterKind.INVOLVED: 4,
    ReporterKind.OBSERVATION: 10,
    ReporterKind.SURVEY: 6,
}
PLACES = {
    Place.CLASSROOM: 22,
    Place.PLAYGROUND: 30,
    Place.GYM: 7,
    Place.LUNCH: 11,
    Place.AROUND_SCHOOL: 9,
    Place.ONLINE: 15,
    Place.OTHER: 6,
}
DECISIONS = {"no_bullying": 38, "one_off": 32, "repeated": 30}
# No Blame: rounds until it improved (the open demo has the traject of round 3 and of 5).
ROUNDS = {1: 62, 2: 30, 4: 8}

DESCRIPTION = "Melding uit een eerder schooljaar (demogegevens)."
OUTCOME = "Besproken met de betrokken leerlingen; het is opgelost."


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class _History:
    def __init__(self, schools: dict, users: dict, today: datetime.date, origins: dict):
        self.rng = random.Random(SEED)
        self.schools, self.users, self.today, self.origins = schools, users, today, origins
        self.cases: list[tuple[Case, dict]] = []
        self.bullies: dict[str, list[Pupil]] = {key: [] for key in schools}
        # References are "<year>-<number>", unique across the board: go on from the highest.
        self.refs = Counter()
        boards = {school.board_id for school in schools.values()}
        for board, ref in Case.objects.filter(board_id__in=boards).values_list(
            "board_id", "reference"
        ):
            year, _dash, number = ref.partition("-")
            if number.isdigit():
                self.refs[board, year] = max(self.refs[board, year], int(number))

    # --- people ----------------------------------------------------------------------------

    def former_pupils(self, key: str, left_on: datetime.date) -> list[Pupil]:
        rng, names = self.rng, set()
        pupils = []
        while len(pupils) < FORMER_PUPILS[key]:
            origin = self.origins[_pick(rng, {k: o.weight for k, o in self.origins.items()})]
            first = rng.choice(origin.girls if rng.random() < 0.5 else origin.boys)
            last = rng.choice(origin.surnames)
            if (first, last) in names:
                continue
            names.add((first, last))
            pupils.append(
                Pupil(
                    school=self.schools[key],
                    first_name=first,
                    last_name=last,
                    left_on=left_on,
                    date_of_birth=datetime.date(left_on.year - 12, rng.randint(1, 12), 15),
                )
            )
        return Pupil.objects.bulk_create(pupils)

    def staff(self, key: str) -> dict:
        if key == "regenboog":
            names = {"teacher": "leerkracht", "ib": "ib", "smw": "smw"}
        else:
            names = {"teacher": "leerkracht3", "ib": "ib2", "smw": "smw"}
        return {role: self.users[name] for role, name in names.items()}

    # --- one case ---------------------------------------------------------------------------

    def signal_date(self, first_year: int) -> datetime.date:
        month = _pick(self.rng, MONTH_WEIGHTS)
        year = first_year if month >= 8 else first_year + 1
        start = datetime.date(year, month, 1)
        day = start + datetime.timedelta(days=self.rng.randrange(28))
        if month == 8:
            day = max(day, datetime.date(year, 8, 25))
        if month == 7:
            day = min(day, datetime.date(year, 7, 10))
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        return day

    def reference(self, school, day: datetime.date) -> str:
        key = (school.board_id, str(day.year))
        self.refs[key] += 1
        return f"{day.year}-{self.refs[key]:03d}"

    def plan_case(self, key, signal, pupils, year_end) -> None:
        """One case signalled on ``signal``; cases come in date order, so a pupil's earlier
        No Blame traject is known when they bully again."""
        rng = self.rng
        school, staff = self.schools[key], self.staff(key)
        place = _pick(rng, PLACES)
        digital = place == Place.ONLINE or rng.random() < 0.05
        decision = _pick(rng, DECISIONS)
        victim, bully = rng.sample(pupils, 2)
        # A pupil comes back at most twice: more would not be a believable school year.
        seen = Counter(p.pk for p in self.bullies[key])
        known = [p for p in dict.fromkeys(self.bullies[key]) if seen[p.pk] < 2 and p != victim]
        known = [p for p in known if p in pupils]
        again = decision == "repeated" and known and rng.random() < 0.6
        if again:
            # Bullying again after a No Blame traject: straight to stap 4 (the history rule).
            bully = rng.choice(known)
        case = Case(
            school=school,
            board_id=school.board_id,
            reference="",  # numbered in date order when written
            state=State.CLOSED,
            reporter_kind=_pick(rng, CHANNELS),
            signal_date=signal,
            place=place,
            description=DESCRIPTION,
            is_digital=digital,
            logged_by=staff["teacher"],
            created_at=_at(signal, 9),
            responsible_teacher=staff["teacher"],
            ib=staff["ib"],
            smw=staff["smw"] if decision == "repeated" else None,
            outcome=OUTCOME if decision == "no_bullying" else "",
        )
        day = signal
        steps = []

        def step(name, source, target, after: tuple[int, int]):
            nonlocal day
            day = min(day + datetime.timedelta(days=rng.randint(*after)), year_end)
            steps.append((name, source, target, day))

        step("start_victim_talk", State.SIGNALED, State.VICTIM_TALK, (0, 2))
        victim_talk_on = day
        step("assess", State.VICTIM_TALK, State.ASSESSMENT, (1, 6))
        extra = {"pupils": [(victim, CasePupil.Role.VICTIM), (bully, CasePupil.Role.BULLY)]}
        if decision == "no_bullying":
            step("classify_no_bullying", State.ASSESSMENT, State.RESOLVED_OTHER, (0, 1))
            step("close", State.RESOLVED_OTHER, State.CLOSED, (3, 14))
        elif decision == "one_off":
            step("classify_one_off", State.ASSESSMENT, State.ONE_OFF, (0, 1))
            step("start_review", State.ONE_OFF, State.ONE_OFF_REVIEW, (1, 4))
            if rng.random() < 0.8:
                step("close", State.ONE_OFF_REVIEW, State.CLOSED, (12, 17))
            else:
                step("escalate", State.ONE_OFF_REVIEW, State.SUPPORT_GROUP, (12, 17))
                self.no_blame(case, staff, steps, step, extra)
        elif again:
            step("classify_repeated", State.ASSESSMENT, State.ACTION_PLAN, (0, 2))
            self.action_plan(steps, step, extra)
        else:
            step("classify_repeated", State.ASSESSMENT, State.SUPPORT_GROUP, (0, 2))
            self.no_blame(case, staff, steps, step, extra)
        if "traject" in extra or again:
            self.bullies[key].append(bully)
        extra["steps"] = steps
        extra["victim_talk_on"] = victim_talk_on
        self.cases.append((case, extra))

    def no_blame(self, case, staff, steps, step, extra) -> None:
        rng = self.rng
        start = steps[-1][3]
        if rng.random() < 0.7:
            rounds = _pick(rng, ROUNDS)
            step("close", State.SUPPORT_GROUP, State.CLOSED, (14 + 14 * rounds, 20 + 16 * rounds))
            extra["traject"] = (TrajectState.CLOSED_SUCCESS, rounds, start, steps[-1][3])
            return
        rounds = rng.choice((2, 4))
        step(
            "escalate", State.SUPPORT_GROUP, State.ACTION_PLAN, (14 + 14 * rounds, 20 + 16 * rounds)
        )
        extra["traject"] = (TrajectState.CLOSED_INEFFECTIVE, rounds, start, steps[-1][3])
        self.action_plan(steps, step, extra)

    def action_plan(self, steps, step, extra) -> None:
        """Stap 4 to 10: the plan signed, the talks held, the case closed."""
        step("start_coaching", State.ACTION_PLAN, State.COACHING, (5, 12))
        extra["plan_signed"] = steps[-1][3]
        step("start_talks", State.COACHING, State.TALKS, (2, 6))
        talks_from = steps[-1][3]
        step("start_reflection", State.TALKS, State.REFLECTION, (10, 16))
        extra["stap_6"] = (talks_from, steps[-1][3])
        step("start_group_discussion", State.REFLECTION, State.GROUP_DISCUSSION, (4, 9))
        step("return_to_class", State.GROUP_DISCUSSION, State.BACK_IN_CLASS, (2, 5))
        step("start_closing", State.BACK_IN_CLASS, State.CLOSING, (20, 35))
        step("close", State.CLOSING, State.CLOSED, (3, 8))


def seed_history(schools: dict, users: dict, *, today: datetime.date, origins: dict) -> None:
    """The two school years before the current one, for every school of ``schools``."""
    history = _History(schools, users, today, origins)
    first_now = int(current_school_year(today)[:4])
    for key in schools:
        for index, years_ago in enumerate(range(YEARS_BACK, 0, -1)):
            first_year = first_now - years_ago
            year_end = min(datetime.date(first_year + 1, 7, 17), today - datetime.timedelta(1))
            pupils = history.former_pupils(key, datetime.date(first_year + 1, 7, 17))
            days = sorted(history.signal_date(first_year) for _n in range(SIGNALS[key][index]))
            for day in days:
                history.plan_case(key, day, pupils, year_end)
    _write(history)


def _write(history: _History) -> None:
    """Everything in a handful of bulk inserts."""
    rng = history.rng
    planned = sorted(history.cases, key=lambda item: (item[0].signal_date, item[0].reference))
    for case, _extra in planned:
        case.reference = history.reference(case.school, case.signal_date)
    cases = Case.objects.bulk_create([case for case, _extra in planned])
    case_pupils, changes, talks, versions_for, trajects, traject_changes = [], [], [], [], [], []
    plans, recurrences = [], []
    plans_of: Counter = Counter()  # pupil -> plans van aanpak as bully so far
    advice_talk_of: dict[int, int] = {}  # case -> index in talks of the stap 6 parents' talk
    recurrences_of: Counter = Counter()
    for case, (_planned, extra) in zip(cases, planned, strict=True):
        by = case.responsible_teacher
        for pupil, role in extra["pupils"]:
            case_pupils.append(CasePupil(case=case, pupil=pupil, role=role))
        for name, source, target, day in extra["steps"]:
            actor = case.ib if name in ("start_coaching", "escalate") else by
            changes.append(
                StateChange(
                    case=case, transition=name, source=source, target=target, by=actor, at=_at(day)
                )
            )
        talks.append(
            Talk(
                case=case,
                kind=TalkKind.VICTIM,
                recorded=True,  # every talk of the history gets its version below
                created_by=by,
                created_at=_at(case.signal_date),
            )
        )
        versions_for.append(extra["victim_talk_on"])
        if "traject" in extra:
            state, rounds, start, end = extra["traject"]
            trajects.append(
                (
                    Traject(
                        case=case,
                        state=state,
                        round=rounds,
                        created_at=_at(start),
                        closed_at=_at(end),
                        close_reason=(
                            "Na de nabesprekingen geen verbetering."
                            if state == TrajectState.CLOSED_INEFFECTIVE
                            else ""
                        ),
                    ),
                    case.smw or case.ib,
                    end,
                )
            )
        if "plan_signed" in extra:
            plans.append(
                ActionPlan(
                    case=case,
                    version=1,
                    agreements="Afspraken uit een eerder schooljaar (demogegevens).",
                    created_by=case.ib,
                    created_at=_at(extra["plan_signed"] - datetime.timedelta(days=4)),
                    locked_at=_at(extra["plan_signed"], 15),
                )
            )
            first, last = extra["stap_6"]
            for kind in (TalkKind.BULLY, TalkKind.BULLY_PARENTS, TalkKind.VICTIM_PARENTS):
                planned_on = first + datetime.timedelta(days=rng.randint(1, 5))
                # Most talks are held on the planned day; now and then a few days late.
                held = planned_on + datetime.timedelta(days=rng.choice((0, 0, 0, 0, 0, 1, 3, 6)))
                talks.append(
                    Talk(
                        case=case,
                        kind=kind,
                        planned_on=planned_on,
                        recorded=True,
                        created_by=by,
                        created_at=_at(first),
                    )
                )
                if kind == TalkKind.BULLY_PARENTS:
                    advice_talk_of[case.pk] = len(talks) - 1
                versions_for.append(min(held, last))
            # A bully who already had a plan van aanpak and bullies again: a herhaling.
            bully = next(p for p, role in extra["pupils"] if role == CasePupil.Role.BULLY)
            if plans_of[bully.pk]:
                recurrences_of[bully.pk] += 1
                number = recurrences_of[bully.pk]
                recurrences.append(
                    Recurrence(
                        case=case,
                        pupil=bully,
                        number=number,
                        outside_help_advised=number >= 2 or rng.random() < 0.3,
                        created_at=_at(extra["plan_signed"] - datetime.timedelta(days=6)),
                    )
                )
            plans_of[bully.pk] += 1
    CasePupil.objects.bulk_create(case_pupils)
    StateChange.objects.bulk_create(changes)
    talks = Talk.objects.bulk_create(talks)
    versions = TalkVersion.objects.bulk_create(
        [
            TalkVersion(
                talk=talk,
                number=1,
                held_on=held_on,
                answers={},
                notes="Gesprek uit een eerder schooljaar (demogegevens).",
                author=talk.created_by,
                created_at=_at(held_on, 16),
            )
            for talk, held_on in zip(talks, versions_for, strict=True)
        ]
    )
    saved = Traject.objects.bulk_create([traject for traject, _by, _end in trajects])
    for traject, (_t, by, end) in zip(saved, trajects, strict=True):
        traject_changes.append(
            TrajectStateChange(
                traject=traject,
                transition="close_success"
                if traject.state == TrajectState.CLOSED_SUCCESS
                else "close_ineffective",
                source=TrajectState.FOLLOW_UP,
                target=traject.state,
                round=traject.round,
                by=by,
                at=_at(end),
            )
        )
    TrajectStateChange.objects.bulk_create(traject_changes)
    ActionPlan.objects.bulk_create(plans)
    # The advice to seek outside help is recorded in the stap 6 talk with the bully's parents.
    for recurrence in recurrences:
        if recurrence.outside_help_advised:
            recurrence.advice_talk = versions[advice_talk_of[recurrence.case.pk]]
    Recurrence.objects.bulk_create(recurrences)
