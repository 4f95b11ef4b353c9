"""A full sync rebuilds the rollups while its last refund lines are still arriving from Shopify;
the dashboard must end up exactly as a rebuild from the stored rows would make it."""

from decimal import Decimal

import pytest
from django.db.models import Sum
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
from shopify_sync.models import RefundLineItem, SyncRun
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
