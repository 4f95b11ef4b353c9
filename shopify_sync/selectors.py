"""Reads of sync state for pages, API and commands."""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from shopify_sync.models import (
    Customer,
    Order,
    Product,
    RefundLineItem,
    Store,
    SyncCursor,
    SyncRun,
)

ACTIVE_STATUSES = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)


RESOURCE_MODELS = (("customers", Customer), ("products", Product), ("orders", Order))


def refund_ids_with_lines(*, store_id: int, refund_ids: list[int]) -> set[int]:
    """Those of the refunds that have at least one line stored.

    A refund cannot be edited, so one whose lines are stored needs no second query to Shopify.
    One stored without lines may have lost them to a run that stopped, or be a refund of
    shipping only: its lines are asked for again."""
    if not refund_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT refund_shopify_id FROM {RefundLineItem._meta.db_table} "  # noqa: S608
            "WHERE store_id = %s AND refund_shopify_id = ANY(%s)",
            [store_id, list(refund_ids)],
        )
        return {refund_id for (refund_id,) in cursor.fetchall()}


def stores_record_totals(*, store_ids: list[int]) -> dict[int, dict[str, int]]:
    """Records stored per store and resource, not counting soft-deleted ones: one query."""
    totals = {store_id: {name: 0 for name, _model in RESOURCE_MODELS} for store_id in store_ids}
    if not store_ids:
        return totals
    counts = " UNION ALL ".join(
        f"SELECT %s, store_id, count(*) FROM {model._meta.db_table} "  # noqa: S608
        "WHERE store_id = ANY(%s) AND deleted_at IS NULL GROUP BY store_id"
        for _name, model in RESOURCE_MODELS
    )
    params = [value for name, _model in RESOURCE_MODELS for value in (name, list(store_ids))]
    with connection.cursor() as cursor:
        cursor.execute(counts, params)
        for name, store_id, count in cursor.fetchall():
            totals[store_id][name] = count
    return totals


def store_record_totals(*, store: Store) -> dict[str, int]:
    return stores_record_totals(store_ids=[store.pk])[store.pk]


def _data_health(store: Store, cursors: dict[str, SyncCursor]) -> dict:
    from shopify_sync.webhook_processing import TOPICS

    def field(resource: str, name: str, empty=None):
        cursor = cursors.get(resource)
        return getattr(cursor, name) if cursor is not None else empty

    return {
        "resources": {
            resource: {
                "last_success_at": field(resource, "last_success_at"),
                "last_full_sync_at": field(resource, "last_full_sync_at"),
                "last_reconcile_at": field(resource, "last_reconcile_at"),
                "repaired_by_last_reconcile": field(resource, "last_reconcile_repaired", 0),
            }
            for resource, _model in RESOURCE_MODELS
        },
        "webhooks_alive": sorted(set(store.webhook_topics) & set(TOPICS)),
        "webhooks_missing": sorted(set(TOPICS) - set(store.webhook_topics)),
        "webhooks_checked_at": store.webhooks_checked_at,
    }


def stores_data_health(*, stores: list[Store]) -> dict[int, dict]:
    """Per store: freshness per resource, what the last reconciliation repaired, and webhook
    coverage (one query)."""
    cursors: dict[int, dict[str, SyncCursor]] = {store.pk: {} for store in stores}
    for cursor in SyncCursor.objects.filter(store__in=stores):
        cursors[cursor.store_id][cursor.resource] = cursor
    return {store.pk: _data_health(store, cursors[store.pk]) for store in stores}


def stores_recent_runs(*, store_ids: list[int], limit: int = 10) -> dict[int, list[SyncRun]]:
    """Each store's last `limit` runs, newest first (one query)."""
    runs: dict[int, list[SyncRun]] = {store_id: [] for store_id in store_ids}
    ranked = (
        SyncRun.objects.filter(store_id__in=store_ids)
        .annotate(
            rank=Window(RowNumber(), partition_by=F("store_id"), order_by=F("created_at").desc())
        )
        .filter(rank__lte=limit)
        .order_by("store_id", "-created_at")
    )
    for run in ranked:
        runs[run.store_id].append(run)
    return runs


def stores_active_run(*, store_ids: list[int]) -> dict[int, SyncRun | None]:
    """The queued or running run of each store, if any (one query)."""
    active: dict[int, SyncRun | None] = dict.fromkeys(store_ids)
    runs = SyncRun.objects.filter(store_id__in=store_ids, status__in=ACTIVE_STATUSES)
    for run in runs.order_by("created_at"):
        active[run.store_id] = run  # the newest comes last and wins
    return active


def stores_sync_panels(*, stores: list[Store], runs_per_store: int = 8) -> list[dict]:
    """What the Sync page shows of each store, in four queries whatever the number of stores."""
    ids = [store.pk for store in stores]
    active = stores_active_run(store_ids=ids)
    runs = stores_recent_runs(store_ids=ids, limit=runs_per_store)
    health = stores_data_health(stores=stores)
    totals = stores_record_totals(store_ids=ids)
    return [
        {
            "store": store,
            "active_run": active[store.pk],
            "runs": runs[store.pk],
            "health": health[store.pk],
            "totals": totals[store.pk],
        }
        for store in stores
    ]


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
