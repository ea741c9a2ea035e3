"""Run a command against a throw-away PostgreSQL server.

Usage::

    python -m tests.postgres -- CMD [ARGS...]

The module creates a temporary folder under /tmp, initialises a fresh PostgreSQL
cluster in it, starts the server on a free port on 127.0.0.1, creates the database
``pestprotocol`` and runs CMD with ``DATABASE_URL`` pointing to it. Afterwards the
server is stopped and the folder removed, also when CMD fails or on Ctrl-C. The exit
code is the exit code of CMD.

``initdb`` refuses to run as root, so as root the server runs as the ``postgres``
system user. When no PostgreSQL binaries are installed, the run is skipped with exit
code 0, except on CI (``CI=true``), where a missing PostgreSQL is an error.
"""

import glob
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

DATABASE_NAME = "pestprotocol"
SUPERUSER = "postgres"
SERVER_USER = "postgres"  # System user that runs the server when we are root.
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def is_ci():
    """Return True when running on CI (CI=true or CI=1)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1"}


def has_server_tools(folder):
    return (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()


def debian_version(folder):
    """Sort key for /usr/lib/postgresql/<version>/bin: the version as numbers."""
    return [int(part) for part in folder.parent.name.split(".") if part.isdigit()]


def find_bin_dir():
    """Return the folder holding initdb and pg_ctl, or None when not installed.

    PATH wins; otherwise the highest Debian version under /usr/lib/postgresql.
    """
    initdb = shutil.which("initdb")
    if initdb:
        # Resolve symlinks (e.g. /usr/local/bin/initdb) to the real bin folder.
        folder = Path(initdb).resolve().parent
        if has_server_tools(folder):
            return folder
    candidates = [Path(path) for path in glob.glob(DEBIAN_BIN_GLOB)]
    candidates = [folder for folder in candidates if has_server_tools(folder)]
    return max(candidates, key=debian_version, default=None)


def free_port():
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def running_as_root():
    return os.geteuid() == 0


def as_server_user(cmd):
    """Wrap CMD so it runs as the server user when we are root."""
    if not running_as_root():
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", SERVER_USER, "--", *cmd]
    return ["su", SERVER_USER, "-s", "/bin/sh", "-c", shlex.join(cmd)]


def run_server_tool(cmd, workdir):
    """Run a PostgreSQL tool quietly; show its output and raise if it fails."""
    result = subprocess.run(
        as_server_user([str(part) for part in cmd]),
        cwd=workdir,  # The server user may not be allowed to read the current folder.
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        print(result.stdout + result.stderr, file=sys.stderr)
        raise RuntimeError(f"{Path(cmd[0]).name} failed with exit code {result.returncode}")


def make_workdir():
    """Create the temporary folder, owned by the server user when we are root."""
    workdir = Path(tempfile.mkdtemp(prefix="pestprotocol-pg-", dir="/tmp"))
    if running_as_root():
        shutil.chown(workdir, user=SERVER_USER, group=SERVER_USER)
    return workdir


def init_cluster(bin_dir, workdir):
    """Create a new cluster in WORKDIR/data with trust authentication."""
    run_server_tool(
        [
            bin_dir / "initdb",
            "-D",
            workdir / "data",
            "-A",
            "trust",
            "-U",
            SUPERUSER,
            "--encoding=UTF8",
            "--no-locale",
        ],
        workdir,
    )


def start_server(bin_dir, workdir, port):
    """Start the server and wait until it accepts connections."""
    # Durability is irrelevant for a throw-away test database, so trade it for speed.
    options = (
        f"-k {workdir} -h 127.0.0.1 -p {port} -F "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    command = [bin_dir / "pg_ctl", "start", "-w", "-D", workdir / "data"]
    command += ["-l", workdir / "log", "-o", options]
    try:
        run_server_tool(command, workdir)
    except RuntimeError:
        print_server_log(workdir)
        raise


def stop_server(bin_dir, workdir):
    """Stop the server if it is running; never raise."""
    if not (workdir / "data" / "postmaster.pid").exists():
        return
    command = [bin_dir / "pg_ctl", "stop", "-w", "-m", "fast", "-D", workdir / "data"]
    try:
        run_server_tool(command, workdir)
    except (RuntimeError, OSError) as error:
        print(f"Could not stop the PostgreSQL server: {error}", file=sys.stderr)


def print_server_log(workdir):
    log = workdir / "log"
    if log.exists():
        print(log.read_text(errors="replace"), file=sys.stderr)


def create_database(port):
    """Create the application database; return the server version string."""
    with psycopg.connect(
        host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as connection:
        connection.execute(f"CREATE DATABASE {DATABASE_NAME}")
        return connection.execute("SHOW server_version").fetchone()[0]


def run_command(cmd, database_url):
    """Run CMD with DATABASE_URL set; return its exit code."""
    env = {**os.environ, "DATABASE_URL": database_url}
    print(f"Running: {shlex.join(cmd)}", flush=True)
    try:
        return subprocess.run(cmd, env=env, check=False).returncode
    except FileNotFoundError:
        print(f"ERROR: command not found: {cmd[0]}", file=sys.stderr)
        return 127


def run_with_server(bin_dir, cmd):
    """Start a temporary server, run CMD against it and clean everything up."""
    workdir = make_workdir()
    try:
        port = free_port()
        init_cluster(bin_dir, workdir)
        start_server(bin_dir, workdir, port)
        version = create_database(port)
        print(f"Started temporary PostgreSQL {version} on 127.0.0.1:{port}", flush=True)
        database_url = f"postgres://{SUPERUSER}@127.0.0.1:{port}/{DATABASE_NAME}"
        return run_command(cmd, database_url)
    finally:
        stop_server(bin_dir, workdir)
        shutil.rmtree(workdir, ignore_errors=True)


def parse_command(argv):
    """Return the command after an optional leading '--'."""
    if argv and argv[0] == "--":
        argv = argv[1:]
    return argv


def exit_on_sigterm(signum, frame):
    # Turn SIGTERM into SystemExit so the finally blocks stop the server.
    sys.exit(128 + signum)


def report_missing_postgres():
    """Explain that PostgreSQL is missing; return the exit code (an error on CI)."""
    if is_ci():
        print(
            "ERROR: PostgreSQL not found (initdb/pg_ctl), but CI must run the "
            "PostgreSQL tests. Install the Debian package postgresql.",
            file=sys.stderr,
        )
        return 1
    print(
        "PostgreSQL not found (install the Debian package postgresql); "
        "skipping the PostgreSQL test run"
    )
    return 0


def main(argv=None):
    cmd = parse_command(sys.argv[1:] if argv is None else argv)
    if not cmd:
        print("usage: python -m tests.postgres -- CMD [ARGS...]", file=sys.stderr)
        return 2

    bin_dir = find_bin_dir()
    if bin_dir is None:
        return report_missing_postgres()

    signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        return run_with_server(bin_dir, cmd)
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, OSError, psycopg.Error) as error:
        print(f"ERROR: temporary PostgreSQL server failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
