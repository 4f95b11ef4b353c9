"""A worker killed in the middle of a full sync: the run is executed again and ends complete.

The worker is a real `celery worker` process on the real Redis broker and the test database, so
SIGKILL drops its PostgreSQL connection (and with it the advisory locks of the run) exactly as a
crashed or OOM-killed worker would. Celery would deliver the unacked task again only after the
broker's visibility timeout (4 h); the test asks for the run again itself, as that delivery does.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import schema_context

from shopify_sync.models import (
    Customer,
    LineItem,
    Order,
    Product,
    ProductVariant,
    Refund,
    RefundLineItem,
    SyncCursor,
    SyncRun,
)
from shopify_sync.tasks import sync_run_task
from tests.sync.conftest import wait_for_runs
from tests.sync.helpers import (
    assert_matches_shopify,
    connect_with_client_credentials,
    shopify_stats,
    xeno_stats,
)
from xeno.celery import app

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHOP = "umbrella"


def _test_database_url() -> str:
    """DATABASE_URL with the test database's name (pytest-django's `test_<name>`)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = connection.settings_dict["NAME"]
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _advisory_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return cursor.fetchone()[0]


def _forget_unacked(queue: str) -> None:
    """Drops the killed worker's unacked message of this run's queue from Redis, so that no
    worker delivers it into a queue nobody reads once the visibility timeout has passed."""
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        for tag, payload in client.hgetall("unacked").items():
            _message, _exchange, routing_key = json.loads(payload)
            if routing_key == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


@pytest.fixture
def worker_process(transactional_db, simulator, tmp_path):
    """Starts `celery worker --pool=solo` subprocesses on this run's queue and test database."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xeno.settings",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "SHOPIFY_API_BASE_URL": simulator.base_url,
        "LOG_LEVEL": "WARNING",
    }
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        log = (tmp_path / f"worker-{len(started) + 1}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "xeno",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                f"crash-{uuid.uuid4().hex[:8]}@%h",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    _forget_unacked(queue)


def _wait_for_progress(run_pk: int, *, orders_begun: bool, timeout: float = 45) -> SyncRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = SyncRun.objects.get(pk=run_pk)
        if (
            run.status == SyncRun.Status.RUNNING
            and run.progress_done > 0
            and (not orders_begun or Order.objects.filter(store_id=run.store_id).exists())
        ):
            return run
        assert run.status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING), run.error_message
        time.sleep(0.02)
    raise AssertionError(f"the run made no progress in {timeout} s: {run.status}")


def _wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


# Killed once the first batch is in (products), or once order rows are in while the orders'
# refund lines, deletions and cursor are still to come.
@pytest.mark.parametrize("orders_begun", [False, True], ids=["after-products", "amid-orders"])
def test_a_full_sync_killed_midway_is_run_again_to_a_complete_copy_without_duplicates(
    simulator, tenant_a, cleanup_stores, worker_process, orders_begun
):
    # Slower answers widen the window in which the first worker dies with the sync half done.
    simulator.set_faults(SHOP, slow_ms=200)
    first = worker_process()
    try:
        store, _verdict = connect_with_client_credentials(simulator, SHOP, tenant_a, cleanup_stores)
        with schema_context(tenant_a.schema_name):
            (run,) = SyncRun.objects.filter(store=store)

            killed_at = _wait_for_progress(run.pk, orders_begun=orders_begun)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            partial = xeno_stats(store)
            resources_done = set(
                SyncCursor.objects.filter(store=store, last_full_sync_at__isnull=False).values_list(
                    "resource", flat=True
                )
            )
    finally:
        simulator.set_faults(SHOP, slow_ms=0)

    truth = shopify_stats(simulator, SHOP)
    # Killed midway: not every resource had finished (orders last: refund lines, deletions and
    # the cursor follow their rows).
    assert resources_done < {"products", "customers", "orders"}, "the worker died after the sync"
    assert (partial["orders"] > 0) == orders_begun
    # The dead worker's connection is closed by PostgreSQL, and its advisory locks go with it.
    _wait_until(lambda: _advisory_locks_held() == 0, 10, "the killed worker's locks remain")
    with schema_context(tenant_a.schema_name):
        stuck = SyncRun.objects.get(pk=run.pk)
        assert (stuck.status, stuck.attempts) == (SyncRun.Status.RUNNING, 1)

    worker_process()
    # What Celery does once the visibility timeout has passed: deliver the same task again.
    sync_run_task.apply_async(kwargs={"run_id": run.pk, "schema_name": tenant_a.schema_name})

    with schema_context(tenant_a.schema_name):
        (finished,) = wait_for_runs(store, timeout=60)
        assert finished.pk == run.pk
        assert finished.status == SyncRun.Status.SUCCEEDED, finished.error_message
        assert finished.attempts == 2
        assert_matches_shopify(simulator, SHOP, store)
        # No row twice and none marked deleted: every row of the first attempt was seen again.
        expected = {
            Customer: truth["customers"],
            Product: truth["products"],
            ProductVariant: truth["variants"],
            Order: truth["orders"],
            LineItem: truth["line_items"],
            Refund: truth["refunds"],
        }
        for model, count in expected.items():
            rows = model.objects.filter(store=store)
            assert rows.count() == count, model.__name__
            assert rows.values("shopify_id").distinct().count() == count, model.__name__
            assert not rows.filter(deleted_at__isnull=False).exists(), model.__name__
        refund_lines = RefundLineItem.objects.filter(store=store)
        assert refund_lines.exists()
        assert (
            refund_lines.values("refund_shopify_id", "line_item_shopify_id").distinct().count()
            == refund_lines.count()
        )
        # Created counts over both attempts add up to each row once.
        assert finished.stats["orders"]["created"] == truth["orders"]
        assert finished.stats["customers"]["created"] == truth["customers"]
        print(
            f"\nkilled with {sorted(resources_done)} done, progress "
            f"{killed_at.progress_done}/{killed_at.progress_total}, rows then {partial}; "
            f"finished progress "
            f"{finished.progress_done}/{finished.progress_total}, stats {finished.stats}"
        )
