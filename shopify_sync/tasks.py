"""Celery tasks of the sync: thin wrappers that take ids, run in the tenant's schema, and retry
only what is worth retrying (Shopify throttling/outages, a resource held by another run)."""

from __future__ import annotations

from celery.utils.log import get_task_logger
from django.db import connection

from shopify_sync.client import ShopifyTransientError
from shopify_sync.models import Store, SyncRun
from shopify_sync.sync_engine import ResourceBusy, run_execute, run_fail
from tenants.task_base import TenantTask
from xeno.celery import app

logger = get_task_logger(__name__)

# Two budgets, counted apart: waiting for another run of the same store and resource is normal
# (a long full sync), a Shopify outage is not. Each retry carries its own counts along.
RETRY_BACKOFF_SECONDS = (30, 120, 300, 900, 1800)
BUSY_RETRY_SECONDS = 15
BUSY_RETRIES = 40


@app.task(base=TenantTask, bind=True, name="shopify_sync.run", acks_late=True, max_retries=None)
def sync_run_task(self, *, run_id: int, outages: int = 0, busy: int = 0) -> str:
    try:
        run = run_execute(run_id=run_id, pause_after_recent=True)
    except ResourceBusy as error:
        if busy >= BUSY_RETRIES:
            minutes = round(BUSY_RETRIES * BUSY_RETRY_SECONDS / 60)
            message = f"Another sync of this store was still running after {minutes} minutes."
            run_fail(SyncRun.objects.get(pk=run_id), "busy", message)
            return SyncRun.Status.FAILED
        retry = {**self.request.kwargs, "busy": busy + 1}
        raise self.retry(countdown=BUSY_RETRY_SECONDS, exc=error, kwargs=retry) from error
    except ShopifyTransientError as error:
        if outages >= len(RETRY_BACKOFF_SECONDS):
            run_fail(
                SyncRun.objects.get(pk=run_id),
                error.code,
                f"Shopify kept failing; gave up after several tries: {error}",
            )
            return SyncRun.Status.FAILED
        retry = {**self.request.kwargs, "outages": outages + 1}
        countdown = RETRY_BACKOFF_SECONDS[outages]
        raise self.retry(countdown=countdown, exc=error, kwargs=retry) from error
    if run.status == SyncRun.Status.QUEUED and run.checkpoint.get("paused"):
        # Back of the queue: other stores' recent months go first.
        sync_run_task.apply_async(kwargs={"run_id": run_id, "schema_name": connection.schema_name})
    return run.status


@app.task(base=TenantTask, name="shopify_sync.scheduled")
def scheduled_sync_task(*, store_id: int, kind: str, resources: list[str]) -> int | None:
    """Beat's entry point: one periodic task per store and job, naming its tenant."""
    from shopify_sync.services import sync_request

    store = Store.objects.filter(pk=store_id, status=Store.Status.ACTIVE).first()
    if store is None or connection.tenant.is_paused:
        return None
    run, _created = sync_request(
        store=store, kind=kind, resources=resources, trigger=SyncRun.Trigger.SCHEDULE
    )
    return run.pk


@app.task(base=TenantTask, bind=True, name="shopify_sync.webhook", max_retries=5)
def webhook_process_task(self, *, event_id: int) -> None:
    from shopify_sync.webhook_processing import webhook_event_apply

    webhook_event_apply(event_id=event_id)


@app.task(base=TenantTask, bind=True, name="shopify_sync.register_webhooks", max_retries=5)
def webhooks_register_task(self, *, store_id: int) -> int:
    from shopify_sync.webhook_processing import store_webhooks_register

    try:
        return store_webhooks_register(store_id=store_id)
    except ShopifyTransientError as error:
        raise self.retry(countdown=60, exc=error) from error
