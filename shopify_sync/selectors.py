"""Reads of sync state for pages, API and commands."""

from __future__ import annotations

from shopify_sync.models import Customer, Order, Product, Store, SyncCursor, SyncRun

ACTIVE_STATUSES = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)


def store_record_totals(*, store: Store) -> dict[str, int]:
    """Records stored per resource, not counting soft-deleted ones."""
    return {
        name: model.objects.filter(store=store, deleted_at__isnull=True).count()
        for name, model in (("customers", Customer), ("products", Product), ("orders", Order))
    }


def store_data_health(*, store: Store) -> dict:
    """Freshness per resource, what the last reconciliation repaired, and webhook coverage."""
    cursors = {cursor.resource: cursor for cursor in SyncCursor.objects.filter(store=store)}
    from shopify_sync.webhook_processing import TOPICS

    return {
        "resources": {
            resource: {
                "last_success_at": cursors[resource].last_success_at
                if resource in cursors
                else None,
                "last_full_sync_at": (
                    cursors[resource].last_full_sync_at if resource in cursors else None
                ),
                "last_reconcile_at": (
                    cursors[resource].last_reconcile_at if resource in cursors else None
                ),
                "repaired_by_last_reconcile": (
                    cursors[resource].last_reconcile_repaired if resource in cursors else 0
                ),
            }
            for resource in ("customers", "products", "orders")
        },
        "webhooks_alive": sorted(set(store.webhook_topics) & set(TOPICS)),
        "webhooks_missing": sorted(set(TOPICS) - set(store.webhook_topics)),
        "webhooks_checked_at": store.webhooks_checked_at,
    }


def store_recent_runs(*, store: Store, limit: int = 10) -> list[SyncRun]:
    return list(SyncRun.objects.filter(store=store).order_by("-created_at")[:limit])


def store_active_run(*, store: Store) -> SyncRun | None:
    return SyncRun.objects.filter(store=store, status__in=ACTIVE_STATUSES).first()


def run_summary(*, run: SyncRun, totals: dict[str, int]) -> dict:
    """The one-line JSON summary `sync_store --wait` prints, and the API returns per run;
    `totals` are the store's record counts (store_record_totals), counted once per store."""
    return {
        "run_id": run.pk,
        "status": run.status,
        "kind": run.kind,
        "error": run.error_message or None,
        "resources": {
            resource: {
                "created": run.stats.get(resource, {}).get("created", 0),
                "updated": run.stats.get(resource, {}).get("updated", 0),
                "deleted": run.stats.get(resource, {}).get("deleted", 0),
                "total": totals[resource],
            }
            for resource in run.resources
        },
    }
