"""Full sync through bulk operations, end to end: connect, sync, compare with Shopify."""

import json
import time

import pytest
from django.core.management import call_command
from django.db.models import Count, Max
from django_tenants.utils import schema_context

from shopify_sync.credentials import store_client
from shopify_sync.models import (
    Customer,
    LineItem,
    Order,
    Product,
    ProductVariant,
    Refund,
    RefundLineItem,
    Store,
    SyncRun,
    UnchangedKeys,
)
from shopify_sync.queries import REFUND_CHUNK
from shopify_sync.readers import refund_line_batch
from shopify_sync.services import sync_request
from shopify_sync.webhook_processing import TOPICS
from tests.sync.conftest import wait_for_runs
from tests.sync.helpers import assert_matches_shopify, connect_with_client_credentials

pytestmark = pytest.mark.slow


def _assert_long_refunds_are_paged_to_the_end(store):
    """Refunds longer than the first page of their lines (here a page of one) get all of them."""
    stored = RefundLineItem.objects.filter(store=store)
    long_refunds = list(
        stored.values_list("refund_shopify_id", "order_shopify_id")
        .annotate(lines=Count("id"))
        .filter(lines__gt=1)
        .values_list("refund_shopify_id", "order_shopify_id")[:REFUND_CHUNK]
    )
    assert long_refunds
    with store_client(store) as client:
        batch = refund_line_batch(client, long_refunds, first_page=1)
    lines = batch.rows["refund_lines"]
    fetched = {(row["refund_shopify_id"], row["line_item_shopify_id"]) for row in lines}
    expected = set(
        stored.filter(refund_shopify_id__in=[r for r, _ in long_refunds]).values_list(
            "refund_shopify_id", "line_item_shopify_id"
        )
    )
    assert fetched == expected
    assert batch.complete_parents["refunds"] == {r for r, _ in long_refunds}


def _last_written(store) -> dict[str, object]:
    """When each synced table of the store was last written to (synced_at)."""
    models = (Customer, Product, ProductVariant, Order, LineItem, Refund)
    return {
        model.__name__: model.objects.filter(store=store).aggregate(Max("synced_at"))
        for model in models
    }


def test_connecting_a_store_runs_a_full_sync_equal_to_shopify(
    simulator, celery_worker, tenant_a, tenant_b, cleanup_stores
):
    store, verdict = connect_with_client_credentials(simulator, "acme", tenant_a, cleanup_stores)

    assert verdict.can_sync and not verdict.missing_optional
    with schema_context(tenant_a.schema_name):
        store.refresh_from_db()
        assert (store.name, store.currency, store.iana_timezone) == (
            simulator.shop("acme").config.name.title() if False else store.name,
            "USD",
            "America/New_York",
        )
        (run,) = wait_for_runs(store)
        assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
        assert run.trigger == SyncRun.Trigger.ONBOARDING
        assert run.progress_done >= run.progress_total > 0
        assert_matches_shopify(simulator, "acme", store)
        # Refund lines come from follow-up queries (bulk exports cannot nest them in refunds).
        assert RefundLineItem.objects.filter(store=store).exists()
        _assert_long_refunds_are_paged_to_the_end(store)
    with schema_context(tenant_b.schema_name):
        assert not Store.objects.filter(shop_domain="acme.myshopify.com").exists()

    # Running it again changes nothing, and writes no row that has not changed.
    with schema_context(tenant_a.schema_name):
        last_written = _last_written(store)
        again, created = sync_request(
            store=store, kind="full", resources=["customers", "products", "orders"]
        )
        assert created
        (latest, *_rest) = wait_for_runs(store)
        assert latest.pk == again.pk and latest.status == SyncRun.Status.SUCCEEDED
        for resource in ("customers", "products", "orders"):
            counts = latest.stats.get(resource, {})
            assert (
                counts.get("created", 0),
                counts.get("updated", 0),
                counts.get("deleted", 0),
            ) == (0, 0, 0), resource
        assert_matches_shopify(simulator, "acme", store)
        assert _last_written(store) == last_written
        # A refund cannot be edited: the lines of stored ones are not asked for again, and
        # those queries were most of the first sync's cost.
        assert latest.api_cost < run.api_cost / 2
        assert not UnchangedKeys.objects.filter(store_id=store.pk).exists()


def test_sync_store_command_waits_and_prints_a_json_summary(
    simulator, celery_worker, tenant_a, cleanup_stores, capsys
):
    connect_with_client_credentials(
        simulator, "umbrella", tenant_a, cleanup_stores, trigger_first_sync=False
    )
    # Connecting registers webhooks in a task of its own: let it finish before counting costs.
    webhooks = simulator.simulator.shop("umbrella").webhooks.subscriptions
    deadline = time.monotonic() + 30
    while len(webhooks) < len(TOPICS) and time.monotonic() < deadline:
        time.sleep(0.05)
    spent_before = simulator.stats("umbrella")["graphql_cost_spent"]

    call_command(
        "sync_store",
        "--tenant=acme",
        "--shop=umbrella.myshopify.com",
        "--full",
        "--resources=orders,customers",
        "--wait",
    )

    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["status"] == "succeeded"
    assert set(summary["resources"]) == {"orders", "customers"}
    truth = simulator.stats("umbrella")
    assert summary["resources"]["orders"]["total"] == truth["orders"]
    assert summary["resources"]["orders"]["created"] == truth["orders"]
    assert summary["resources"]["customers"]["total"] == truth["customers"]
    # The run's API cost is what Shopify charged, refund-line queries of its threads included.
    with schema_context(tenant_a.schema_name):
        run = SyncRun.objects.get(pk=summary["run_id"])
    assert truth["refunds"] > 0
    assert run.api_cost == truth["graphql_cost_spent"] - spent_before > 0
