"""Demo plans van aanpak for ``seed_demo``: written, planned and signed through the services.

The signatures are drawn here the way a finger on the signature pad would draw
them (a smooth pen stroke on a transparent PNG), so the demo plans look like
plans signed on a screen in school.
"""

import copy
import datetime
import io
import math
import random

from django.utils import timezone

from cases.models import State
from cases.talks import TalkKind
from plans import content as plans
from plans import services as plan_services
from plans.models import ActionPlan, PlanSignatory
from schools.models import Membership, Role

INK = (24, 45, 110, 255)


def draw_signature(name: str, rng: random.Random | None = None) -> bytes:
    """A PNG of a handwritten-looking signature for ``name``: loops per letter and a flourish."""
    from PIL import Image, ImageDraw

    rng = rng or random.Random(name)
    scale = 3  # draw large and shrink: smooth edges like the pad's
    width, height = 600, 200
    image = Image.new("RGBA", (width * scale, height * scale), (255, 255, 255, 0))
    pen = ImageDraw.Draw(image)
    letters = max(5, min(len(name.replace(" ", "")), 12))
    step = (width - 120) / letters
    slant = 0.35
    points = []
    x0, base = 50.0, 130.0
    for n in range(letters):
        # Cursive loops (a trochoid): tall ones for capitals and ascenders, small ones else.
        tall = n == 0 or rng.random() < 0.25
        height_ = rng.uniform(70, 95) if tall else rng.uniform(24, 38)
        loop = step * rng.uniform(0.22, 0.32)
        for t in range(16):
            angle = 2 * math.pi * t / 16
            lift = height_ * (1 - math.cos(angle)) / 2
            px = x0 + step * t / 16 - loop * math.sin(angle) + slant * lift
            points.append((px, base - lift + rng.uniform(-0.8, 0.8)))
        x0 += step
    # A flourish back under the name.
    for t in range(40):
        phase = t / 39
        points.append((x0 - phase * (x0 - 40), base + 14 + 12 * math.sin(math.pi * phase)))
    pen.line(
        [(px * scale, py * scale) for px, py in points], fill=INK, width=4 * scale, joint="curve"
    )
    image = image.resize((width, height), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def sign_on_screen(signatory: PlanSignatory, *, by, rng: random.Random | None = None):
    """Sign as the demo person would on the screen: staff themselves, parents on ``by``'s."""
    signer = signatory.user or by
    return plan_services.plan_sign(
        signatory, by=signer, signature=draw_signature(signatory.name, rng)
    )


def upcoming_dates(clock, count: int, today: datetime.date) -> list[datetime.date]:
    """The next ``count`` dates the seed's clock will hand out, without using them up.

    Talks the case will not reach before today are planned in the coming weeks.
    """
    probe = copy.deepcopy(clock)
    dates, last = [], None
    for n in range(count):
        day = probe.next()
        if last is not None and day <= last:
            day = max(today, last) + datetime.timedelta(days=7 * (n + 1))
        dates.append(day)
        last = day
    return dates


# The stap a case must have passed for the seed to have recorded a planned talk of a kind.
RECORDED_BY = {
    TalkKind.BULLY: State.REFLECTION,
    TalkKind.BULLY_PARENTS: State.REFLECTION,
    TalkKind.VICTIM_PARENTS: State.REFLECTION,
    TalkKind.REFLECTION: State.GROUP_DISCUSSION,
    TalkKind.GROUP_DISCUSSION: State.BACK_IN_CLASS,
    TalkKind.CLOSING: State.CLOSED,
}
STAPS = [
    State.ACTION_PLAN,
    State.COACHING,
    State.TALKS,
    State.REFLECTION,
    State.GROUP_DISCUSSION,
    State.BACK_IN_CLASS,
    State.CLOSING,
    State.CLOSED,
]


def _still_ahead(kind, reaches) -> bool:
    """Whether the case, played until stap ``reaches``, leaves this talk unrecorded."""
    if reaches not in STAPS:
        return False
    return STAPS.index(reaches) < STAPS.index(RECORDED_BY[kind])


def demo_plan(
    case, *, teacher, victim, bully, rng: random.Random, clock, reaches=None
) -> ActionPlan:
    """A complete plan for a demo case in stap 4, not yet signed.

    Talks the case will hold before today (it is played until stap ``reaches``) get the
    seed's clock dates; the ones still ahead are planned in the coming weeks, so a new
    user meets a believable week rather than a list of overdue talks."""
    ib = case.ib or Membership.objects.filter(school=case.school, role=Role.IB).first().user
    others = [
        m.user
        for m in Membership.objects.filter(
            school=case.school, role__in=[Role.IB, Role.SMW, Role.DIRECTOR]
        )
        .select_related("user")
        .order_by("pk")
    ]
    v, b = victim.first_name, bully.first_name
    # The seed's talk order from stap 6 on: these get the clock's next dates.
    kinds = [
        (TalkKind.BULLY, f"leerkracht en {b}"),
        (TalkKind.BULLY_PARENTS, f"leerkracht, intern begeleider en de ouders van {b}"),
        (TalkKind.VICTIM_PARENTS, f"leerkracht, {v} en de ouders van {v}"),
        (TalkKind.REFLECTION, f"coach van de pester en {b}"),
        (TalkKind.GROUP_DISCUSSION, "leerkracht en de hele groep"),
    ]
    today = timezone.localdate()
    dates = upcoming_dates(clock, len(kinds) + 2, today)
    rows = [*kinds, (TalkKind.CLOSING, "iedereen die het plan tekende")]
    days = [*dates[: len(kinds)], dates[-1]]
    ahead = 0
    for n, (kind, _who) in enumerate(rows):
        if _still_ahead(kind, reaches):
            # One talk or two a week from next week on, on a weekday.
            day = today + datetime.timedelta(days=5 + 4 * ahead + rng.randint(0, 2))
            while day.weekday() >= 5:
                day += datetime.timedelta(days=1)
            days[n] = max(day, days[n - 1] if n and days[n - 1] > today else day)
            ahead += 1
    talks = [
        {"kind": kind, "planned_on": day, "participants": who}
        for (kind, who), day in zip(rows, days, strict=True)
    ]
    parties = [
        {
            "party": "pupil",
            "pupil": bully,
            "text": f"{b} laat {v} met rust, in de klas, op het plein en online. Als {b} boos "
            f"wordt, loopt {b} weg en zoekt de leerkracht op.",
        },
        {
            "party": "pupil",
            "pupil": victim,
            "text": f"{v} vertelt het meteen aan de leerkracht of de coach als er iets gebeurt. "
            f"{v} heeft elke maandag een kort gesprekje met de coach.",
        },
        {
            "party": "guardians",
            "pupil": bully,
            "text": f"De ouders bespreken thuis wat er op school gebeurt en steunen de afspraken "
            f"met {b}. School en ouders bellen elkaar om de twee weken.",
        },
        {
            "party": "guardians",
            "pupil": victim,
            "text": f"De ouders laten het de leerkracht dezelfde dag weten als {v} thuis iets "
            "vertelt. De school belt hen na elk evaluatiegesprek.",
        },
        {
            "party": "group",
            "text": "De groep maakt samen drie afspraken voor het plein en de klassenapp; die "
            "hangen zichtbaar in de klas.",
        },
        {
            "party": "school",
            "text": "De leerkracht let extra op in de pauzes en bij de gymles; de intern "
            "begeleider volgt de planning.",
        },
    ]
    return plan_services.plan_create(
        case,
        by=teacher,
        agreements="We werken samen aan een veilige groep voor iedereen. Niemand wordt "
        "uitgelachen, buitengesloten of online belachelijk gemaakt.",
        parties=parties,
        talks=talks,
        coach_bully=rng.choice(others),
        coach_victim=teacher,
        coach_group=teacher if rng.random() < 0.5 else None,
        activities=[slug for slug, _label in rng.sample(plans.ACTIVITIES, 2)],
        activities_other="Een vast maatje voor " + v + " in de grote pauze.",
        registration=str(plans.DEFAULT_REGISTRATION),
        signatories=_signatories(case, teacher, ib),
    )


def _signatories(case, teacher, ib) -> list[dict]:
    """The usual signatories, with the responsible teacher and IB of the demo."""
    chosen = [c.as_signatory() for c in plans.signatory_candidates(case) if c.default]
    staff = [s for s in chosen if "user" in s]
    if not any(s["user"] == teacher for s in staff):
        chosen.insert(0, {"name": teacher.get_full_name(), "role": "leerkracht", "user": teacher})
    if not any(s.get("user") == ib for s in chosen):
        chosen.insert(1, {"name": ib.get_full_name(), "role": "intern begeleider", "user": ib})
    return chosen
