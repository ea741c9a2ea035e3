"""The restore drill at a chosen size, with figures: backup size, backup and restore time.

    .venv/bin/python scripts/backup_drill.py               # the demo board
    .venv/bin/python scripts/backup_drill.py --cases 10000 # a 10,000-case board (bench_data.py)
    .venv/bin/python scripts/backup_drill.py --s3          # media in an S3 bucket (moto's server)

Starts a temporary PostgreSQL cluster (``tests/postgres.py``) and a temporary media folder,
migrates, seeds the demo (and with ``--cases`` the benchmark board of ``bench_data.py``), then
backs up (``manage.py backup``), wipes the database and the files, restores
(``manage.py restore``) and compares every table and every file (``backups.drill``).
With ``--s3`` the media are in a bucket of a real S3 endpoint on loopback (moto's server,
``MEDIA_STORAGE=s3``) and the bucket is wiped and compared instead of the folder.
Exits non-zero on any difference. Everything is removed afterwards.
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backups.drill import Bucket, drill, manage, media_env  # noqa: E402
from tests import postgres  # noqa: E402


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def s3_bucket(folder: Path):
    """moto's S3 server on a free loopback port with an empty bucket; the server and the
    bucket as the drill's media store."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "S3_BUCKET": "pestprotocol-drill",
        "S3_ENDPOINT_URL": f"http://{host}:{port}",
        "S3_REGION": "eu-central-1",
        "S3_ACCESS_KEY_ID": "drill",
        "S3_SECRET_ACCESS_KEY": secrets.token_hex(16),
        "S3_PREFIX": "media",
    }
    bucket = Bucket(env, folder)
    bucket.client().create_bucket(
        Bucket=env["S3_BUCKET"],
        CreateBucketConfiguration={"LocationConstraint": env["S3_REGION"]},
    )
    return server, bucket


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=0, help="a bench board of N cases")
    parser.add_argument("--s3", action="store_true", help="media in an S3 bucket (moto)")
    args = parser.parse_args()
    bin_dir = postgres.find_bin_dir()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed.")
    os.environ["BACKUP_KEY"] = secrets.token_urlsafe(40)
    work = Path(tempfile.mkdtemp(prefix="pestprotocol-drill-"))
    cluster = postgres.make_workdir()
    s3_server = None
    try:
        port = postgres.free_port()
        postgres.init_cluster(bin_dir, cluster)
        postgres.start_server(bin_dir, cluster, port)
        postgres.create_database(port)
        url = f"postgres://postgres@127.0.0.1:{port}/pestprotocol"
        media = work / "media"
        if args.s3:
            s3_server, media = s3_bucket(media)
        start = time.monotonic()
        manage("migrate", "--noinput", url=url, media=media)
        manage("seed_demo", url=url, media=media, DJANGO_DEBUG="1")
        if args.cases:
            env = {**os.environ, "DATABASE_URL": url, **media_env(media)}
            subprocess.run(
                [sys.executable, "scripts/bench_data.py", "--cases", str(args.cases)],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        board = f"{args.cases}-case board" if args.cases else "demo board"
        board += f", media in S3 bucket {media}" if args.s3 else ""
        say(f"{board} on PostgreSQL, made in {time.monotonic() - start:.0f} s")
        result = drill(url, media, work / "backup.gpg", say=say)
        say(
            f"{board}: backup {result['size'] / 1e6:.1f} MB in {result['backup_seconds']:.1f} s, "
            f"restore {result['restore_seconds']:.1f} s; {result['tables']} tables, "
            f"{result['rows']} rows, {result['files']} files; "
            f"{len(result['differences'])} differences"
        )
        for line in result["differences"]:
            say(f"  {line}")
        if result["differences"]:
            sys.exit(1)
    finally:
        if s3_server is not None:
            s3_server.stop()
        postgres.stop_server(bin_dir, cluster)
        shutil.rmtree(cluster, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
