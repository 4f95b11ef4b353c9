"""Where ingestion tells analytics what changed, inside the transaction that changed it, so a
page never shows a half-applied sync."""

import threading

from django.db import connection, transaction
from django_tenants.utils import schema_context

from analytics.services import rollups_refresh
from shopify_sync.models import StaleRollups
from shopify_sync.writer import TABLES

# The columns a rollup rebuild filters, joins and groups the raw tables on.
_REBUILD_READS = {
    "orders": ("store_id", "shopify_id", "deleted_at", "test", "customer_shopify_id"),
    "line_items": ("store_id", "shopify_id", "order_shopify_id", "deleted_at"),
    "refunds": ("store_id", "shopify_id", "order_shopify_id", "deleted_at"),
    "refund_lines": ("store_id", "refund_shopify_id", "line_item_shopify_id"),
}


def orders_changed(*, store_id: int, order_ids: set[int]) -> None:
    if order_ids:
        rollups_refresh(store_id=store_id, order_shopify_ids=sorted(order_ids))


def store_rebuilt(*, store_id: int, before_refunds=None) -> None:
    # A bulk load has just written most of these tables: without fresh statistics the planner
    # picks nested loops over them and a rebuild of seconds takes minutes. Only the columns the
    # rebuild reads: all of an order's took 0.38 s of 100,000 orders' 3 s rebuild, these 0.07 s.
    # A partial ANALYZE leaves the change counter alone, so autovacuum still analyzes the rest.
    with connection.cursor() as cursor:
        for table, columns in _REBUILD_READS.items():
            cursor.execute(f"ANALYZE {TABLES[table].table} ({', '.join(columns)})")
    rollups_refresh(store_id=store_id, before_refunds=before_refunds)
    StaleRollups.objects.filter(store_id=store_id).delete()


def store_changed(*, store_id: int) -> None:
    """Records, in the calling transaction, that a full sync changed rows of the store that
    its final rebuild must bring into the rollups."""
    StaleRollups.objects.create(store_id=store_id)


def store_rebuild_needed(*, store_id: int) -> bool:
    return StaleRollups.objects.filter(store_id=store_id).exists()


class StoreRebuild:
    """A full sync's rollup rebuild, started on a connection of its own once every record is
    stored, while the sync's thread still fetches refund lines (Shopify answers slowly).

    It builds the order facts, then waits until `finish` says the last refund lines are in, and
    completes in the same transaction: pages see the old rollups until then, and the statements
    after the wait read every refund line (see analytics.services.rollups_refresh). Inside a
    transaction, whose rows another connection cannot see, or when `start` was not called,
    `finish` rebuilds on the caller's connection instead."""

    def __init__(self, *, store_id: int):
        self.store_id = store_id
        self._schema = connection.schema_name
        self._thread: threading.Thread | None = None
        self._refunds_in = threading.Event()
        self._error: BaseException | None = None

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if connection.in_atomic_block:
            return
        self._thread = threading.Thread(target=self._run, name="rollup-rebuild", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with schema_context(self._schema), transaction.atomic():
                store_rebuilt(store_id=self.store_id, before_refunds=self._refunds_in.wait)
        except BaseException as error:  # noqa: BLE001 - raised in the sync's thread by finish()
            self._error = error
        finally:
            connection.close()

    def finish(self) -> None:
        """Call once every refund line is committed: the rebuild completes (raising what it
        raised)."""
        if self._thread is None:
            store_rebuilt(store_id=self.store_id)
            return
        self.close()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Lets a started rebuild complete with what is committed, and waits for it."""
        self._refunds_in.set()
        if self._thread is not None:
            self._thread.join()
