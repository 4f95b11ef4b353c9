"""Sync tests run the real client against the Shopify simulator, with a real Celery worker on the
real Redis broker, writing into real tenant schemas."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.test import override_settings
from django_tenants.utils import schema_context

from shopify_simulator.testing import run_simulator
from shopify_sync.models import Store, SyncRun
from tenants.models import ConnectedShop
from xeno.celery import app

# History ends at a fixed moment, so a seed always gives the same shops.
ANCHOR = 1_790_000_000  # 2026-09-21
SHOPS = [
    "acme:orders=400,customers=150,products=30,plan=enterprise,history_days=240",
    "globex:orders=250,customers=90,products=20,plan=enterprise,currency=EUR,"
    "timezone=Europe/Berlin,history_days=200",
    "initech:orders=200,customers=60,products=15,plan=enterprise,history_days=120",
    "umbrella:orders=150,customers=50,products=12,plan=enterprise,history_days=150",
    "hooli:orders=120,customers=40,products=10,plan=standard,history_days=100",
]


@pytest.fixture(scope="module")
def simulator():
    with run_simulator(SHOPS, seed=7, anchor=ANCHOR, webhook_retry_delay=0.2) as sim:
        with override_settings(SHOPIFY_API_BASE_URL=sim.base_url):
            yield sim


@pytest.fixture
def celery_worker(transactional_db):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15) as worker:
        yield worker


@pytest.fixture
def cleanup_stores():
    """Stores connected in a test are removed afterwards (with everything synced from them)."""
    created: list[tuple[str, str]] = []
    yield created
    for schema, domain in created:
        with schema_context(schema):
            Store.objects.filter(shop_domain=domain).delete()
        ConnectedShop.objects.filter(shop_domain=domain).delete()
    connection.set_schema_to_public()


def wait_for_runs(store: Store, timeout: float = 120) -> list[SyncRun]:
    """Waits until no run of the store is queued or running; returns its runs, newest first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = list(SyncRun.objects.filter(store=store).order_by("-created_at"))
        if runs and all(
            r.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED) for r in runs
        ):
            return runs
        time.sleep(0.2)
    raise AssertionError(f"sync runs of {store} did not finish: {[r.status for r in runs]}")
