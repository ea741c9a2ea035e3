"""How long one plan van aanpak PDF takes to render (target: under a second).

Run from the project folder:  .venv/bin/python scripts/bench_plan_pdf.py [runs]

It builds a throw-away in-memory database with one school, a case in stap 4 with
four pupils, a full plan (agreements, planning, coaches, activities) and six
signatories who signed on the screen, then renders the PDF ``runs`` times and
prints the timings. The render while signing (which imports WeasyPrint) is not
counted. ``BENCH_PDF_OUT=/tmp/plan.pdf`` keeps the last PDF to look at.
"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pestprotocol.settings")
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-media-")


def build_plan():
    from django.contrib.auth.models import User

    from cases import services
    from cases.models import CasePupil, Place, ReporterKind, State
    from cases.talks import TalkKind
    from demo.plans import draw_signature
    from plans import services as plan_services
    from plans.content import party_slots
    from schools.models import (
        Guardian,
        GuardianRelation,
        Membership,
        Pupil,
        Role,
        School,
        SchoolBoard,
        SchoolClass,
    )

    board = SchoolBoard.objects.create(name="Stichting Bench")
    school = School.objects.create(board=board, name="OBS De Wilgenhoek", town="Zwolle")
    groep = SchoolClass.objects.create(school=school, school_year="2026-2027", name="groep 6")
    teacher = User.objects.create_user("juf", first_name="Anouk", last_name="Smit")
    ib = User.objects.create_user("ib", first_name="Mirjam", last_name="de Wit")
    Membership.objects.create(user=teacher, school=school, role=Role.TEACHER)
    Membership.objects.create(user=ib, school=school, role=Role.IB)
    groep.teachers.add(teacher)

    def pupil(first, last):
        p = Pupil.objects.create(
            school=school, school_class=groep, first_name=first, last_name=last
        )
        g = Guardian.objects.create(first_name="Ayşe", last_name=last)
        GuardianRelation.objects.create(pupil=p, guardian=g, relation="mother")
        return p

    victim, bully = pupil("Zoë", "Çelik"), pupil("Daan", "van 't Hof")
    follower, bystander = pupil("Paweł", "Wójcik"), pupil("Noor", "Şahin")
    case = services.case_create(
        school=school,
        by=teacher,
        pupils=[
            (victim, CasePupil.Role.VICTIM),
            (bully, CasePupil.Role.BULLY),
            (follower, CasePupil.Role.FOLLOWER),
            (bystander, CasePupil.Role.BYSTANDER),
        ],
        reporter_kind=ReporterKind.PARENT,
        place=Place.PLAYGROUND,
        description="Bench",
    )
    # Stap 4 without walking the whole protocol: the benchmark is about the PDF only.
    type(case).objects.filter(pk=case.pk).update(state=State.ACTION_PLAN, ib=ib)
    case.refresh_from_db()
    parties = [
        {"party": slot["party"], "pupil": slot["pupil"], "text": "Een afspraak. " * 12}
        for slot in party_slots(case)
    ]
    plan = plan_services.plan_create(
        case,
        by=teacher,
        agreements="Niemand wordt buitengesloten, uitgelachen of online belachelijk gemaakt.",
        parties=parties,
        talks=[
            {"kind": k, "planned_on": case.signal_date, "participants": "leerkracht en Daan"}
            for k in (
                TalkKind.BULLY,
                TalkKind.BULLY_PARENTS,
                TalkKind.VICTIM_PARENTS,
                TalkKind.REFLECTION,
                TalkKind.GROUP_DISCUSSION,
                TalkKind.EVALUATION,
                TalkKind.CLOSING,
            )
        ],
        coach_bully=ib,
        coach_victim=teacher,
        activities=["frog_quartet", "books"],
    )
    for signatory in plan.signatories.all():
        plan_services.plan_sign(
            signatory, by=signatory.user or teacher, signature=draw_signature(signatory.name)
        )
    plan.refresh_from_db()
    return plan


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10

    plan = build_plan()  # locks the plan: one render already happened here
    from plans.documents import render_plan_pdf

    wall, cpu = [], []
    for _n in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        pdf = render_plan_pdf(plan)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    out = sys.stdout.write
    out(f"plan PDF: {len(pdf) / 1024:.0f} KiB, {pages} pages, ")
    out(f"{plan.signatories.count()} signatures drawn on screen\n")
    for label, figures in (("wall-clock", wall), ("CPU", cpu)):
        out(
            f"{label} time per render over {runs} runs: median {statistics.median(figures):.3f} s, "
            f"min {min(figures):.3f} s, max {max(figures):.3f} s\n"
        )
    if os.environ.get("BENCH_PDF_OUT"):
        Path(os.environ["BENCH_PDF_OUT"]).write_bytes(pdf)
    out(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")


if __name__ == "__main__":
    main()
