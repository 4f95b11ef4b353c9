"""A full sync loads the last 30 days first and lets other stores' recent months go before its
older orders; resumed, it ends exactly as an uninterrupted sync would."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from shopify_simulator.testing import run_simulator
from shopify_sync.models import Order, SyncRun
from shopify_sync.services import store_connect
from shopify_sync.sync_engine import run_execute
from tests.sync.helpers import assert_matches_shopify


@pytest.fixture
def recent_shop():
    with run_simulator(
        ["fresh:orders=400,customers=120,products=15,plan=enterprise"], seed=9
    ) as sim:
        with override_settings(SHOPIFY_API_BASE_URL=sim.base_url):
            yield sim


def test_a_paused_full_sync_shows_recent_orders_then_completes(recent_shop, tenant_a):
    info = recent_shop.info("fresh")
    with schema_context(tenant_a.schema_name):
        store, _ = store_connect(
            shop_domain=info.domain, access_token=info.token, trigger_first_sync=False
        )
        run = SyncRun.objects.create(
            store=store, kind="full", resources=["customers", "products", "orders"]
        )

        paused = run_execute(run_id=run.pk, pause_after_recent=True)

        assert paused.status == SyncRun.Status.QUEUED
        assert paused.checkpoint["paused"] and paused.checkpoint["orders_windows_done"] == 1
        month_ago = timezone.now() - timedelta(days=30)
        stored = Order.objects.filter(store=store)
        assert stored.exists() and not stored.filter(created_at__lt=month_ago).exists()

        finished = run_execute(run_id=run.pk, pause_after_recent=True)

        assert finished.status == SyncRun.Status.SUCCEEDED, finished.error_message
        assert finished.attempts == 1  # a pause is not a new attempt
        assert Order.objects.filter(store=store, created_at__lt=month_ago).exists()
        assert_matches_shopify(recent_shop, "fresh", store)
        assert finished.stats["orders"]["created"] == recent_shop.stats("fresh")["orders"]
