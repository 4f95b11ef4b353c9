"""A full sync rebuilds the rollups while its last refund lines are still arriving from Shopify;
the dashboard must end up exactly as a rebuild from the stored rows would make it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Sum
from django_tenants.utils import schema_context

from analytics.models import (
    CustomerDay,
    CustomerStats,
    DailyOrderMix,
    DailyProductSales,
    DailySales,
    OrderFact,
    RefundFact,
)
from analytics.services import rollups_refresh
from shopify_sync.models import LineItem, RefundLineItem, StaleRollups, SyncRun
from shopify_sync.services import sync_request
from tests.sync.conftest import wait_for_runs
from tests.sync.helpers import connect_with_client_credentials

pytestmark = pytest.mark.slow

ROLLUPS = (OrderFact, RefundFact, DailySales, DailyOrderMix, DailyProductSales)
CUSTOMER_ROLLUPS = (CustomerDay, CustomerStats)


def _rollups(store) -> dict:
    """Every rollup row of the store, without the row ids a rebuild renumbers."""
    snapshot = {}
    for model in (*ROLLUPS, *CUSTOMER_ROLLUPS):
        fields = [f.name for f in model._meta.concrete_fields if f.name != "id"]
        rows = model.objects.filter(store_id=store.pk).values_list(*fields)
        snapshot[model.__name__] = sorted(rows, key=repr)
    return snapshot


def test_a_full_sync_leaves_the_rollups_of_a_rebuild_even_when_refund_lines_come_late(
    simulator, celery_worker, tenant_a, cleanup_stores
):
    # Every answer 150 ms away: the refund lines are still being fetched when the last block is
    # stored and the rollup rebuild starts.
    simulator.set_faults("acme", slow_ms=150)
    try:
        store, _ = connect_with_client_credentials(simulator, "acme", tenant_a, cleanup_stores)
        with schema_context(tenant_a.schema_name):
            (run,) = wait_for_runs(store, timeout=180)
    finally:
        simulator.set_faults("acme", slow_ms=0)

    with schema_context(tenant_a.schema_name):
        assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
        assert RefundLineItem.objects.filter(store=store).exists()
        returns = RefundFact.objects.filter(store_id=store.pk).aggregate(total=Sum("returns"))
        assert returns["total"] > Decimal("0")
        after_sync = _rollups(store)

        rollups_refresh(store_id=store.pk)

        assert _rollups(store) == after_sync


def _rollup_row_versions(store) -> set:
    """Where each of the store's order facts and daily sales rows is stored: a rewritten row
    moves."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'fact', ctid::text FROM analytics_order_fact WHERE store_id = %s "
            "UNION ALL SELECT 'day', ctid::text FROM analytics_daily_sales WHERE store_id = %s",
            [store.pk, store.pk],
        )
        return set(cursor.fetchall())


def _full_sync(store) -> SyncRun:
    run, _ = sync_request(store=store, kind="full", resources=["orders"])
    finished = next(r for r in wait_for_runs(store) if r.pk == run.pk)
    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error_message
    return finished


def test_a_reconciling_sync_rebuilds_the_rollups_only_when_it_changed_orders(
    simulator, celery_worker, tenant_a, cleanup_stores
):
    store, _ = connect_with_client_credentials(simulator, "umbrella", tenant_a, cleanup_stores)
    with schema_context(tenant_a.schema_name):
        (first,) = wait_for_runs(store)
        assert first.status == SyncRun.Status.SUCCEEDED, first.error_message

        # Every order as stored: the rollups are left as they are.
        versions = _rollup_row_versions(store)
        assert versions
        _full_sync(store)
        assert _rollup_row_versions(store) == versions
        assert not StaleRollups.objects.filter(store_id=store.pk).exists()

        # A line item that differs from Shopify's (as a missed webhook would leave it), already
        # counted in the rollups: the sync writes it back, and the rollups follow.
        line = LineItem.objects.filter(store=store, deleted_at__isnull=True).first()
        LineItem.objects.filter(pk=line.pk).update(quantity=F("quantity") + 5)
        rollups_refresh(store_id=store.pk, order_shopify_ids=[line.order_shopify_id])
        units = DailySales.objects.filter(store_id=store.pk).aggregate(total=Sum("units_sold"))
        _full_sync(store)
        assert LineItem.objects.get(pk=line.pk).quantity == line.quantity
        after_sync = _rollups(store)
        after_units = DailySales.objects.filter(store_id=store.pk).aggregate(
            total=Sum("units_sold")
        )
        assert after_units["total"] == units["total"] - 5
        rollups_refresh(store_id=store.pk)
        assert _rollups(store) == after_sync
        assert not StaleRollups.objects.filter(store_id=store.pk).exists()
