"""A real Celery worker, on the real Redis broker, runs tenant tasks inside the right schema."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection, transaction
from django.utils import timezone as dj_timezone
from django_tenants.utils import schema_context

from shopify_sync.models import Store
from tenants.task_base import TenantTask, tenant_task_enqueue
from xeno.celery import app


@app.task(base=TenantTask, bind=True, name="tests.record_store_seen")
def record_store_seen(self, *, shop_domain: str) -> str:
    Store.objects.create(shop_domain=shop_domain, name=connection.schema_name)
    return connection.schema_name


@app.task(base=TenantTask, bind=True, name="tests.record_store_seen_on_retry")
def record_store_seen_on_retry(self, *, shop_domain: str) -> str:
    if not self.request.retries:
        raise self.retry(countdown=0.1)
    return record_store_seen(shop_domain=shop_domain, schema_name=connection.schema_name)


@pytest.fixture
def worker(transactional_db):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_a_task_writes_into_its_own_tenant_schema_only(worker, tenant_a, tenant_b):
    domain = "celery-check.myshopify.com"
    with schema_context(tenant_a.schema_name):
        Store.objects.filter(shop_domain=domain).delete()

    result = record_store_seen.apply_async(
        kwargs={"shop_domain": domain, "schema_name": tenant_a.schema_name}
    )

    assert result.get(timeout=30) == tenant_a.schema_name
    with schema_context(tenant_a.schema_name):
        assert Store.objects.get(shop_domain=domain).name == tenant_a.schema_name
        Store.objects.filter(shop_domain=domain).delete()
    with schema_context(tenant_b.schema_name):
        assert not Store.objects.filter(shop_domain=domain).exists()


def test_enqueue_waits_for_the_commit(worker, tenant_b):
    domain = "after-commit.myshopify.com"
    with transaction.atomic():
        tenant_task_enqueue(record_store_seen, tenant=tenant_b, shop_domain=domain)
        # Nothing is sent before the commit, so the worker cannot run ahead of the writer.
        assert (
            app.connection_for_write().default_channel.client.llen(app.conf.task_default_queue) == 0
        )

    with schema_context(tenant_b.schema_name):
        for _ in range(100):
            if Store.objects.filter(shop_domain=domain).exists():
                break
            time.sleep(0.1)
        assert Store.objects.filter(shop_domain=domain).exists()
        Store.objects.filter(shop_domain=domain).delete()


def test_a_paused_tenants_scheduled_sync_starts_no_run(worker, tenant_a):
    from shopify_sync.models import SyncRun
    from shopify_sync.tasks import scheduled_sync_task
    from tenants.models import Tenant

    with schema_context(tenant_a.schema_name):
        store = Store.objects.create(shop_domain="paused-check.myshopify.com", name="Paused")
    Tenant.objects.filter(pk=tenant_a.pk).update(paused_at=dj_timezone.now())
    try:
        result = scheduled_sync_task.apply_async(
            kwargs={
                "store_id": store.pk,
                "kind": "incremental",
                "resources": ["orders"],
                "schema_name": tenant_a.schema_name,
            }
        )
        assert result.get(timeout=30) is None
        with schema_context(tenant_a.schema_name):
            assert not SyncRun.objects.filter(store=store).exists()
    finally:
        Tenant.objects.filter(pk=tenant_a.pk).update(paused_at=None)
        with schema_context(tenant_a.schema_name):
            Store.objects.filter(pk=store.pk).delete()


def test_a_retried_task_runs_again_in_its_tenant(worker, tenant_a, tenant_b):
    domain = "retried.myshopify.com"

    result = record_store_seen_on_retry.apply_async(
        kwargs={"shop_domain": domain, "schema_name": tenant_b.schema_name}
    )

    assert result.get(timeout=30) == tenant_b.schema_name
    with schema_context(tenant_b.schema_name):
        assert Store.objects.filter(shop_domain=domain).exists()
        Store.objects.filter(shop_domain=domain).delete()
    with schema_context(tenant_a.schema_name):
        assert not Store.objects.filter(shop_domain=domain).exists()
