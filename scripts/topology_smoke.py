"""The production topology, started and walked on loopback (issue 13).

    .venv/bin/python scripts/topology_smoke.py

Starts, in a temporary folder: PostgreSQL (``tests/postgres.py``), two gunicorn app servers
sharing one media folder (the ExecStart of ``deploy/systemd/pestprotocol-app@.service`` with
``deploy/gunicorn.conf.py``), the task worker (``pestprotocol-worker.service``) and nginx
with ``deploy/nginx/pestprotocol.conf`` (TLS with a throw-away certificate; ports and paths
replaced). Production settings: ``DJANGO_DEBUG=0``, tasks in the database, e-mail to files.

Then, through nginx: log in, log a signal, record a talk, sign a plan (the last signature;
the worker files its PDF), download that PDF, get a reminder e-mail (``enqueue_daily``, sent
by the worker); ``/gezond/`` through nginx and through each app server; no ``Server``
header. Then the task worker is killed (SIGKILL) while it files a signed plan's PDF (a
worker whose rendering never ends, ``--slow-worker``): the task stays RUNNING, a new worker
does not take it by itself, ``reclaim_tasks`` puts it back once the killed worker's heartbeat
is older than ``TASK_WORKER_LOST_SECONDS``, and the PDF and its dossier entries are filed
exactly once. Then app server A is killed (SIGKILL) while signals are being logged through nginx:
app server B keeps answering and every signal that was answered as saved is in the database.
Last: no demo pupil's first or last name in the access logs of nginx and gunicorn or in the
app's request log. Prints each step and its time; exits non-zero on any failure.

Needs nginx (Debian: nginx, libnginx-mod-http-headers-more-filter) and PostgreSQL; ``.ci/run``
installs them. Without them it fails under ``CI=true`` and says so otherwise. Ports
8141-8149 on 127.0.0.1.
"""

import base64
import datetime
import hashlib
import html.parser
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORTS = {"postgres": 8141, "app_a": 8142, "app_b": 8143, "https": 8144, "http": 8145}
PASSWORD = "demo"
TIMES: list[tuple[str, float]] = []


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@contextmanager
def step(name: str):
    start = time.monotonic()
    yield
    seconds = time.monotonic() - start
    TIMES.append((name, seconds))
    say(f"  ok  {seconds:6.2f} s  {name}")


def fail(message: str):
    raise SystemExit(f"FAILED: {message}")


# --- preparing the data (run in a child process with the app's settings) -------------------


def prepare() -> dict:
    """A case in stap 4 of groep 5 whose plan waits only for ``leerkracht``'s signature,
    two pupils for a new signal, and every demo pupil's names (for the log check)."""
    import django

    django.setup()
    from django.contrib.auth.models import User

    from demo.plans import draw_signature
    from plans import services as plan_services
    from schools.models import Pupil
    from tests.plan_helpers import case_in_stap4, full_plan

    teacher = User.objects.get(username="leerkracht")
    people = {
        "teacher5": teacher,
        "ib": User.objects.get(username="ib"),
        "smw": User.objects.get(username="smw"),
        "director": User.objects.get(username="directie"),
    }
    klass = teacher.school_classes.order_by("-school_year").first()
    pupils = list(Pupil.objects.filter(school_class=klass, left_on=None).order_by("pk")[:6])

    def waiting_for_the_teacher(victim, bully):
        plan = full_plan(case_in_stap4(klass.school, people, victim, bully), people)
        mine = None
        for signatory in plan.signatories.all():
            if signatory.user_id == teacher.pk:
                mine = signatory
                continue
            plan_services.plan_sign(
                signatory, by=signatory.user or teacher, signature=draw_signature(signatory.name)
            )
        png = draw_signature(mine.name)
        return plan.pk, mine.pk, "data:image/png;base64," + base64.b64encode(png).decode()

    plan, signatory, signature = waiting_for_the_teacher(pupils[2], pupils[3])
    # The second one is signed while the worker is killed (kill_the_task_worker).
    plan2, signatory2, signature2 = waiting_for_the_teacher(pupils[4], pupils[5])
    return {
        "pupils": [p.pk for p in pupils[:2]],
        "plan": plan,
        "signatory": signatory,
        "signature": signature,
        "plan2": plan2,
        "signatory2": signatory2,
        "signature2": signature2,
        "names": sorted({n for p in Pupil.objects.all() for n in (p.first_name, p.last_name) if n}),
    }


def slow_worker():
    """The shipped worker command (``pestprotocol-worker.service``) whose plan PDF never
    finishes: it marks the moment it starts rendering (inside the filing transaction, the
    plan row locked) and then waits to be killed."""
    import django

    django.setup()
    from django.core.management import call_command

    import plans.services

    mark, slow_plan = Path(os.environ["SLOW_WORKER_MARK"]), int(os.environ["SLOW_WORKER_PLAN"])
    render = plans.services.render_plan_pdf

    def rendering_for_ever(plan):
        if plan.pk != slow_plan:
            return render(plan)
        mark.write_text(str(plan.pk))
        time.sleep(600)
        raise SystemExit("the slow worker was not killed")

    plans.services.render_plan_pdf = rendering_for_ever
    command = unit_command("pestprotocol-worker.service")
    call_command(*command[command.index("manage.py") + 1 :])


# --- an HTTP client through nginx -----------------------------------------------------------


class Forms(html.parser.HTMLParser):
    """The forms of a page: action, method and the values a browser would send."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "fields": [], "buttons": [], "radios": {}}
            )
        elif not self.forms:
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind == "radio" and a.get("name") and "required" in a:  # its first option
                self.forms[-1]["radios"].setdefault(a["name"], a.get("value", ""))
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind == "submit":
                self.forms[-1]["buttons"].append(a.get("value", ""))
                return
            if a.get("name"):
                self.forms[-1]["fields"].append([a["name"], a.get("value", ""), a])
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None, a]
            self.forms[-1]["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if "selected" in a or (self._select[1] in (None, "") and value):
                self._select[1] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], "", a]
            self.forms[-1]["fields"].append(self._textarea)
        elif tag == "button":
            self.forms[-1]["buttons"].append(a.get("name", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data
        elif self.forms and self.forms[-1]["buttons"] is not None:
            self.forms[-1].setdefault("text", "")
            self.forms[-1]["text"] += data


class Browser:
    """Cookies, CSRF and redirects, against nginx with its throw-away certificate."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar),
            urllib.request.HTTPSHandler(context=context),
        )

    def request(self, path: str, data: list | None = None, timeout: float = 60):
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={"Referer": self.base + "/"})
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.geturl(), dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, url, dict(error.headers), error.read()

    def page(self, path: str) -> tuple[str, list]:
        status, _url, _headers, body = self.request(path)
        if status != 200:
            fail(f"GET {path}: {status}")
        text = body.decode()
        parser = Forms()
        parser.feed(text)
        return text, parser.forms

    def submit(self, form: dict, path: str, overrides: dict, fill_required: bool = True):
        fields = []
        for name, value, attrs in form["fields"]:
            if name in overrides:
                continue
            if fill_required and "required" in attrs and not value.strip():
                kind = attrs.get("type", "")
                value = (
                    datetime.date.today().isoformat() if kind == "date" else "Rookproef: gesprek."
                )
            fields.append((name, value or ""))
        given = {name for name, _value in fields} | set(overrides)
        for name, value in form["radios"].items():
            if fill_required and name not in given:
                fields.append((name, value))
        for name, value in overrides.items():
            for one in value if isinstance(value, list) else [value]:
                fields.append((name, one))
        return self.request(form["action"] or path, fields)

    def login(self, username: str):
        _text, forms = self.page("/inloggen/")
        status, url, _h, _b = self.submit(
            forms[-1], "/inloggen/", {"username": username, "password": PASSWORD}
        )
        if status != 200 or "/inloggen/" in url:
            fail(f"login as {username}: {status} {url}")


# --- the processes ----------------------------------------------------------------------------


def unit_command(unit: str, **replace) -> list[str]:
    """The ExecStart of a shipped systemd unit, for this folder and this venv."""
    text = (ROOT / "deploy/systemd" / unit).read_text()
    line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    line = line.removeprefix("ExecStart=").replace("/srv/pestprotocol/.venv/bin/", "")
    for key, value in replace.items():
        line = line.replace(key, value)
    parts = line.split()
    if parts[0] == "python":
        parts[0] = sys.executable
    elif parts[0] == "gunicorn":
        parts[:1] = [sys.executable, "-m", "gunicorn"]
    return parts


def wait_for(check, what: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    fail(f"{what}: not within {seconds} s")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect itself is the answer


def http_status(url: str) -> tuple[int, dict]:
    """Status and headers of one GET, redirects not followed."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    opener = urllib.request.build_opener(
        _NoRedirect(), urllib.request.HTTPSHandler(context=context)
    )
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def nginx_config(work: Path, cert: Path, key: Path) -> Path:
    site = (ROOT / "deploy/nginx/pestprotocol.conf").read_text()
    for old, new in {
        "127.0.0.1:8001": f"127.0.0.1:{PORTS['app_a']}",
        "127.0.0.1:8002": f"127.0.0.1:{PORTS['app_b']}",
        "listen 80;": f"listen 127.0.0.1:{PORTS['http']};",
        "listen 443 ssl": f"listen 127.0.0.1:{PORTS['https']} ssl",
        "/etc/ssl/pestprotocol/fullchain.pem": str(cert),
        "/etc/ssl/pestprotocol/privkey.pem": str(key),
        "/var/log/nginx/pestprotocol.access.log": str(work / "nginx-access.log"),
    }.items():
        if old not in site:
            fail(f"deploy/nginx/pestprotocol.conf no longer has {old!r}")
        site = site.replace(old, new)
    (work / "site.conf").write_text(site)
    modules = (
        "include /etc/nginx/modules-enabled/*.conf;"
        if Path("/etc/nginx/modules-enabled").is_dir()
        else ""
    )
    main = f"""{modules}
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
user root;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    include {work}/site.conf;
}}
"""
    path = work / "nginx.conf"
    path.write_text(main)
    return path


class Topology:
    def __init__(self, work: Path):
        self.work = work
        self.processes: dict[str, subprocess.Popen] = {}
        self.pg = None
        self.env = {}

    def start_postgres(self):
        from tests import postgres

        bin_dir = postgres.find_bin_dir()
        if bin_dir is None:
            fail("PostgreSQL not installed (initdb, pg_ctl)")
        self.pg = (bin_dir, postgres.make_workdir())
        postgres.init_cluster(bin_dir, self.pg[1])
        postgres.start_server(bin_dir, self.pg[1], PORTS["postgres"])
        postgres.create_database(PORTS["postgres"])
        return f"postgres://postgres@127.0.0.1:{PORTS['postgres']}/pestprotocol"

    def manage(self, *args, **env):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            fail(f"manage.py {' '.join(args)}:\n{result.stderr[-3000:]}")
        return result.stdout

    def start(self, name: str, command: list[str], **env):
        log = open(self.work / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the child
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=log
        )

    def app(self, name: str):
        port = PORTS[name]
        command = unit_command("pestprotocol-app@.service")
        self.start(
            name,
            command,
            GUNICORN_BIND=f"127.0.0.1:{port}",
            GUNICORN_WORKERS="2",
            GUNICORN_ACCESS_LOG=str(self.work / f"{name}-access.log"),
        )
        wait_for(
            lambda: http_status(f"http://127.0.0.1:{port}/gezond/")[0] == 200,
            f"app server {name} on {port}",
        )

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        pid = self.work / "nginx.pid"
        if pid.exists():
            subprocess.run(
                ["nginx", "-c", str(self.work / "nginx.conf"), "-s", "stop"],
                capture_output=True,
                check=False,
            )
        if self.pg:
            from tests import postgres

            postgres.stop_server(*self.pg)
            shutil.rmtree(self.pg[1], ignore_errors=True)


def db_query(url: str, sql: str, *args):
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute(sql, args).fetchall()


def sign_plan(browser: Browser, url: str, plan: int, signatory: int, signature: str):
    """The last signature, through nginx: the plan locks and its PDF task is enqueued."""
    path = f"/plannen/{plan}/tekenen/{signatory}/"
    _text, forms = browser.page(path)
    form = next(f for f in forms if any(x[0] == "signature" for x in f["fields"]))
    status, after, _h, _b = browser.submit(
        form, path, {"signature": signature, "password": PASSWORD}
    )
    locked = db_query(url, "SELECT locked_at FROM cases_actionplan WHERE id = %s", plan)
    if not locked or locked[0][0] is None:
        fail(f"plan not locked after signing: {status} {after}")


def journey(top: Topology, data: dict, url: str):
    base = f"https://127.0.0.1:{PORTS['https']}"
    browser = Browser(base)

    with step("log in through nginx (leerkracht)"):
        browser.login("leerkracht")

    with step("log a signal"):
        _text, forms = browser.page("/casussen/nieuw/")
        form = next(f for f in forms if "description" in [x[0] for x in f["fields"]])
        victim, bully = data["pupils"]
        status, after, _h, _body = browser.submit(
            form,
            "/casussen/nieuw/",
            {
                "pupil": [str(victim), str(bully)],
                f"role_{victim}": "victim",
                f"role_{bully}": "bully",
                "description": "Rookproef: wordt uitgelachen bij de fietsenstalling.",
                "signal_date": datetime.date.today().isoformat(),
                # A pupil may already be in an open case: this is another situation.
                "separate_reason": "Rookproef: een aparte situatie.",
            },
        )
        # The teacher lands on the new case's page (issue 15).
        landed = re.search(r"/casussen/(\d+)/$", after)
        if status != 200 or not landed:
            fail(f"signal not saved: {status} {after}")
        case_id = int(landed[1])
        if not db_query(url, "SELECT id FROM cases_case WHERE id = %s", case_id):
            fail(f"signal not in the database: case {case_id}")

    with step("record a talk (stap 1, the victim talk)"):
        text, forms = browser.page(f"/casussen/{case_id}/")
        start = next(f for f in forms if "/stap/start_victim_talk/" in f["action"])
        status, _u, _h, _b = browser.submit(start, f"/casussen/{case_id}/", {})
        text, forms = browser.page(f"/casussen/{case_id}/")
        link = re.search(rf'href="(/casussen/{case_id}/gesprek/[a-z_]+/[^"]*)"', text)
        if not link:
            fail("no link to record the talk")
        path = link[1].replace("&amp;", "&")
        _text, forms = browser.page(path)
        form = next(f for f in forms if any(x[0] == "held_on" for x in f["fields"]))
        status, after, _h, _body = browser.submit(
            form, path, {"held_on": datetime.date.today().isoformat()}
        )
        talks = db_query(
            url,
            "SELECT count(*) FROM cases_talkversion v JOIN cases_talk t ON t.id = v.talk_id "
            "WHERE t.case_id = %s",
            case_id,
        )[0][0]
        if talks != 1:
            fail(f"talk not recorded: {status} {after}")

    plan = data["plan"]
    with step("sign a plan (the last signature; the plan locks)"):
        sign_plan(browser, url, plan, data["signatory"], data["signature"])

    with step("the worker files the plan PDF; download it"):

        def pdf():
            _status, _u, headers, body = browser.request(f"/plannen/{plan}/pdf/")
            return headers.get("Content-Type") == "application/pdf" and body.startswith(b"%PDF")

        wait_for(pdf, "the signed plan's PDF", 120)

    with step("a reminder e-mail (enqueue_daily, sent by the worker)"):
        top.manage("enqueue_daily")
        mails = top.work / "mail"
        wait_for(
            lambda: any(
                "Herinnering" in p.read_text(errors="replace")
                or "Te laat" in p.read_text(errors="replace")
                for p in mails.glob("*")
            ),
            "a reminder e-mail",
            120,
        )

    with step("/gezond/ through nginx and each app server; no Server header"):
        for where in (
            base,
            f"http://127.0.0.1:{PORTS['app_a']}",
            f"http://127.0.0.1:{PORTS['app_b']}",
        ):
            status, headers = http_status(where + "/gezond/")
            if status != 200:
                fail(f"/gezond/ through {where}: {status}")
            if any(k.lower() == "server" for k in headers):
                fail(f"a Server header through {where}: {headers}")
        status, headers = http_status(f"http://127.0.0.1:{PORTS['http']}/gezond/")
        if status != 301 or any(k.lower() == "server" for k in headers):
            fail(f"port 80 does not redirect to https without a Server header: {status}")
    return browser, case_id


def kill_the_task_worker(top: Topology, url: str, browser: Browser, data: dict):
    """Sign a plan while a worker whose PDF rendering never ends is running; SIGKILL it in
    the middle, start the worker again, let ``reclaim_tasks`` put the lost task back and
    check the PDF and the dossier entries are filed exactly once."""
    plan, lost_after = data["plan2"], float(top.env["TASK_WORKER_LOST_SECONDS"])
    mark = top.work / "slow-worker-rendering"
    task_sql = (
        "SELECT id, status, worker_ids FROM django_tasks_database_dbtaskresult "
        "WHERE task_path = 'plans.services.file_plan_pdf' AND args_kwargs->'args'->>0 = %s"
    )
    with step("the worker empties its queue (the daily safety net filed the demo's PDFs)"):
        queued = "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = ANY(%s)"
        waiting = db_query(url, queued, ["READY", "RUNNING"])[0][0]
        wait_for(
            lambda: db_query(url, queued, ["READY", "RUNNING"])[0][0] == 0, "an empty queue", 300
        )
        say(f"        {waiting} tasks waiting")
    with step("kill the task worker (SIGKILL) while it files a plan's PDF; it runs again once"):
        idle = top.processes["worker"]
        idle.terminate()  # a clean stop: it runs no task now
        idle.wait(60)
        top.start(
            "worker-slow",
            [sys.executable, __file__, "--slow-worker"],
            DJANGO_SETTINGS_MODULE="pestprotocol.settings",
            SLOW_WORKER_MARK=str(mark),
            SLOW_WORKER_PLAN=str(plan),
        )
        sign_plan(browser, url, plan, data["signatory2"], data["signature2"])
        wait_for(mark.exists, "the worker rendering the signed plan's PDF", 120)
        slow = top.processes["worker-slow"]
        slow.kill()
        slow.wait()
        killed_at = time.monotonic()
        tasks = db_query(url, task_sql, str(plan))
        if len(tasks) != 1 or tasks[0][1] != "RUNNING" or len(tasks[0][2]) != 1:
            every = db_query(
                url,
                "SELECT task_path, args_kwargs, status, worker_ids "
                "FROM django_tasks_database_dbtaskresult ORDER BY enqueued_at",
            )
            fail(f"the PDF task of plan {plan} after the kill: {tasks}\n{every}")
        [(task_id, _status, _workers)] = tasks
        if db_query(url, "SELECT id FROM cases_plandocument WHERE plan_id = %s", plan):
            fail("a PDF filed by the killed worker")

        top.start("worker-2", unit_command("pestprotocol-worker.service"))
        # The new worker does not take a RUNNING task; until the killed worker's heartbeat
        # is older than TASK_WORKER_LOST_SECONDS, reclaim_tasks leaves it alone.
        time.sleep(max(0.0, lost_after + 1 - (time.monotonic() - killed_at)))
        [(_id, status, _w)] = db_query(url, task_sql, str(plan))
        if status != "RUNNING":
            fail(f"the lost task was taken up before the reclaim: {status}")
        out = top.manage("reclaim_tasks")
        if f"{task_id} plans.services.file_plan_pdf" not in out or "back in the queue" not in out:
            fail(f"reclaim_tasks did not put the lost task back:\n{out}")

        def filed():
            [(_id, status, _workers)] = db_query(url, task_sql, str(plan))
            return status == "SUCCESSFUL"

        wait_for(filed, "the reclaimed PDF task", 120)

    with step("the PDF and the dossier entries filed exactly once, nothing half-saved"):
        tasks = db_query(url, task_sql, str(plan))
        if len(tasks) != 1 or len(tasks[0][2]) != 2:
            fail(f"the PDF task ran more or less than once again: {tasks}")
        documents = db_query(
            url, "SELECT file, sha256 FROM cases_plandocument WHERE plan_id = %s", plan
        )
        if len(documents) != 1:
            fail(f"{len(documents)} PDFs filed for the plan")
        entries = db_query(
            url,
            "SELECT pupil_id, count(*) FROM cases_dossierentry WHERE plan_id = %s "
            "GROUP BY pupil_id",
            plan,
        )
        if len(entries) != 2 or any(count != 1 for _pupil, count in entries):
            fail(f"dossier entries for the plan, per pupil: {entries}")
        _status, _u, _headers, body = browser.request(f"/plannen/{plan}/pdf/")
        if not body.startswith(b"%PDF") or hashlib.sha256(body).hexdigest() != documents[0][1]:
            fail("the downloaded PDF is not the filed one")
        referenced = {
            row[0]
            for sql in (
                "SELECT file FROM cases_plandocument",
                "SELECT file FROM cases_planscan",
                "SELECT signature FROM cases_plansignatory WHERE signature <> ''",
            )
            for row in db_query(url, sql)
        }
        media = top.work / "media"
        stored = {str(p.relative_to(media)) for p in (media / "plans").rglob("*") if p.is_file()}
        if stored - referenced:
            fail(f"files no row refers to: {sorted(stored - referenced)}")
        beats = db_query(
            url, "SELECT worker_id FROM taskworker_workerbeat WHERE seen_at > started_at"
        )
        if not beats:
            fail("the restarted worker's heartbeat is not renewed")
        say(
            f"        task {task_id}: RUNNING when killed, READY after reclaim_tasks, SUCCESSFUL "
            f"(2 claims); 1 PDF ({len(body)} bytes, its SHA-256), {len(entries)} dossier "
            f"entries, {len(stored)} plan files all referenced"
        )


def kill_one_app_server(top: Topology, url: str, browser: Browser, data: dict):
    """Log signals through nginx from 4 threads; SIGKILL app server A in the middle."""
    _text, forms = browser.page("/casussen/nieuw/")
    form = next(f for f in forms if "description" in [x[0] for x in f["fields"]])
    victim, bully = data["pupils"]
    answered, errors, lock = {}, [], threading.Lock()

    def log_signals(worker: int):
        for n in range(8):
            marker = f"Rookproef kill {worker}-{n}"
            status, after, _h, _b = browser.submit(
                form,
                "/casussen/nieuw/",
                {
                    "pupil": [str(victim), str(bully)],
                    f"role_{victim}": "victim",
                    f"role_{bully}": "bully",
                    "description": marker,
                    "signal_date": datetime.date.today().isoformat(),
                    # A pupil may already be in an open case: this is another situation.
                    "separate_reason": "Rookproef: een aparte situatie.",
                },
            )
            with lock:
                # Saved: the teacher lands on the new case's page.
                if status == 200 and re.search(r"/casussen/\d+/$", after):
                    answered[marker] = True
                else:
                    errors.append(status)

    threads = [threading.Thread(target=log_signals, args=(w,)) for w in range(4)]
    with step("kill app server A (SIGKILL) while 32 signals are logged through nginx"):
        for thread in threads:
            thread.start()
        time.sleep(0.8)
        a = top.processes["app_a"]
        # Kill the whole gunicorn of A: master and workers, as a crashed machine would.
        subprocess.run(["pkill", "-KILL", "-P", str(a.pid)], check=False)
        a.kill()
        a.wait()
        killed_at = time.monotonic()
        for thread in threads:
            thread.join(120)
    gateway = [e for e in errors if e in (502, 503, 504)]
    say(
        f"        answered as saved: {len(answered)}; lost with A (nginx 502-504): "
        f"{len(gateway)}; other answers: {sorted(e for e in errors if e not in gateway)}"
    )
    if len(gateway) != len(errors):
        fail("a signal got another answer than saved or lost with A (a server error is a bug)")

    with step("app server B keeps answering through nginx (20 requests)"):
        first = None
        for _ in range(20):
            status, _h = http_status(f"https://127.0.0.1:{PORTS['https']}/gezond/")
            if status != 200:
                fail(f"/gezond/ through nginx after the kill: {status}")
            first = first or time.monotonic() - killed_at
        status, _u, _h, _b = browser.request("/casussen/")
        if status != 200:
            fail(f"the case list after the kill: {status}")

    with step("no committed data lost: every signal answered as saved is in the database"):
        stored = {
            row[0]
            for row in db_query(
                url, "SELECT description FROM cases_case WHERE description LIKE 'Rookproef kill %%'"
            )
        }
        lost = set(answered) - stored
        if lost:
            fail(f"answered as saved but not in the database: {sorted(lost)}")
        if not answered:
            fail("no signal was saved while A was killed")
        half = db_query(
            url,
            "SELECT count(*) FROM cases_case c WHERE c.description LIKE 'Rookproef kill %%' "
            "AND NOT EXISTS (SELECT 1 FROM cases_casepupil p WHERE p.case_id = c.id)",
        )[0][0]
        if half:
            fail(f"{half} cases saved without their pupils")
        say(f"        in the database: {len(stored)} (answered {len(answered)}), none half-saved")


def check_logs(top: Topology, names: list[str]):
    with step("no demo pupil's name in the nginx, gunicorn, request and worker logs"):
        logs = [
            top.work / "nginx-access.log",
            *sorted(top.work.glob("app_*.log")),  # gunicorn's access logs, the request log
            *sorted(top.work.glob("worker*.log")),
        ]
        lines = sum(len(p.read_text(errors="replace").splitlines()) for p in logs if p.exists())
        if lines < 20:
            fail(f"the logs hold only {lines} lines")
        words = [n for n in names if len(n) >= 3]
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
        for path in logs:
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                found = pattern.search(line)
                if found:
                    fail(f"{path.name}:{number} names a pupil ({found[1]!r})")
        say(f"        {len(logs)} logs, {lines} lines, {len(words)} names looked for: none found")


def main():
    if "--prepare" in sys.argv:
        say(json.dumps(prepare()))
        return
    if "--slow-worker" in sys.argv:
        slow_worker()
        return
    ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    if not shutil.which("nginx"):
        message = (
            "nginx is not installed (apt-get install nginx libnginx-mod-http-headers-more-filter)"
        )
        if ci:
            fail(message)
        say(f"SKIPPED: {message}")
        return
    work = Path(tempfile.mkdtemp(prefix="pestprotocol-topology-"))
    os.chmod(work, 0o755)
    top = Topology(work)
    started = time.monotonic()
    say(f"Topology smoke test in {work}")
    try:
        with step("PostgreSQL (temporary cluster)"):
            url = top.start_postgres()
        top.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{PORTS['https']}",
            "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": url,
            "MEDIA_ROOT": str(work / "media"),
            "STATIC_ROOT": str(work / "static"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(work / "mail"),
            "TASKS_BACKEND": "database",
            # The worker's heartbeat, quick enough to see a killed worker within seconds.
            "TASK_WORKER_BEAT_SECONDS": "1",
            "TASK_WORKER_LOST_SECONDS": "5",
            "PYTHONUNBUFFERED": "1",
        }
        with step("migrate, collectstatic"):
            top.manage("migrate", "--noinput")
            top.manage("collectstatic", "--noinput")
        with step("seed the demo board"):
            top.manage("seed_demo", DJANGO_DEBUG="1", TASKS_BACKEND="immediate")
        with step("prepare a plan waiting for the teacher's signature"):
            result = subprocess.run(
                [sys.executable, __file__, "--prepare"],
                cwd=ROOT,
                env={**top.env, "DJANGO_SETTINGS_MODULE": "pestprotocol.settings"},
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                fail(f"prepare:\n{result.stderr[-3000:]}")
            data = json.loads(result.stdout.strip().splitlines()[-1])
        with step("two gunicorn app servers sharing one media folder"):
            top.app("app_a")
            top.app("app_b")
        with step("the task worker"):
            top.start("worker", unit_command("pestprotocol-worker.service"))
        with step("nginx in front (TLS, deploy/nginx/pestprotocol.conf)"):
            cert, key = self_signed(work)
            config = nginx_config(work, cert, key)
            check = subprocess.run(
                ["nginx", "-t", "-c", str(config)], capture_output=True, text=True
            )
            if check.returncode != 0:
                fail(f"nginx -t:\n{check.stderr}")
            subprocess.run(["nginx", "-c", str(config)], check=True)
            wait_for(
                lambda: http_status(f"https://127.0.0.1:{PORTS['https']}/gezond/")[0] == 200,
                "nginx",
            )
        say("Journey through nginx:")
        browser, _case = journey(top, data, url)
        kill_the_task_worker(top, url, browser, data)
        kill_one_app_server(top, url, browser, data)
        check_logs(top, data["names"])
    finally:
        top.stop()
        if os.environ.get("KEEP_TOPOLOGY"):
            say(f"(kept {work})")
        else:
            shutil.rmtree(work, ignore_errors=True)
    say("\nSteps and times:")
    for name, seconds in TIMES:
        say(f"  {seconds:6.2f} s  {name}")
    say(f"Topology smoke test passed in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main()
