"""Executes a SyncRun: reads from Shopify, writes in batches, keeps cursors, counts, progress.

A run can be executed again after its worker died: every write is an idempotent upsert, the
incremental cursor only moves in the transaction that wrote the rows it covers, and a full sync
marks records deleted only after it has read everything. Each (store, resource) is held by one
run at a time through a PostgreSQL advisory lock, which the server releases if the worker dies.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from shopify_sync import bulk_load, queries, readers, rollup_hooks, selectors, writer
from shopify_sync.client import (
    ShopifyAccessDenied,
    ShopifyAuthError,
    ShopifyClient,
    ShopifyError,
    ShopifyTransientError,
)
from shopify_sync.credentials import store_access_token, store_client
from shopify_sync.models import Store, SyncCursor, SyncRun
from shopify_sync.records import PayloadError

logger = logging.getLogger(__name__)

RESOURCE_ORDER = ("products", "customers", "orders")
INCREMENTAL_OVERLAP = timedelta(minutes=5)
RECENT_WINDOW = timedelta(days=30)
ORDERS_WITHOUT_READ_ALL = timedelta(days=60)
TABLES_OF = writer.RESOURCE_TABLES


class ResourceBusy(Exception):
    """Another run holds this store's resource; the task retries shortly."""


class RunPaused(Exception):
    """A full sync stops after its recent-orders window and goes to the back of the queue, so
    that many stores syncing at once all get this month's data early."""


def _lock_key(store_id: int, resource: str) -> int:
    digest = hashlib.sha1(
        f"{connection.schema_name}:{store_id}:{resource}".encode(), usedforsecurity=False
    ).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def resource_locks(store_id: int, resources: list[str]):
    held: list[int] = []
    try:
        with connection.cursor() as cursor:
            for resource in resources:
                key = _lock_key(store_id, resource)
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                if not cursor.fetchone()[0]:
                    raise ResourceBusy(f"{resource} of store {store_id} is being synced already")
                held.append(key)
        yield
    finally:
        with connection.cursor() as cursor:
            for key in held:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class RunContext:
    def __init__(self, run: SyncRun, client: ShopifyClient, *, pause_after_recent: bool = False):
        self.run = run
        self.store = run.store
        self.client = client
        self.changed_orders: set[int] = set()
        self.pause_after_recent = pause_after_recent
        # The token the refund-fetching threads use (see _refund_client_factory).
        self.refund_token = ""
        self.counts: dict[str, int] | None = None  # Shopify's, asked once per run

    def checkpoint(self, **values) -> None:
        self.run.checkpoint.update(values)
        self.run.save(update_fields=["checkpoint"])

    def count(self, resource: str, key: str, amount: int) -> None:
        if amount:
            entry = self.run.stats.setdefault(resource, {})
            entry[key] = entry.get(key, 0) + amount

    def save_progress(self) -> None:
        self.run.api_cost = self.client.stats.api_cost
        self.run.throttle_wait_seconds = round(self.client.stats.throttle_wait_seconds, 3)
        self.run.save(
            update_fields=[
                "stats",
                "progress_done",
                "progress_total",
                "api_cost",
                "throttle_wait_seconds",
            ]
        )


def _resource_of(table: str) -> str:
    return next(resource for resource, tables in TABLES_OF.items() if table in tables)


def _count_written(ctx: RunContext, table: str, result: writer.UpsertResult) -> None:
    key_prefix = "" if table in ("products", "customers", "orders") else f"{table}_"
    ctx.count(_resource_of(table), f"{key_prefix}created", result.created)
    ctx.count(_resource_of(table), f"{key_prefix}updated", result.updated)


def write_batch(ctx: RunContext, batch: readers.Batch, *, seen_at) -> None:
    """One transaction: the batch's rows, its children pruning, rollups, progress and cursor."""
    store_id = ctx.store.pk
    applied: dict[str, set[int]] = {}
    changed_orders: set[int] = set()
    for table in ("products", "variants", "customers", "orders", "line_items", "refunds"):
        rows = batch.rows.get(table)
        if not rows:
            continue
        parent_table = {"variants": "products", "line_items": "orders", "refunds": "orders"}
        parent = parent_table.get(table)
        if parent in batch.complete_parents:
            # Children of a parent whose stored version is newer than this payload are stale too.
            parent_key = "product_shopify_id" if parent == "products" else "order_shopify_id"
            rows = [row for row in rows if row[parent_key] in applied.get(parent, set())]
        result = writer.rows_upsert(store_id=store_id, resource=table, rows=rows, seen_at=seen_at)
        applied[table] = result.applied_ids
        _count_written(ctx, table, result)
        if table == "orders":
            changed_orders |= result.changed_ids
        elif table in ("line_items", "refunds"):
            changed_orders |= {row["order_shopify_id"] for row in rows}
    for parent, child, column in (
        ("products", "variants", "product_shopify_id"),
        ("orders", "line_items", "order_shopify_id"),
        ("orders", "refunds", "order_shopify_id"),
    ):
        parents = batch.complete_parents.get(parent, set()) & applied.get(parent, set())
        if parents:
            keep = {row["shopify_id"] for row in batch.rows.get(child, [])}
            writer.children_prune(
                store_id=store_id,
                resource=child,
                parent_column=column,
                parent_ids=parents,
                keep_ids=keep,
            )
    lines = batch.rows.get("refund_lines")
    if lines:
        result = writer.rows_upsert(
            store_id=store_id, resource="refund_lines", rows=lines, seen_at=seen_at
        )
        ctx.count("orders", "refund_lines_created", result.created)
        changed_orders |= {row["order_shopify_id"] for row in lines}
        complete_refunds = batch.complete_parents.get("refunds", set())
        if complete_refunds:
            writer.children_prune(
                store_id=store_id,
                resource="refund_lines",
                parent_column="refund_shopify_id",
                parent_ids=complete_refunds,
                keep_ids={row["line_item_shopify_id"] for row in lines},
            )
    shipping = batch.rows.get("refund_shipping")
    if shipping:
        changed_orders |= writer.refunds_shipping_set(store_id=store_id, rows=shipping)
    ctx.changed_orders |= changed_orders


def _commit_batch(ctx: RunContext, batch: readers.Batch, *, seen_at, refresh_rollups: bool):
    with transaction.atomic():
        write_batch(ctx, batch, seen_at=seen_at)
        if refresh_rollups and ctx.changed_orders:
            rollup_hooks.orders_changed(store_id=ctx.store.pk, order_ids=ctx.changed_orders)
            ctx.changed_orders = set()
        ctx.run.progress_done += batch.objects_read
        ctx.save_progress()


def _orders_visible_since(store: Store):
    if "read_all_orders" in (store.granted_scopes or []):
        return None
    return timezone.now() - ORDERS_WITHOUT_READ_ALL + timedelta(hours=1)


def _refund_token_refresh(ctx: RunContext) -> None:
    """Renews the refund threads' token when it nears expiry. They have no database connection
    of ours, so the run's thread does it before handing them work: an export window can outlast
    an OAuth token's hour."""
    ctx.refund_token = store_access_token(store_id=ctx.store.pk)


def _refund_client_factory(ctx: RunContext):
    _refund_token_refresh(ctx)
    domain, bucket, stats = ctx.store.shop_domain, ctx.client.throttle, ctx.client.stats
    # The run's bucket and tally: its API cost and waits include what these clients spend.
    return lambda: ShopifyClient(domain, lambda: ctx.refund_token, throttle=bucket, stats=stats)


def _fetch_refund_lines(ctx: RunContext, refunds, *, seen_at, refresh_rollups: bool) -> None:
    if len(refunds) <= queries.REFUND_CHUNK:
        # An incremental page's few refunds: one query on the run's own client, rather than a
        # pool of threads with new connections for each page.
        fetched = [readers.refund_line_batch(ctx.client, refunds)]
    else:
        fetched = readers.refund_line_batches(_refund_client_factory(ctx), refunds)
    for batch in readers.merged(fetched):
        _commit_batch(ctx, batch, seen_at=seen_at, refresh_rollups=refresh_rollups)


def _refunds_to_fetch(ctx: RunContext, refunds: list[tuple[int, int]]):
    """An updated order's refunds whose lines are not stored yet: an order comes back with
    every refund it ever had, whatever changed on it."""
    stored = selectors.refund_ids_with_lines(
        store_id=ctx.store.pk, refund_ids=[refund_id for refund_id, _ in refunds]
    )
    return [refund for refund in refunds if refund[0] not in stored]


def full_sync_resource(ctx: RunContext, resource: str) -> None:
    """Reads the whole resource through bulk exports, then marks what was not seen deleted."""
    saved = ctx.run.checkpoint.get(f"{resource}_seen_at")
    seen_at = datetime.fromisoformat(saved) if saved else timezone.now()
    templates = {
        "customers": queries.BULK_CUSTOMERS,
        "products": queries.BULK_PRODUCTS,
        "orders": queries.BULK_ORDERS,
    }
    if resource == "orders":
        # Recent orders first: a new tenant sees this month before last year arrives.
        boundary = _iso(seen_at - RECENT_WINDOW)
        searches = [f"created_at:>='{boundary}'", f"created_at:<'{boundary}'"]
    else:
        searches = [""]
    ctx.checkpoint(**{f"{resource}_seen_at": seen_at.isoformat()})
    # What an earlier full sync remembered and did not clear (it failed or was abandoned).
    writer.unchanged_forget(
        store_id=ctx.store.pk, resources=TABLES_OF[resource], keep_seen_at=seen_at
    )
    windows_done = ctx.run.checkpoint.get(f"{resource}_windows_done", 0)
    rebuild = rollup_hooks.StoreRebuild(store_id=ctx.store.pk) if resource == "orders" else None
    first_full_sync = not SyncCursor.objects.filter(
        store=ctx.store, resource=resource, last_full_sync_at__isnull=False
    ).exists()
    deleted: int | None = None

    def records_written() -> None:
        # Every record is in (refund lines may still be coming): what was not seen is gone,
        # and the rollup rebuild starts while the last refund lines arrive.
        nonlocal deleted
        deleted = _mark_unseen_deleted(ctx, resource, seen_at)
        if rebuild is not None and rebuild_needed():
            rebuild.start()

    def rebuild_needed() -> bool:
        # A reconciling sync that found every order as stored leaves the rollups as they are.
        return first_full_sync or rollup_hooks.store_rebuild_needed(store_id=ctx.store.pk)

    try:
        for number, search in enumerate(searches):
            if number < windows_done:
                continue
            last = number == len(searches) - 1
            written = _export_window(
                ctx,
                resource,
                queries.bulk_query(templates[resource], search),
                seen_at=seen_at,
                records_written=records_written if last else None,
            )
            ctx.checkpoint(**{f"{resource}_windows_done": number + 1})
            if not last and first_full_sync:
                # The recent months are visible on the dashboard before older ones arrive. A
                # store synced before has its dashboard: the final rebuild updates it, and a
                # rebuild here would cost as much again.
                rollup_hooks.store_rebuilt(store_id=ctx.store.pk)
                if ctx.pause_after_recent and written:
                    raise RunPaused
        if deleted is None:  # resumed after its last window
            deleted = _mark_unseen_deleted(ctx, resource, seen_at)
        ctx.count(resource, "deleted", deleted)
        with transaction.atomic():
            if rebuild is not None and (rebuild.started or rebuild_needed()):
                rebuild.finish()
                ctx.changed_orders = set()  # the rebuild counted them
            elif ctx.changed_orders:
                rollup_hooks.orders_changed(store_id=ctx.store.pk, order_ids=ctx.changed_orders)
                ctx.changed_orders = set()
            _cursor_after_full_sync(ctx, resource, seen_at)
    finally:
        if rebuild is not None:
            rebuild.close()


def _cursor_after_full_sync(ctx: RunContext, resource: str, seen_at) -> None:
    cursor, _ = SyncCursor.objects.get_or_create(store=ctx.store, resource=resource)
    # Whatever changed after the export started is picked up by the next increment.
    moment = seen_at - INCREMENTAL_OVERLAP
    if cursor.updated_at_cursor is None or cursor.updated_at_cursor < moment:
        cursor.updated_at_cursor = moment
    cursor.last_full_sync_at = cursor.last_success_at = timezone.now()
    cursor.save()


def _export_window(
    ctx: RunContext, resource: str, query: str, *, seen_at, records_written=None
) -> int:
    """One bulk export written to the database block by block (refund lines fetched
    alongside); returns how many records it held. `records_written` is called once every block
    is stored, while refund lines may still be coming."""
    written = 0
    refund_lines = readers.RefundLineFetcher(_refund_client_factory(ctx))
    writers = bulk_load.ParallelBlockWriter(
        resource=resource, store_id=ctx.store.pk, seen_at=seen_at
    )

    def stored(blocks) -> None:
        nonlocal written
        blocks = list(blocks)
        if not blocks:
            return
        for staged in blocks:
            for table, result in staged.written.items():
                _count_written(ctx, table, result)
            ctx.run.progress_done += staged.records
            written += staged.records
            refund_lines.submit(staged.refunds)
        ctx.save_progress()

    try:
        url = readers.bulk_export_url(ctx.client, query)
        blocks = ctx.client.stream_blocks(url, readers.BULK_BLOCK_BYTES) if url else iter(())
        for block in readers.prefetched(blocks):
            _refund_token_refresh(ctx)
            writers.submit(block)
            stored(writers.ready())
            for lines in readers.merged(refund_lines.ready()):
                _commit_batch(ctx, lines, seen_at=seen_at, refresh_rollups=False)
        stored(writers.finish())
        if records_written is not None:
            records_written()
        for lines in readers.merged(refund_lines.finish()):
            _commit_batch(ctx, lines, seen_at=seen_at, refresh_rollups=False)
    finally:
        writers.close()
        refund_lines.close()
    return written


def _mark_unseen_deleted(ctx: RunContext, resource: str, seen_at) -> int:
    """Marks what the run did not see deleted, once: a resumed run that writes its last window
    again does not see the rows that earlier windows found unchanged, whose records are cleared
    here."""
    done = f"{resource}_deleted"
    if done in ctx.run.checkpoint:
        return ctx.run.checkpoint[done]
    # Orders this token can no longer see (older than 60 days without read_all_orders) are
    # not gone from Shopify, so they are not marked deleted.
    visible_since = _orders_visible_since(ctx.store) if resource == "orders" else None
    deleted = 0
    with transaction.atomic():
        any_deleted = False
        for table in TABLES_OF[resource]:
            count = writer.unseen_mark_deleted(
                store_id=ctx.store.pk,
                resource=table,
                seen_since=seen_at,
                deleted_at=timezone.now(),
                orders_created_since=visible_since,
            )
            if table == resource:
                deleted += count
            any_deleted = any_deleted or count > 0
        if any_deleted and resource == "orders":
            rollup_hooks.store_changed(store_id=ctx.store.pk)
        writer.unchanged_forget(store_id=ctx.store.pk, resources=TABLES_OF[resource])
        ctx.checkpoint(**{done: deleted})
    return deleted


def incremental_sync_resource(ctx: RunContext, resource: str) -> None:
    cursor, _ = SyncCursor.objects.get_or_create(store=ctx.store, resource=resource)
    if cursor.updated_at_cursor is None:
        full_sync_resource(ctx, resource)
        return
    since = cursor.updated_at_cursor - INCREMENTAL_OVERLAP
    search = f"updated_at:>='{_iso(since)}'"
    for batch in readers.page_batches(ctx.client, resource, search):
        seen_at = timezone.now()
        with transaction.atomic():
            _commit_batch(ctx, batch, seen_at=seen_at, refresh_rollups=False)
            refunds = _refunds_to_fetch(ctx, batch.refunds_without_lines)
            if refunds:
                _fetch_refund_lines(ctx, refunds, seen_at=seen_at, refresh_rollups=False)
            if ctx.changed_orders:
                rollup_hooks.orders_changed(store_id=ctx.store.pk, order_ids=ctx.changed_orders)
                ctx.changed_orders = set()
            if batch.max_updated_at is not None and (
                cursor.updated_at_cursor is None or batch.max_updated_at > cursor.updated_at_cursor
            ):
                cursor.updated_at_cursor = batch.max_updated_at
                cursor.save(update_fields=["updated_at_cursor"])
    cursor.last_success_at = timezone.now()
    cursor.save(update_fields=["last_success_at"])


COUNT_FIELDS = {"orders": "ordersCount", "customers": "customersCount", "products": "productsCount"}


def shopify_counts(ctx: RunContext) -> dict[str, int]:
    """How many records Shopify has per resource (what this token may see of orders), as at the
    run's first question: one query gives all three."""
    if ctx.counts is None:
        visible_since = _orders_visible_since(ctx.store)
        search = f"created_at:>='{_iso(visible_since)}'" if visible_since else None
        data = ctx.client.execute(queries.COUNTS, {"orders": search})
        ctx.counts = {
            resource: int((data.get(field) or {}).get("count") or 0)
            for resource, field in COUNT_FIELDS.items()
        }
    return ctx.counts


def reconcile_resource(ctx: RunContext, resource: str) -> None:
    """Compares counts with Shopify, then repairs with a full sync and records what it fixed."""
    visible_since = _orders_visible_since(ctx.store) if resource == "orders" else None
    remote = shopify_counts(ctx)[resource]
    model = writer.TABLES[resource].model
    local_rows = model.objects.filter(store=ctx.store, deleted_at__isnull=True)
    if visible_since is not None:
        local_rows = local_rows.filter(created_at__gte=visible_since)
    local = local_rows.count()
    before = dict(ctx.run.stats.get(resource, {}))
    full_sync_resource(ctx, resource)
    after = ctx.run.stats.get(resource, {})
    repaired = sum(after.get(k, 0) - before.get(k, 0) for k in ("created", "updated", "deleted"))
    ctx.run.stats.setdefault("reconciliation", {})[resource] = {
        "shopify_count": remote,
        "xeno_count_before": local,
        "repaired": repaired,
    }
    SyncCursor.objects.filter(store=ctx.store, resource=resource).update(
        last_reconcile_at=timezone.now(), last_reconcile_repaired=repaired
    )


def run_fail(run: SyncRun, code: str, message: str) -> None:
    run.status = SyncRun.Status.FAILED
    run.error_code, run.error_message = code, message
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error_code", "error_message", "finished_at"])


def _store_details_refresh(ctx: RunContext) -> None:
    """A merchant may rename the store, change its timezone or grant more scopes in Shopify. A
    new timezone moves orders to other local days: the rollups are rebuilt in it."""
    from shopify_sync.services import store_details_update

    info = ctx.client.execute(queries.SHOP)
    with transaction.atomic():
        if store_details_update(store=ctx.store, info=info):
            rollup_hooks.store_rebuilt(store_id=ctx.store.pk)


def run_execute(*, run_id: int, pause_after_recent: bool = False) -> SyncRun:
    """Executes the run (again, if a worker died during it), resuming at its checkpoint.
    Returns it in its final state, or queued again when it paused after its recent orders
    (`pause_after_recent`, for the task to requeue it).

    Raises ShopifyTransientError / ResourceBusy for the task to retry later; every other
    failure ends the run as failed with a reason a merchant can read."""
    run = SyncRun.objects.select_related("store").get(pk=run_id)
    if run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED):
        return run
    store = run.store
    if store.status != Store.Status.ACTIVE:
        state = store.get_status_display().lower()
        run_fail(run, f"store_{store.status}", f"The store is {state}.")
        return run
    resources = [r for r in RESOURCE_ORDER if r in run.resources]
    with resource_locks(store.pk, resources):
        resuming = bool(run.checkpoint)
        run.status = SyncRun.Status.RUNNING
        run.started_at = run.started_at or timezone.now()
        # A paused run going on is the same attempt; a run a dead worker left is a new one.
        if not run.checkpoint.pop("paused", False):
            run.attempts += 1
        run.save(update_fields=["status", "started_at", "attempts", "checkpoint"])
        try:
            with store_client(store) as client:
                ctx = RunContext(run, client, pause_after_recent=pause_after_recent)
                if run.kind != SyncRun.Kind.INCREMENTAL and not resuming:
                    _store_details_refresh(ctx)
                    counts = shopify_counts(ctx)
                    run.progress_done = 0
                    run.progress_total = sum(counts[r] for r in resources)
                    ctx.save_progress()
                for resource in resources:
                    if resource in run.checkpoint.get("completed", []):
                        continue
                    if run.kind == SyncRun.Kind.FULL:
                        full_sync_resource(ctx, resource)
                    elif run.kind == SyncRun.Kind.RECONCILE:
                        reconcile_resource(ctx, resource)
                    else:
                        incremental_sync_resource(ctx, resource)
                    ctx.checkpoint(completed=[*run.checkpoint.get("completed", []), resource])
                ctx.save_progress()
        except RunPaused:
            ctx.save_progress()
            run.status = SyncRun.Status.QUEUED
            run.checkpoint["paused"] = True
            run.save(update_fields=["status", "checkpoint"])
            return run
        except ShopifyAuthError as error:
            from shopify_sync.services import store_mark_status

            store_mark_status(store=store, status=Store.Status.NEEDS_RECONNECT, reason=str(error))
            run_fail(run, error.code, f"{error} Reconnect the store from Settings.")
            return run
        except ShopifyAccessDenied as error:
            run_fail(run, error.code, f"The app lacks a permission Xeno needs: {error}")
            return run
        except ShopifyTransientError:
            run.status = SyncRun.Status.QUEUED
            run.save(update_fields=["status"])
            raise
        except ShopifyError as error:
            run_fail(run, error.code, str(error))
            return run
        except PayloadError as error:
            run_fail(run, "bad_payload", f"Shopify sent a record Xeno cannot read: {error}.")
            return run
    run.status, run.finished_at = SyncRun.Status.SUCCEEDED, timezone.now()
    run.save(update_fields=["status", "finished_at"])
    logger.info("sync run finished", extra={"run": run.pk, "store": store.shop_domain})
    return run
