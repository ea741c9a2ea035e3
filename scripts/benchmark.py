"""The benchmark of issue 11: the main pages, the plan PDF and a worker's memory, at size.

Run from the project folder (not part of ``make test``):

    .venv/bin/python scripts/benchmark.py [--cases 10000] [--db sqlite|postgres|both]
                                          [--duration 10] [--connections 4]

At the defaults one database takes about five minutes on two cores (the board of 10,000
cases is generated in about a minute); ``--db both`` (the default) runs SQLite, then
PostgreSQL.

Per database, in a fresh throw-away database (a SQLite file in a temporary folder, or
a PostgreSQL server started by ``tests.postgres`` in one), it:

1. migrates and seeds the demo, and counts the SQL queries of every page below for the
   demo logins (Django's test client, ``CaptureQueriesContext``, second request);
2. generates the big board through the models (``scripts/bench_data.py``: ``--cases``
   cases, ten talks per case, plans, trajects; ``bench-ib`` sees about 30% of the cases)
   and counts the queries again for the bench logins;
3. times the plan van aanpak PDF in this process: the project's ``render_pdf`` on the
   plan's HTML, bare WeasyPrint on the same HTML (with and without the same stylesheets)
   and the whole ``render_plan_pdf`` (median of 10 runs each, taken in rounds);
4. serves the board with gunicorn (2 sync workers, production settings: ``DEBUG`` off, a
   random secret key, HTTPS as told by a proxy header) on 127.0.0.1 and a free port, logs
   in once per login through the login form, and drives a bounded load (``--connections``
   threads for ``--duration`` seconds or ``--max-requests`` requests per page, loopback
   only) on each main page, each right after half as long on a bare login-required page,
   so that a page's share is taken against the bare page under the same machine load;
   then asks for a few plan PDFs and reads each worker's memory (VmRSS in /proc);
5. prints one table per database: req/s, p50 and p99, the share of the bare page's req/s,
   the queries at demo size and at ``--cases``, and PASS/FAIL against the targets of the
   issue (printed, never asserted): every main page at >= 50% of the bare page's req/s
   with p99 < 300 ms; <= 15 queries per main page; plan PDF (``render_pdf``) <= 1.1x
   bare WeasyPrint on the same HTML and stylesheets; worker RSS <= 150 MB. The load
   average is printed at the start and the end.

gunicorn and PostgreSQL are stopped and the temporary folders removed at the end, also
on an error or Ctrl-C. Pages, logins, model labels and the PDF functions are looked up
through the tables below (a renamed app is a one-line edit there).
"""

import argparse
import http.client
import importlib
import itertools
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SCRIPTS))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pestprotocol.settings")

# --- what the benchmark reads of the app (edit here when an app label changes) ------------

# A tuple lists alternatives, the first one found wins: the plan van aanpak and dossier
# move from ``cases`` to the apps ``plans`` and ``dossier``. Once the move is done, the old
# names can go. The models of the generated board are in bench_data.MODELS.
MODELS = {
    "user": "auth.User",
    "case": "cases.Case",
    "plan": ("plans.ActionPlan", "cases.ActionPlan"),
    "dossier_entry": ("dossier.DossierEntry", "cases.DossierEntry"),
}
FUNCTIONS = {
    "visible_cases": "cases.access.visible_cases",
    "render_pdf": "cases.documents.render_pdf",
    "refresh_statistics": "pestprotocol.operations.refresh_query_statistics",
    "render_plan_pdf": ("plans.documents.render_plan_pdf", "cases.documents.render_plan_pdf"),
}
# (label, login, URL name, what the URL takes: "case" or "pupil" as its argument, or
# "?name=pupil" as a query string). The first row is the bare page: the htmx fragment of
# one picked pupil on the signal form, a GET behind login_required that reads the session,
# the user and one pupil and renders a few lines (the empty pupil search, cheaper still, is
# a POST now).
REFERENCE = "ref: "  # a row measured like the others, not judged against the targets
PAGES = [
    ("bare: pupil row (htmx)", "ib", "cases:pupil_row", "?id=pupil"),
    ("start", "ib", "cases:start", None),
    ("start (teacher)", "teacher", "cases:start", None),
    ("te doen", "ib", "cases:todo", None),
    ("te doen (teacher)", "teacher", "cases:todo", None),
    ("case list", "ib", "cases:list", None),
    ("case list (teacher)", "teacher", "cases:list", None),
    ("dashboard", "ib", "cases:dashboard", None),
    ("case page", "ib", "cases:detail", "case"),
    ("pupil dossier", "ib", ("dossier:pupil", "cases:dossier"), "pupil"),
    ("No Blame list", "ib", "noblame:list", None),
    ("year report", "ib", "reports:school", None),
    # Not judged: the floor of a whole page. "Mijn account" renders the site's layout (menu,
    # language switch) with a few lines of the user's own and no pupil data: what any page
    # costs before it shows anything of a case.
    (REFERENCE + "Mijn account", "ib", "accounts:account", None),
]
PLAN_PDF_URL = ("plans:pdf", "cases:plan_pdf")
LOGIN_URL = "login"
CODE_URL = "accounts:two_factor"
DEMO_LOGINS = {"ib": ("ib", "demo"), "teacher": ("leerkracht", "demo")}

# Targets of issue 11.
MIN_SHARE, MAX_P99_MS, MAX_QUERIES, MAX_PDF_RATIO, MAX_RSS_MB = 0.5, 300, 15, 1.1, 150

HOST = "127.0.0.1"  # loopback only: the load never goes anywhere else
WORKERS = 2
WORKER_TIMEOUT = 300  # seconds; a slow page is measured, not killed
REQUEST_TIMEOUT = 300
PDF_RUNS = 10


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} cores"


def alternatives(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def function(key: str):
    for path in alternatives(FUNCTIONS[key]):
        module, _dot, name = path.rpartition(".")
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise LookupError(f"benchmark: none of {FUNCTIONS[key]} exists; update FUNCTIONS")


def model(key: str):
    from django.apps import apps

    for label in alternatives(MODELS[key]):
        try:
            return apps.get_model(label)
        except LookupError:
            continue
    raise LookupError(f"benchmark: none of {MODELS[key]} is installed; update MODELS")


def reverse_url(names, args=()) -> str:
    from django.urls import NoReverseMatch, reverse

    for name in alternatives(names):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    raise LookupError(f"benchmark: no URL named {names}; update PAGES")


def exit_on_sigterm(signum, frame):
    sys.exit(128 + signum)  # runs the finally blocks: gunicorn and PostgreSQL stop


# --- the parent: one child process per database ----------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Command: .venv/bin/python scripts/benchmark.py [--cases 10000] "
        "[--db sqlite|postgres|both] [--duration 10] [--connections 4]",
    )
    parser.add_argument("--cases", type=int, default=10_000, help="cases on the big board")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=4, help="client threads")
    parser.add_argument("--max-requests", type=int, default=5000, help="per page at most")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, exit_on_sigterm)
    if args.child:
        return child(args)

    started = time.perf_counter()
    say(
        f"benchmark of issue 11: {args.cases} cases, {args.duration:g} s x "
        f"{args.connections} connections per page; load average {load_average()}"
    )
    failed = 0
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        failed += run_database(db, args) != 0
    say(f"\nwhole run: {time.perf_counter() - started:.0f} s; load average {load_average()}")
    return 1 if failed else 0


def run_database(db: str, args) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="pestprotocol-bench-"))
    postgres = None
    try:
        if db == "sqlite":
            url = f"sqlite:///{workdir / 'db.sqlite3'}"
        else:
            postgres = PostgresServer()
            url = postgres.start()
            if url is None:
                say("\n== PostgreSQL: not installed (Debian package postgresql); skipped")
                return 0
        env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(workdir / "media")}
        command = [sys.executable, str(Path(__file__).resolve()), "--child"]
        command += ["--cases", str(args.cases), "--duration", str(args.duration)]
        command += ["--connections", str(args.connections)]
        command += ["--max-requests", str(args.max_requests)]
        process = subprocess.Popen(command, env=env, cwd=ROOT)
        try:
            return process.wait()
        finally:
            # On an error or a signal here: let the child stop its gunicorn first.
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    finally:
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(workdir, ignore_errors=True)


class PostgresServer:
    """A throw-away PostgreSQL server, through the helpers of ``tests.postgres``."""

    def __init__(self):
        from tests import postgres

        self.pg = postgres
        self.bin_dir = postgres.find_bin_dir()
        self.workdir = None

    def start(self) -> str | None:
        if self.bin_dir is None:
            return None
        pg = self.pg
        self.workdir = pg.make_workdir()
        port = pg.free_port()
        pg.init_cluster(self.bin_dir, self.workdir)
        pg.start_server(self.bin_dir, self.workdir, port)
        version = pg.create_database(port)
        say(f"\n(started a temporary PostgreSQL {version} on {HOST}:{port})")
        return f"postgres://{pg.SUPERUSER}@{HOST}:{port}/{pg.DATABASE_NAME}"

    def stop(self) -> None:
        if self.workdir is not None:
            self.pg.stop_server(self.bin_dir, self.workdir)
            shutil.rmtree(self.workdir, ignore_errors=True)


# --- the child: everything against one database ----------------------------------------------


def child(args) -> int:
    # In this process DEBUG stays on: seed_demo refuses otherwise. gunicorn runs without.
    os.environ["DJANGO_DEBUG"] = "1"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    import django

    django.setup()
    import bench_data
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections

    vendor = connection.vendor
    say(f"\n== {vendor}: {args.cases} cases; load average {load_average()}")
    times = {}
    started = time.perf_counter()
    tick = started

    def lap(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        times[name] = now - tick
        tick = now

    call_command("migrate", verbosity=0)
    lap("migrate")
    bench_data.ensure_demo()
    lap("seed demo")
    demo = pick_targets(DEMO_LOGINS)
    queries_demo = count_queries(demo)
    lap("queries at demo size")
    generated = bench_data.generate(cases=args.cases)
    lap("generate board")
    # What the nightly job (``manage.py enqueue_daily``) does on a live board: fresh
    # statistics for the query planner after the tables grew.
    function("refresh_statistics")()
    lap("query statistics")
    bench_data.report(generated)
    password = generated["password"]
    logins = {role: (name, password) for role, name in generated["personas"].items()}
    big = pick_targets(logins)
    queries_big = count_queries(big)
    lap("queries at size")
    say(
        f"case page: case {big['case'].pk} ({big['case_versions']} talk versions, state "
        f"{big['case'].state}); dossier: pupil {big['pupil'].pk} ({big['pupil_entries']} "
        f"entries); {big['ib_cases']} cases visible to {logins['ib'][0]}"
    )
    pdf_rows = time_pdfs(big["locked_plan"] or big["draft_plan"])
    lap("plan PDF timing")
    connections.close_all()

    codes = second_factors([name for name, _password in logins.values()])
    server = Gunicorn(settings.MEDIA_ROOT)
    try:
        server.start()
        lap("gunicorn start")
        sessions = {
            role: server.login(name, password, codes.get(name))
            for role, (name, password) in logins.items()
        }
        results = measure_pages(server.port, big["urls"], sessions, args)
        lap("load")
        rss_pages = server.worker_memory()
        pdf_requests = []
        for label, plan in (("draft", big["draft_plan"]), ("stored", big["locked_plan"])):
            if plan is None:
                continue
            url = big["pdf_urls"][label]
            for _n in range(3 if label == "draft" else 1):
                pdf_requests.append((label, one_request(server.port, url, sessions["ib"])))
        rss_pdfs = server.worker_memory()
        lap("PDF requests")
    finally:
        server.stop()

    print_pages(vendor, args, results, queries_demo, queries_big)
    print_pdfs(pdf_rows, pdf_requests)
    print_memory(rss_pages, rss_pdfs)
    lap("report")
    say(
        "timings: "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in times.items())
        + f"; total {time.perf_counter() - started:.0f} s"
    )
    say(f"load average at the end ({vendor}): {load_average()}")
    return 0


def pick_targets(logins: dict) -> dict:
    """The users, the case and pupil the pages show, the plans for the PDFs, the URLs."""
    from django.db.models import Count

    User, Case, Plan = model("user"), model("case"), model("plan")
    visible_cases = function("visible_cases")
    users = {role: User.objects.get(username=name) for role, (name, _pw) in logins.items()}
    cases = visible_cases(users["ib"])
    # The busiest case: the most talk versions (the heaviest case page).
    case = (
        Case.objects.filter(pk__in=cases.values("pk"))
        .annotate(versions=Count("talks__versions"))
        .order_by("-versions", "pk")
        .first()
    )
    entries = (
        model("dossier_entry")
        .objects.filter(case__in=cases)
        .values("pupil")
        .annotate(n=Count("pk"))
        .order_by("-n", "pupil")
        .first()
    )
    pupil = (
        model("dossier_entry")
        ._meta.get_field("pupil")
        .related_model.objects.get(pk=entries["pupil"])
    )
    plans = Plan.objects.filter(case__in=cases).annotate(signers=Count("signatories"))
    draft = plans.filter(locked_at__isnull=True).order_by("-signers", "pk").first()
    locked = plans.filter(locked_at__isnull=False, document__isnull=False).order_by("pk").first()
    objects = {"case": case, "pupil": pupil}

    def page_url(name, arg) -> str:
        if arg is None:
            return reverse_url(name)
        if arg.startswith("?"):
            key, _eq, what = arg[1:].partition("=")
            return f"{reverse_url(name)}?{key}={objects[what].pk}"
        return reverse_url(name, [objects[arg].pk])

    return {
        "users": users,
        "case": case,
        "case_versions": case.versions,
        "pupil": pupil,
        "pupil_entries": entries["n"],
        "ib_cases": cases.count(),
        "draft_plan": draft,
        "locked_plan": locked,
        "urls": {label: page_url(name, arg) for label, _r, name, arg in PAGES},
        "pdf_urls": {
            label: reverse_url(PLAN_PDF_URL, [plan.pk])
            for label, plan in (("draft", draft), ("stored", locked))
            if plan is not None
        },
    }


def count_queries(targets: dict) -> dict:
    """SQL queries of each page: the second request of a logged-in test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for role, user in targets["users"].items():
        clients[role] = Client()
        clients[role].force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    counts = {}
    for label, role, _name, _arg in PAGES:
        url = targets["urls"][label]
        clients[role].get(url)
        with CaptureQueriesContext(connection) as captured:
            response = clients[role].get(url)
        if response.status_code != 200:
            raise SystemExit(f"{label} ({url}) answered {response.status_code}")
        counts[label] = len(captured.captured_queries)
    return counts


# --- the plan PDF -----------------------------------------------------------------------------


def time_pdfs(plan) -> list[tuple[str, float]]:
    """Median seconds of each way to make the plan's PDF (after one warm-up run each). The
    first two rows are the bare WeasyPrint references, the third is judged against the
    first (same HTML, same stylesheets, same PDF)."""
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    render_plan_pdf = function("render_plan_pdf")
    render_pdf = function("render_pdf")
    # The HTML and stylesheets the plan's renderer hands to render_pdf.
    module = importlib.import_module(render_plan_pdf.__module__)
    original, captured = module.render_pdf, {}

    def capture(html, *, stylesheets=()):
        captured["html"], captured["stylesheets"] = html, tuple(stylesheets)
        return original(html, stylesheets=stylesheets)

    module.render_pdf = capture
    try:
        render_plan_pdf(plan)
    finally:
        module.render_pdf = original
    html, sheets = captured["html"], captured["stylesheets"]
    static_dir = Path(settings.STATICFILES_DIRS[0]).as_uri() + "/"

    def bare_styled():
        fonts = FontConfiguration()
        styles = [CSS(filename=finders.find(name), font_config=fonts) for name in sheets]
        HTML(string=html, base_url=static_dir).write_pdf(stylesheets=styles, font_config=fonts)

    ways = [
        ("bare WeasyPrint, same HTML and stylesheets", bare_styled),
        ("bare WeasyPrint, same HTML, no stylesheets", lambda: HTML(string=html).write_pdf()),
        ("project render_pdf on the plan's HTML", lambda: render_pdf(html, stylesheets=sheets)),
        ("whole plan PDF (queries, template, render)", lambda: render_plan_pdf(plan)),
    ]
    for _label, make in ways:
        make()  # warm-up
    # In rounds, one run of each way per round: a change in the machine's load weighs on all.
    runs = {label: [] for label, _make in ways}
    for _n in range(PDF_RUNS):
        for label, make in ways:
            start = time.perf_counter()
            make()
            runs[label].append(time.perf_counter() - start)
    return [(label, statistics.median(runs[label])) for label, _make in ways]


# --- gunicorn and the load -----------------------------------------------------------------------


def second_factors(usernames) -> dict[str, str]:
    """Production asks most roles for a second factor (accounts): each bench login gets an
    authenticator app, and one of its backup codes to pass the second step with."""
    from django.contrib.auth import get_user_model
    from django_otp.oath import totp

    from accounts import services

    codes = {}
    for user in get_user_model().objects.filter(username__in=usernames):
        device = services.totp_device_to_confirm(user)
        _device, backup = services.totp_confirm(user, f"{totp(device.bin_key):06d}")
        codes[user.username] = backup[0]
    return codes


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with production settings on the loopback address."""

    def __init__(self, media_root):
        self.port = free_port()
        self.media_root = str(media_root)
        self.process = None
        self.log = Path(tempfile.mkdtemp(prefix="pestprotocol-gunicorn-")) / "error.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": HOST,
            # As behind a proxy that ends TLS: HTTPS redirect, secure cookies and HSTS stay
            # on; every request says it came over HTTPS.
            "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
            "DJANGO_LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": self.media_root,
            # Production serves hashed static names from collectstatic's manifest.
            "STATIC_ROOT": str(self.log.parent / "static"),
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        command = [sys.executable, "-m", "gunicorn", "pestprotocol.wsgi:application"]
        command += ["--workers", str(WORKERS), "--worker-class", "sync"]
        command += ["--bind", f"{HOST}:{self.port}", "--timeout", str(WORKER_TIMEOUT)]
        command += ["--graceful-timeout", "10", "--log-level", "warning"]
        command += ["--error-logfile", str(self.log)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped at once:\n{self.log_tail()}")
            try:
                status, _h, _b = request(self.port, "GET", "/")
                if status in (200, 301, 302):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"gunicorn did not answer within 60 s:\n{self.log_tail()}")
        say(f"gunicorn {WORKERS} sync workers on {HOST}:{self.port} (pid {self.process.pid})")

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        tail = self.log_tail().strip()
        if tail:
            say(f"gunicorn error log (last lines):\n{tail}")
        shutil.rmtree(self.log.parent, ignore_errors=True)

    def login(self, username: str, password: str, code: str | None = None) -> str:
        """Log in through the login form (CSRF token and cookie), and with ``code`` on the
        second step where production asks for one; the session cookie."""
        path = reverse_url(LOGIN_URL)
        status, headers, body = request(self.port, "GET", path)
        csrf_cookie = cookies(headers).get("csrftoken", "")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not match or not csrf_cookie:
            raise SystemExit(f"login page: {status}, no CSRF token")
        form = urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": match[1]}
        )
        status, headers, body = request(
            self.port,
            "POST",
            path,
            body=form,
            headers={
                "Cookie": f"csrftoken={csrf_cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"https://{HOST}:{self.port}{path}",
            },
        )
        session = cookies(headers).get("sessionid")
        if status != 302 or not session:
            raise SystemExit(f"login of {username} failed: {status}\n{body[:500]!r}")
        if headers.get("Location", "").split("?")[0] == reverse_url(CODE_URL):
            session = self.second_step(username, session, csrf_cookie, code)
        return f"sessionid={session}"

    def second_step(self, username: str, session: str, csrf_cookie: str, code: str | None):
        """The code page of the two-step login (accounts); the verified session cookie."""
        path = reverse_url(CODE_URL)
        jar = f"csrftoken={csrf_cookie}; sessionid={session}"
        status, _headers, body = request(self.port, "GET", path, headers={"Cookie": jar})
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not match or not code:
            raise SystemExit(f"code page of {username}: {status}, no form or no code")
        form = urlencode({"code": code, "csrfmiddlewaretoken": match[1]})
        status, headers, body = request(
            self.port,
            "POST",
            path,
            body=form,
            headers={
                "Cookie": jar,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"https://{HOST}:{self.port}{path}",
            },
        )
        verified = cookies(headers).get("sessionid")
        if status != 302 or not verified:
            raise SystemExit(f"second step of {username} failed: {status}\n{body[:500]!r}")
        return verified

    def worker_memory(self) -> list[tuple[int, int, int]]:
        """(pid, VmRSS kB, VmHWM kB) of each worker: the children of the master."""
        rows = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() == str(self.process.pid):
                rss = int(fields["VmRSS"].split()[0])
                peak = int(fields["VmHWM"].split()[0])
                rows.append((int(entry.name), rss, peak))
        return sorted(rows)


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request(
            method,
            path,
            body=body,
            headers={
                "Host": f"{HOST}:{port}",
                "X-Forwarded-Proto": "https",
                "User-Agent": "pestprotocol-benchmark",
                **(headers or {}),
            },
        )
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def cookies(headers) -> dict:
    found = {}
    for header in headers.get_all("Set-Cookie") or []:
        name, _eq, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


class Result:
    def __init__(self, latencies, errors, elapsed, size):
        self.latencies = latencies
        self.n = len(latencies)
        self.errors = errors
        self.elapsed = elapsed
        self.rps = self.n / elapsed if elapsed else 0.0
        ordered = sorted(latencies)
        self.p50 = statistics.median(ordered) * 1000 if ordered else float("nan")
        self.p99 = percentile(ordered, 0.99) * 1000 if ordered else float("nan")
        self.kb = size / 1024
        self.bare_rps = None  # the bare page's req/s measured just before this page
        self.runs = [self]

    @classmethod
    def pooled(cls, results: list["Result"]) -> "Result":
        errors = sum((r.errors for r in results), Counter())
        latencies = [t for r in results for t in r.latencies]
        pool = cls(latencies, errors, sum(r.elapsed for r in results), results[0].kb * 1024)
        pool.runs = results
        return pool


def measure_pages(port, urls, sessions, args) -> dict:
    """Each main page right after a bare-page run of half the duration: the share of a page
    is its req/s over the bare page's just before, so a busy machine weighs on both. The
    bare page's row pools all its runs (one more at the end)."""
    bare_label, bare_role = PAGES[0][0], PAGES[0][1]
    bare_runs, results = [], {}

    def bare():
        run = drive(port, urls[bare_label], sessions[bare_role], args, args.duration / 2)
        bare_runs.append(run)
        return run.rps

    for label, role, _name, _arg in PAGES[1:]:
        before = bare()
        results[label] = drive(port, urls[label], sessions[role], args)
        results[label].bare_rps = before
    bare()
    results[bare_label] = Result.pooled(bare_runs)
    return results


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(ordered) * q // 1))
    return ordered[int(rank) - 1]


def drive(port, path, cookie, args, duration=None) -> Result:
    """``--connections`` threads ask for ``path`` until ``--duration`` seconds or
    ``--max-requests`` requests have passed (one warm-up request first, not counted)."""
    duration = args.duration if duration is None else duration
    connections, max_requests = args.connections, args.max_requests
    status, _h, body = request(port, "GET", path, headers={"Cookie": cookie})
    if status != 200:
        say(f"  {path}: warm-up answered {status}")
    latencies, errors, lock = [], Counter(), threading.Lock()
    issued = itertools.count()
    start = time.perf_counter()
    stop_at = start + duration

    def client():
        while time.perf_counter() < stop_at and next(issued) < max_requests:
            began = time.perf_counter()
            try:
                code, _headers, _body = request(port, "GET", path, headers={"Cookie": cookie})
            except OSError as error:
                code = type(error).__name__
            took = time.perf_counter() - began
            with lock:
                if code == 200:
                    latencies.append(took)
                else:
                    errors[code] += 1

    threads = [threading.Thread(target=client) for _n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(latencies, errors, time.perf_counter() - start, len(body))


def one_request(port, path, cookie) -> tuple[int, float, int]:
    began = time.perf_counter()
    status, _headers, body = request(port, "GET", path, headers={"Cookie": cookie})
    return status, time.perf_counter() - began, len(body)


# --- the report ------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_pages(vendor, args, results, queries_demo, queries_big) -> None:
    bare_label = PAGES[0][0]
    bare = results[bare_label]
    runs = [run.rps for run in bare.runs]
    say(
        f"\n{vendor}: {args.cases} cases, {WORKERS} sync workers, {args.connections} "
        f"connections, {args.duration:g} s per page. share = the page's req/s / the bare "
        f"page's req/s in the {args.duration / 2:g} s just before it (bare r/s); ref = the "
        f"page's req/s / the reference row's (a whole page with the layout), not judged"
    )
    reference = next(
        (results[label] for label, *_rest in PAGES if label.startswith(REFERENCE)), None
    )
    head = (
        f"{'page':<26} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'n':>5} {'err':>4} "
        f"{'KB':>6} {'bare r/s':>8} {'share':>6} {'ref':>5} {'q demo':>6} "
        f"{'q ' + str(args.cases):>7}  {'speed':<5} {'queries':<7}"
    )
    say(head)
    say("-" * len(head))
    for label, _role, _name, _arg in PAGES:
        r = results[label]
        main_page = label != bare_label
        q_demo, q_big = queries_demo[label], queries_big[label]
        if main_page:
            share = r.rps / r.bare_rps if r.bare_rps else 0.0
            of_reference = f"{r.rps / reference.rps:>5.0%}" if reference and reference.rps else ""
            columns = f"{r.bare_rps:>8.1f} {share:>6.0%} {of_reference:>5}"
            speed = verdict(share >= MIN_SHARE and r.p99 < MAX_P99_MS)
            count = verdict(max(q_demo, q_big) <= MAX_QUERIES)
            if label.startswith(REFERENCE):
                speed = count = "-"
        else:
            columns, speed, count = f"{'':>8} {'':>6} {'':>5}", "", ""
        errors = sum(r.errors.values())
        say(
            f"{label:<26} {r.rps:>7.1f} {r.p50:>8.0f} {r.p99:>8.0f} {r.n:>5} {errors:>4} "
            f"{r.kb:>6.0f} {columns} {q_demo:>6} {q_big:>7}  {speed:<5} {count:<7}"
        )
        if r.errors:
            say(f"{'':<26} errors: {dict(r.errors)}")
    say(
        f"bare page: {len(runs)} runs pooled in its row; req/s per run from {min(runs):.1f} "
        f"to {max(runs):.1f}"
    )
    say(
        f"targets: main page >= {MIN_SHARE:.0%} of the bare page's req/s and p99 < "
        f"{MAX_P99_MS} ms (speed); <= {MAX_QUERIES} queries at both sizes (queries)"
    )


def print_pdfs(rows, requests) -> None:
    bare, plain = rows[0][1], rows[1][1]
    say(
        f"\nplan PDF, median of {PDF_RUNS} runs in rounds, in one process; ratios to bare "
        "WeasyPrint with the same stylesheets (same PDF) and with none"
    )
    for n, (label, seconds) in enumerate(rows):
        mark = verdict(seconds / bare <= MAX_PDF_RATIO) if n == 2 else ""
        say(
            f"  {label:<48} {seconds * 1000:>6.0f} ms {seconds / bare:>5.2f}x "
            f"{seconds / plain:>5.2f}x  {mark}"
        )
    say(
        f"  target: render_pdf <= {MAX_PDF_RATIO}x bare WeasyPrint on the same HTML and "
        "stylesheets; the whole plan PDF also runs the queries and the template (not judged)"
    )
    for label, (status, seconds, size) in requests:
        say(
            f"  through gunicorn, {label} plan PDF: {status}, {seconds * 1000:.0f} ms, "
            f"{size / 1024:.0f} KB"
        )


def print_memory(after_pages, after_pdfs) -> None:
    say("\ngunicorn workers' memory (VmRSS, peak VmHWM)")
    for label, rows in (("after the pages", after_pages), ("after the PDFs", after_pdfs)):
        text = ", ".join(
            f"pid {pid}: {rss / 1024:.0f} MB (peak {peak / 1024:.0f} MB)" for pid, rss, peak in rows
        )
        say(f"  {label}: {text}")
    worst = max((rss for _p, rss, _h in after_pdfs), default=0) / 1024
    mark = verdict(worst <= MAX_RSS_MB)
    say(f"  largest worker {worst:.0f} MB; target <= {MAX_RSS_MB} MB: {mark}")


if __name__ == "__main__":
    sys.exit(main())
