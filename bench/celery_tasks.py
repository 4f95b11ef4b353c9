"""Throughput of no-op tenant tasks through a real Celery worker, with and without reusing the
worker's database connection between tasks (CELERY_DB_REUSE_MAX=0 versus the default 200).

Creates a scratch database on the server of DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/xeno_bench; only its server and credentials are used) with one
tenant, then for each round starts `celery -A xeno worker` as a subprocess on a queue of its own
on the real Redis (REDIS_URL), sends a warm-up batch, then --tasks tasks, and counts tasks per
second from the first send to the last task's end. Each task is a TenantTask: it checks the
tenant in the public schema, switches to the tenant's schema and runs one trivial query there.
Rounds alternate between the two settings. The scratch database, the queue and the results are
removed at the end.

Usage: DATABASE_URL=postgres://... .venv/bin/python bench/celery_tasks.py
           [--tasks 2000] [--rounds 2] [--pool prefork|solo] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK_NAME = "bench.noop_tenant_task"
REUSE_SETTINGS = {"reuse off (0)": "0", "reuse 200 (default)": "200"}
WARM_UP_TASKS = 40

if __name__ != "__main__":
    # Imported by the worker (`-I bench.celery_tasks`) or by main() once Django is set up.
    from django.db import connection

    from tenants.task_base import TenantTask
    from xeno.celery import app

    @app.task(base=TenantTask, name=TASK_NAME)
    def noop_tenant_task() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM shopify_sync_store")
            cursor.fetchone()
        return time.time()


def _prepare_environment(base_url: str) -> tuple[str, str]:
    sys.path.insert(0, str(ROOT))
    from bench.tenant_creation import create_scratch_database

    name, scratch_url = create_scratch_database(base_url)
    os.environ.update(
        {
            "DATABASE_URL": scratch_url,
            "DJANGO_SETTINGS_MODULE": "xeno.settings",
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": os.environ.get("FIELD_ENCRYPTION_KEY")
            or "Yp7lqVgV3vUuVRbmxcS5yGw6sGp7e3QJ6hXg6qKq3Vw=",
            "LOG_LEVEL": "WARNING",
            "CACHE_KEY_PREFIX": f"xeno-bench-celery-{os.getpid()}",
            "CELERY_TASK_DEFAULT_QUEUE": f"xeno-bench-celery-{os.getpid()}",
        }
    )
    return name, scratch_url


def _start_worker(reuse: str, pool: str, concurrency: int) -> subprocess.Popen:
    queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "xeno",
        "worker",
        f"--pool={pool}",
        "-Q",
        queue,
        "-I",
        "bench.celery_tasks",
        "-n",
        f"bench-{os.getpid()}-{reuse}@%h",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if pool != "solo":
        command.append(f"--concurrency={concurrency}")
    env = {**os.environ, "CELERY_DB_REUSE_MAX": reuse}
    # The banner goes to stdout; warnings and errors still reach stderr.
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def _stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()  # warm shutdown: the queue is empty by now
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _round(task, schema: str, count: int, reuse: str, pool: str, concurrency: int) -> float:
    from celery.result import ResultSet

    worker = _start_worker(reuse, pool, concurrency)
    try:
        warm = ResultSet([task.apply_async(kwargs={"schema_name": schema}) for _ in range(10)])
        warm.join(timeout=120, interval=0.05)
        warm.forget()
        warm = ResultSet(
            [task.apply_async(kwargs={"schema_name": schema}) for _ in range(WARM_UP_TASKS)]
        )
        warm.join(timeout=120, interval=0.05)
        warm.forget()
        started = time.time()
        results = ResultSet(
            [task.apply_async(kwargs={"schema_name": schema}) for _ in range(count)]
        )
        ends = results.join(timeout=600, interval=0.05)
        results.forget()
        assert all(isinstance(end, float) for end in ends), "a task did not run in its tenant"
        return count / (max(ends) - started)
    finally:
        _stop_worker(worker)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=2000, help="timed tasks per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per setting")
    parser.add_argument("--pool", choices=["prefork", "solo"], default="prefork")
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xeno_bench")
    name, _scratch_url = _prepare_environment(base_url)
    queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
    pool = args.pool if args.pool == "solo" else f"prefork -c {args.concurrency}"
    print(f"scratch database {name}, queue {queue}, worker pool {pool}, {args.tasks} tasks/round")
    rates: dict[str, list[float]] = {label: [] for label in REUSE_SETTINGS}
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from bench.celery_tasks import noop_tenant_task
        from tenants.services import tenant_create
        from tenants.template_schema import tenant_template_migrate

        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        tenant_template_migrate()
        tenant = tenant_create(name="Bench Celery", slug="bench-celery")
        connection.close()  # the worker needs no company on the scratch database
        for round_number in range(args.rounds):
            labels = list(REUSE_SETTINGS)
            for label in labels if round_number % 2 == 0 else reversed(labels):
                rate = _round(
                    noop_tenant_task,
                    tenant.schema_name,
                    args.tasks,
                    REUSE_SETTINGS[label],
                    args.pool,
                    args.concurrency,
                )
                rates[label].append(rate)
                print(f"  round {round_number + 1} {label}: {rate:.0f} tasks/s")
    finally:
        from django.db import connections

        from bench.tenant_creation import drop_scratch_database
        from xeno.celery import app

        connections.close_all()
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete(queue)
        drop_scratch_database(base_url, name)
        print(f"scratch database {name} and queue {queue} removed")

    medians = {label: statistics.median(values) for label, values in rates.items()}
    for label, median in medians.items():
        rounds = ", ".join(f"{rate:.0f}" for rate in rates[label])
        print(f"{label:>20}: {median:6.0f} tasks/s (median of rounds: {rounds})")
    off, on = medians.values()
    print(f"reusing the connection: {on / off:.2f}x the throughput of closing it after each task")
    return 0


if __name__ == "__main__":
    sys.exit(main())
