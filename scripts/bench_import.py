"""How long importing a 400-pupil export of the pupil administration takes.

Run from the project folder, against a throw-away SQLite file (never the real database):

    rm -f /tmp/bench.sqlite3
    export DJANGO_SETTINGS_MODULE=pestprotocol.settings DATABASE_URL=sqlite:////tmp/bench.sqlite3
    .venv/bin/python manage.py migrate --verbosity 0
    .venv/bin/python scripts/bench_import.py

It generates a ParnasSys-style CSV in memory (UTF-8 with BOM, ``;``, guardian 1 and 2
columns): 400 pupils in 16 classes, 700 guardian entries (300 pupils with two parents,
100 with one; some brothers and sisters share their parents). It creates a new school
with a beheerder, then times, as the pages do them: reading the file, the preview, and
applying it (which reads the file and builds the preview again, then writes pupils,
classes, guardians and their change history in one transaction). A second import of the
same file (nothing changes) is timed too. ``DATABASE_URL`` must be set, so the script
never writes into the development database by accident.
"""

import csv
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pestprotocol.settings")

PUPILS = 400
FIRST = [
    "Sanne",
    "Daan",
    "Noah",
    "Emma",
    "Lucas",
    "Julia",
    "Sem",
    "Mila",
    "Levi",
    "Tess",
    "Finn",
    "Yara",
    "Luuk",
    "Nora",
    "Zoë",
    "Chloé",
    "Ömer",
    "Anaïs",
    "Björn",
    "Noé",
]
LAST = [
    ("de", "Vries"),
    ("", "Jansen"),
    ("", "Bakker"),
    ("van", "Dijk"),
    ("", "Visser"),
    ("", "Smit"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("van den", "Berg"),
    ("", "Müller"),
    ("", "El Amrani"),
    ("", "Yılmaz"),
    ("van der", "Meer"),
    ("", "Lefèvre"),
    ("", "Koç"),
]
MOTHERS = ["Ingrid", "Fatima", "Petra", "Linda", "Anouk", "Sandra", "Marieke", "Esther"]
FATHERS = ["Mark", "Youssef", "Erik", "Jeroen", "Bas", "Dennis", "Martijn", "Jürgen"]


def make_csv(pupils: int = PUPILS) -> tuple[bytes, int]:
    """The export, and how many guardian entries it has."""
    rng = random.Random(400)
    head = ["Leerlingnummer", "Roepnaam", "Voorvoegsel", "Achternaam", "Geboortedatum", "Groep"]
    for n in (1, 2):
        head += [
            f"Ouder/verzorger {n} roepnaam",
            f"Ouder/verzorger {n} voorvoegsel",
            f"Ouder/verzorger {n} achternaam",
            f"Ouder/verzorger {n} relatie",
            f"Ouder/verzorger {n} e-mail",
            f"Ouder/verzorger {n} telefoon mobiel",
            f"Ouder/verzorger {n} wettelijk gezag",
        ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(head)
    entries = 0
    previous = None
    for i in range(pupils):
        infix, last = rng.choice(LAST)
        groep = 1 + i % 8
        born = 2021 - groep
        row = [
            str(500000 + i),
            rng.choice(FIRST),
            infix,
            last,
            f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{born}",
            f"groep {groep}{'ab'[i // 8 % 2]}",
        ]
        parents = []
        for n, names, relation in ((1, MOTHERS, "Moeder"), (2, FATHERS, "Vader")):
            if n == 2 and i % 4 == 3:  # a quarter of the pupils have one guardian in the file
                parents += [""] * 7
                continue
            first = rng.choice(names)
            email = f"{first.lower().replace('ü', 'u')}.{i}.{n}@example.nl"
            phone = f"06{rng.randint(10000000, 99999999)}"
            parents += [first, infix, last, relation, email, phone, "Ja"]
        if i % 20 == 1 and previous is not None:  # a brother or sister of the pupil before
            row[2:4], parents = previous[2:4], previous[6:]
        entries += sum(1 for n in (0, 7) if parents[n])
        writer.writerow(row + parents)
        previous = row + parents
    return ("\ufeff" + out.getvalue()).encode("utf-8"), entries


def timed(label: str, func, results: dict):
    start = time.perf_counter()
    value = func()
    results[label] = time.perf_counter() - start
    return value


def main() -> None:
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a throw-away SQLite file first (see the docstring).")
    import django

    django.setup()
    from django.contrib.auth.models import User

    from schools import importing
    from schools.models import (
        Guardian,
        GuardianRelation,
        Membership,
        Pupil,
        Role,
        School,
        SchoolBoard,
    )

    data, entries = make_csv()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    board = SchoolBoard.objects.create(name=f"Stichting Bench {stamp}")
    school = School.objects.create(board=board, name="OBS De Wilgenhoek")
    by = User.objects.create_user(f"bench-{stamp}", first_name="Bea", last_name="Beheer")
    Membership.objects.create(user=by, school=school, role=Role.ADMIN)

    out = sys.stdout.write
    out(f"file: {len(data) / 1024:.0f} KiB, {PUPILS} pupils, {entries} guardian entries\n")
    for attempt in ("first import (all new)", "second import (nothing changes)"):
        t: dict[str, float] = {}
        run = importing.import_upload(school, by=by, file_name="bench.csv", data=data)
        parsed = timed("parse", lambda: importing.parse_file(data), t)
        mapping = importing.initial_mapping(school, parsed.headers)
        importing.import_save_mapping(run, mapping, by=by)
        preview = timed(
            "preview",
            lambda: importing.build_preview(parsed, school, run.school_year, run.mapping),  # noqa: B023
            t,
        )
        counts = timed("apply", lambda: importing.import_apply(run, by=by), t)  # noqa: B023
        out(
            f"{attempt}: parse {t['parse']:.2f} s, preview {t['preview']:.2f} s, "
            f"apply {t['apply']:.2f} s (apply reads and previews again, then writes)\n"
        )
        out(f"  preview: {preview.counts()}\n  applied: {counts}\n")
    out(
        f"in the database: {Pupil.objects.filter(school=school).count()} pupils, "
        f"{Guardian.objects.filter(pupils__school=school).distinct().count()} guardians, "
        f"{GuardianRelation.objects.filter(pupil__school=school).count()} guardian links\n"
    )
    out(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")


if __name__ == "__main__":
    main()
