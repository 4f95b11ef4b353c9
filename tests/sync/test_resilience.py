"""Faults on Shopify's side end in a complete, correct sync, or in a clear reason to act."""

import threading
import time

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from shopify_sync import client, sync_engine, tasks
from shopify_sync.models import Order, Store, SyncRun
from shopify_sync.services import store_connect, sync_request
from shopify_sync.sync_engine import run_execute
from tests.sync.conftest import wait_for_runs
from tests.sync.helpers import assert_matches_shopify, connect_with_client_credentials

pytestmark = pytest.mark.slow


@pytest.fixture
def faults_cleared(simulator):
    yield
    for shop in ("acme", "globex", "initech", "umbrella"):
        simulator.set_faults(shop, error_rate=0, throttle_next=0, slow_ms=0)


def test_throttling_server_errors_and_a_failed_bulk_export_still_end_complete(
    simulator, celery_worker, tenant_a, cleanup_stores, faults_cleared
):
    info = simulator.info("initech")
    simulator.set_faults("initech", error_rate=0.15, throttle_next=4, bulk_fail_next=True)

    with schema_context(tenant_a.schema_name):
        store, _ = store_connect(
            shop_domain=info.domain, access_token=info.token, webhook_secret=info.webhook_secret
        )
        cleanup_stores.append((tenant_a.schema_name, info.domain))
        runs = wait_for_runs(store, timeout=240)
        assert [r.status for r in runs] == [SyncRun.Status.SUCCEEDED], runs[0].error_message
        simulator.set_faults("initech", error_rate=0, throttle_next=0)
        assert_matches_shopify(simulator, "initech", store)


def test_a_revoked_token_ends_in_needs_reconnect_with_a_clear_message(
    simulator, celery_worker, tenant_a, cleanup_stores
):
    info = simulator.info("hooli")
    with schema_context(tenant_a.schema_name):
        store, _ = store_connect(
            shop_domain=info.domain, access_token=info.token, trigger_first_sync=False
        )
        cleanup_stores.append((tenant_a.schema_name, info.domain))
        simulator.set_faults("hooli", revoke_tokens=True)

        sync_request(store=store, kind="incremental", resources=["orders"])
        (finished,) = wait_for_runs(store)

        assert finished.status == SyncRun.Status.FAILED
        assert finished.error_code == "auth_revoked"
        assert "Reconnect the store" in finished.error_message
        store.refresh_from_db()
        assert store.status == Store.Status.NEEDS_RECONNECT
        # A store that needs reconnecting is not synced until it is reconnected.
        again, _ = sync_request(store=store, kind="incremental", resources=["orders"])
        assert run_execute(run_id=again.pk).error_code == "store_needs_reconnect"


def test_two_stores_syncing_in_parallel_threads_never_mix_tokens_or_rows(
    simulator, tenant_a, tenant_b, transactional_db, cleanup_stores
):
    stores = {}
    for shop, tenant in (("acme", tenant_a), ("globex", tenant_b)):
        info = simulator.info(shop)
        with schema_context(tenant.schema_name):
            stores[shop] = store_connect(
                shop_domain=info.domain,
                client_id=info.client_id,
                client_secret=info.client_secret,
                trigger_first_sync=False,
            )[0]
        cleanup_stores.append((tenant.schema_name, info.domain))
    outcomes = {}

    def sync(shop, tenant):
        with schema_context(tenant.schema_name):
            run = SyncRun.objects.create(
                store=stores[shop], kind="full", resources=["customers", "products", "orders"]
            )
            outcomes[shop] = run_execute(run_id=run.pk)
        connection.close()

    threads = [
        threading.Thread(target=sync, args=("acme", tenant_a)),
        threading.Thread(target=sync, args=("globex", tenant_b)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {shop: run.status for shop, run in outcomes.items()} == {
        "acme": "succeeded",
        "globex": "succeeded",
    }, {shop: run.error_message for shop, run in outcomes.items()}
    with schema_context(tenant_a.schema_name):
        assert_matches_shopify(simulator, "acme", stores["acme"])
    with schema_context(tenant_b.schema_name):
        assert_matches_shopify(simulator, "globex", stores["globex"])


def test_a_run_that_waited_for_its_store_still_rides_out_a_shopify_outage(
    simulator, celery_worker, tenant_a, cleanup_stores, faults_cleared, monkeypatch
):
    # Short waits, same budgets: many busy retries first, then Shopify answers only 5xx.
    monkeypatch.setattr(tasks, "BUSY_RETRY_SECONDS", 0.05)
    monkeypatch.setattr(tasks, "RETRY_BACKOFF_SECONDS", (0.2,) * 5)
    monkeypatch.setattr(client, "BACKOFF_BASE_SECONDS", 0.001)
    store, _ = connect_with_client_credentials(
        simulator, "umbrella", tenant_a, cleanup_stores, trigger_first_sync=False
    )
    other_worker = connections.create_connection("default")
    with schema_context(tenant_a.schema_name):
        lock_key = sync_engine._lock_key(store.pk, "orders")
        try:
            with other_worker.cursor() as cursor:  # another run holds the store's orders
                cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key])
            run, _ = sync_request(store=store, kind="full", resources=["orders"])
            time.sleep(1.5)  # far more busy retries than the outage budget
            simulator.set_faults("umbrella", error_rate=1.0)
        finally:
            other_worker.close()

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.attempts >= 2 or run.status == SyncRun.Status.FAILED:
                break
            time.sleep(0.05)
        assert run.status != SyncRun.Status.FAILED, run.error_message
        assert run.attempts >= 2  # failed on the outage, and was tried again
        simulator.set_faults("umbrella", error_rate=0)

        (run,) = wait_for_runs(store)
        assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
        orders = Order.objects.filter(store=store, deleted_at__isnull=True).count()
        assert orders == simulator.stats("umbrella")["orders"]
