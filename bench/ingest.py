"""Ingestion benchmark: a full sync of a simulated store, against a plain COPY of the same rows.

    .venv/bin/python bench/ingest.py --orders 100000
    .venv/bin/python bench/ingest.py --stores 50 --orders 2000
    .venv/bin/python bench/ingest.py --orders 100000 --latency-ms 150 [--plan standard]

Single store: prints orders/s and rows/s from the moment each bulk file is ready to the last
commit (export time on Shopify's side excluded), the same rows loaded by a plain COPY into scratch
tables in the same run, their ratio, and the peak memory of the syncing process (the simulator
runs in its own process); then the same full sync again, as the daily reconciliation runs it,
when every row is already stored. `--stores N`: N stores synced at once by a real Celery worker
pool, printing throughput and how evenly the stores progressed.

Runs in a scratch database (BENCH_INGEST_DATABASE_URL, default xeno_bench_ingest), dropped and
created anew each run; PostgreSQL and Redis must be running.
"""

import argparse
import io
import os
import resource
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from cpu_meter import CpuMeter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get(
    "BENCH_INGEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xeno_bench_ingest"
)
QUEUE = f"bench-ingest-{os.getpid()}"
os.environ.update(
    {
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "xeno.settings",
        "DEBUG": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _start_simulator(shops: list[str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    args = [sys.executable, "-m", "shopify_simulator", "--port", str(port), "--seed", "11"]
    for shop in shops:
        args += ["--shop", shop]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    for line in process.stdout:
        if "listening" in line:
            break
    return process, f"http://127.0.0.1:{port}"


def _setup(base_url: str):
    os.environ["SHOPIFY_API_BASE_URL"] = base_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_all", verbosity=0)
    from tenants.services import tenant_create

    return tenant_create(name="Bench", slug="bench")


def _connect(base_url: str, tenant, shop: str):
    import httpx
    from django_tenants.utils import schema_context

    from shopify_sync.services import store_connect

    shops = httpx.get(f"{base_url}/_simulator/shops", timeout=60).json()["shops"]
    info = next(s for s in shops if s["shop"] == f"{shop}.myshopify.com")
    with schema_context(tenant.schema_name):
        store, _ = store_connect(
            shop_domain=info["shop"],
            client_id=info["client_id"],
            client_secret=info["client_secret"],
            trigger_first_sync=False,
        )
    return store


def _rows_written(store) -> dict[str, int]:
    from shopify_sync.models import LineItem, Order, Refund, RefundLineItem

    return {
        "orders": Order.objects.filter(store=store).count(),
        "line_items": LineItem.objects.filter(store=store).count(),
        "refunds": Refund.objects.filter(store=store).count(),
        "refund_lines": RefundLineItem.objects.filter(store=store).count(),
    }


def _wal_position() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return cursor.fetchone()[0]


def _wal_bytes_since(position: str) -> int:
    """Bytes of write-ahead log the whole server wrote since `position`: what every change costs
    in disk writes and replication, whichever connection made it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [position])
        return int(cursor.fetchone()[0])


def _copy_baseline(store) -> float:
    """Seconds a plain COPY takes to load the same order and line item rows into scratch tables
    shaped like ours (same columns and indexes)."""
    from django.db import connection

    seconds = 0.0
    with connection.cursor() as cursor:
        for table in ("shopify_sync_order", "shopify_sync_lineitem", "shopify_sync_refund"):
            buffer = io.BytesIO()
            with cursor.cursor.copy(
                f"COPY (SELECT * FROM {table} WHERE store_id = {store.pk}) TO STDOUT"
            ) as copy:
                for chunk in copy:
                    buffer.write(chunk)
            scratch = f"scratch_{table}"
            cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
            cursor.execute(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)")
            started = time.perf_counter()
            with cursor.cursor.copy(f"COPY {scratch} FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            seconds += time.perf_counter() - started
            cursor.execute(f"DROP TABLE {scratch}")
    return seconds


def single_store(orders: int, latency_ms: int = 0, plan: str = "enterprise") -> None:
    customers, products = max(orders // 8, 50), max(orders // 300, 20)
    shop = f"bench:orders={orders},customers={customers},products={products},plan={plan}"
    if latency_ms:
        shop += f",slow_ms={latency_ms}"
    simulator, base_url = _start_simulator([shop])
    try:
        tenant = _setup(base_url)
        from django_tenants.utils import schema_context

        from shopify_sync import readers
        from shopify_sync.models import SyncRun
        from shopify_sync.sync_engine import run_execute

        export_seconds = []
        original = readers.bulk_export_url

        def timed_export(client, query):
            started = time.perf_counter()
            result = original(client, query)
            export_seconds.append(time.perf_counter() - started)
            return result

        readers.bulk_export_url = timed_export
        store = _connect(base_url, tenant, "bench")
        with schema_context(tenant.schema_name):
            run = SyncRun.objects.create(store=store, kind="full", resources=["orders"])
            wal_before = _wal_position()
            started = time.perf_counter()
            with CpuMeter() as first_cpu:
                run = run_execute(run_id=run.pk)
            total = time.perf_counter() - started
            first_wal = _wal_bytes_since(wal_before)
            assert run.status == "succeeded", run.error_message
            rows = _rows_written(store)
            first_exports, first_count = sum(export_seconds), len(export_seconds)
            # The daily reconciling sync reads everything again: every row is already stored.
            again = SyncRun.objects.create(store=store, kind="full", resources=["orders"])
            wal_before = _wal_position()
            started = time.perf_counter()
            with CpuMeter() as again_cpu:
                again = run_execute(run_id=again.pk)
            again_total = time.perf_counter() - started
            again_wal = _wal_bytes_since(wal_before)
            assert again.status == "succeeded", again.error_message
            again_load = again_total - sum(export_seconds[first_count:])
            # Before the baseline, whose buffers are the benchmark's, not the sync's.
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            copy_seconds = _copy_baseline(store)
        load = total - first_exports
        row_count = sum(rows.values())
        copy_rows = rows["orders"] + rows["line_items"] + rows["refunds"]
        print(f"store: {orders} orders, rows written {rows}")
        exported = first_exports
        print(f"full sync total {total:.1f} s, of which Shopify's bulk export {exported:.1f} s")
        print(
            f"ingest (bulk file ready -> last commit): {load:.1f} s, "
            f"{rows['orders'] / load:,.0f} orders/s, {row_count / load:,.0f} rows/s"
        )
        print(
            f"plain COPY of the same orders, line items and refunds: {copy_seconds:.1f} s, "
            f"{copy_rows / copy_seconds:,.0f} rows/s"
        )
        print(f"ratio ingest / COPY: {load / copy_seconds:.2f}x")
        print(
            f"the same full sync again, every row already stored: ingest {again_load:.1f} s, "
            f"{rows['orders'] / again_load:,.0f} orders/s"
        )
        print(
            f"database log (WAL) written: first sync {first_wal / 2**20:,.0f} MB, "
            f"the same sync again {again_wal / 2**20:,.0f} MB"
        )
        print(
            f"CPU: first sync PostgreSQL {first_cpu.database:.1f} s + syncing process "
            f"{first_cpu.own:.1f} s, the same sync again {again_cpu.database:.1f} s + "
            f"{again_cpu.own:.1f} s"
        )
        print(f"peak memory of the syncing process: {peak_mb:.0f} MB")
    finally:
        simulator.terminate()


def many_stores(stores: int, orders: int) -> None:
    shops = [
        f"s{i:02d}:orders={orders},customers={max(orders // 8, 20)},products=20,plan=plus"
        for i in range(stores)
    ]
    simulator, base_url = _start_simulator(shops)
    worker = None
    try:
        tenant = _setup(base_url)
        from django_tenants.utils import schema_context

        from shopify_sync.models import SyncRun
        from shopify_sync.services import sync_request

        connected = [_connect(base_url, tenant, f"s{i:02d}") for i in range(stores)]
        env = {**os.environ}
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "xeno",
                "worker",
                "-Q",
                QUEUE,
                "-c",
                "4",
                "--pool",
                "prefork",
                "-l",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        started = time.perf_counter()
        with schema_context(tenant.schema_name):
            for store in connected:
                sync_request(
                    store=store, kind="full", resources=["customers", "products", "orders"]
                )
            finished_at: dict[int, float] = {}
            recent_at: dict[int, float] = {}
            while len(finished_at) < stores:
                time.sleep(1)
                now = time.perf_counter() - started
                for run in SyncRun.objects.all():
                    if run.checkpoint.get("orders_windows_done") and run.store_id not in recent_at:
                        recent_at[run.store_id] = now
                    if run.status in ("succeeded", "failed") and run.store_id not in finished_at:
                        finished_at[run.store_id] = now
            failed = SyncRun.objects.filter(status="failed").count()
        elapsed = time.perf_counter() - started
        times = sorted(finished_at.values())
        print(
            f"{stores} stores x {orders} orders, worker pool of 4: {elapsed:.1f} s, "
            f"{stores * orders / elapsed:,.0f} orders/s overall, failed runs {failed}"
        )
        print(
            f"store finished after: first {times[0]:.1f} s, median {times[len(times) // 2]:.1f} s, "
            f"last {times[-1]:.1f} s"
        )
        recent = sorted(recent_at.values())
        print(
            f"last 30 days of orders loaded: first {recent[0]:.1f} s, "
            f"median {recent[len(recent) // 2]:.1f} s, every store by {recent[-1]:.1f} s"
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        simulator.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--stores", type=int, default=1)
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        help="delay every Admin API answer by this much, as a shop far away would",
    )
    parser.add_argument(
        "--plan", default="enterprise", help="the shop's plan, which sets its rate limit"
    )
    args = parser.parse_args()
    _recreate_database()
    if args.stores > 1:
        many_stores(args.stores, args.orders)
    else:
        single_store(args.orders, args.latency_ms, args.plan)


if __name__ == "__main__":
    main()
