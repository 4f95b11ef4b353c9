"""Reading a store's records from Shopify: bulk exports for full syncs, pages for increments.

Readers never hold a whole store at once: a bulk export's JSONL is streamed in blocks of whole
lines for shopify_sync.bulk_load, and pages and refund lines become `Batch`es of rows for
shopify_sync.writer.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from shopify_sync import queries, records
from shopify_sync.client import ShopifyClient, ShopifyQueryError, ShopifyTransientError

logger = logging.getLogger(__name__)

BATCH_ROWS = 20000
BULK_POLL_SECONDS = (0.5, 1, 1, 2, 2, 3, 5)
BULK_ATTEMPTS = 3


@dataclass
class Batch:
    rows: dict[str, list[dict]] = field(default_factory=dict)
    # Parents whose complete set of children is in this batch (their stale children may go).
    complete_parents: dict[str, set[int]] = field(default_factory=dict)
    # Refund ids (with their order) whose lines still have to be fetched.
    refunds_without_lines: list[tuple[int, int]] = field(default_factory=list)
    # The highest updated_at seen: where an incremental sync may resume after this batch commits.
    max_updated_at: object = None
    objects_read: int = 0

    def add(self, table: str, row: dict) -> None:
        self.rows.setdefault(table, []).append(row)

    def size(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def absorb(self, other: Batch) -> None:
        """Takes `other`'s rows in (for batches of different parents, like refund lines)."""
        for table, rows in other.rows.items():
            self.rows.setdefault(table, []).extend(rows)
        for table, parents in other.complete_parents.items():
            self.complete_parents.setdefault(table, set()).update(parents)
        self.refunds_without_lines.extend(other.refunds_without_lines)
        self.max_updated_at = _max(self.max_updated_at, other.max_updated_at)
        self.objects_read += other.objects_read


def merged(batches: Iterable[Batch], max_rows: int = BATCH_ROWS) -> Iterator[Batch]:
    """Small batches (one refund-line query each) joined into fewer, larger ones, so that each
    commit carries enough rows to be worth its transaction."""
    current = Batch()
    for batch in batches:
        current.absorb(batch)
        if current.size() >= max_rows:
            yield current
            current = Batch()
    if current.size():
        yield current


class BulkOperationFailed(ShopifyTransientError):
    code = "bulk_failed"


def _bulk_start(client: ShopifyClient, query: str) -> str:
    for _ in range(60):
        data = client.execute(queries.BULK_RUN, {"query": query})["bulkOperationRunQuery"]
        errors = data.get("userErrors") or []
        if not errors:
            return data["bulkOperation"]["id"]
        if any(e.get("code") == "OPERATION_IN_PROGRESS" for e in errors) or any(
            "already in progress" in e.get("message", "") for e in errors
        ):
            # Another bulk query of this app runs on the shop (one at a time before 2026-01).
            time.sleep(2)
            continue
        raise ShopifyQueryError("; ".join(e.get("message", "") for e in errors))
    raise ShopifyTransientError("Shopify kept another bulk export running for too long.")


def _bulk_wait(client: ShopifyClient, operation_id: str) -> dict:
    polls = 0
    while True:
        operation = client.execute(queries.BULK_STATUS, {"id": operation_id})["bulkOperation"]
        status = operation["status"]
        if status == "COMPLETED":
            return operation
        if status in ("FAILED", "CANCELED", "EXPIRED"):
            raise BulkOperationFailed(
                f"Shopify's bulk export ended {status.lower()} "
                f"({operation.get('errorCode') or 'no reason given'})."
            )
        time.sleep(BULK_POLL_SECONDS[min(polls, len(BULK_POLL_SECONDS) - 1)])
        polls += 1


# A full sync's export reaches the database in blocks of this many bytes of whole lines (a few
# thousand orders), each written in one transaction (see shopify_sync.bulk_load).
BULK_BLOCK_BYTES = 8 << 20


def bulk_export_url(client: ShopifyClient, query: str) -> str | None:
    """Runs a bulk query to completion (retrying failed exports); returns its file's address,
    or None when it found nothing."""
    last_error: Exception | None = None
    for _attempt in range(BULK_ATTEMPTS):
        operation_id = _bulk_start(client, query)
        try:
            return _bulk_wait(client, operation_id).get("url")
        except BulkOperationFailed as error:
            logger.warning("bulk export failed, starting again", extra={"reason": str(error)})
            last_error = error
    raise last_error or BulkOperationFailed("Shopify's bulk export failed.")


def _max(a, b):
    return b if a is None or (b is not None and b > a) else a


# Refund-line queries spend their time waiting for Shopify's answer (100-300 ms away), so enough
# of them must be in flight. Shopify admits a query when the bucket holds its requested cost
# (~1,000 points here, ~50 actually charged): an Enterprise bucket admits about 20 at once, and
# on a smaller plan the threads take turns through the shared pacing. When answers come back
# fast, a few threads keep up, and more would only compete with the writer for the GIL.
REFUND_FETCHERS = 16
REFUND_FETCHERS_WHEN_FAST = 4
SLOW_ANSWER_SECONDS = 0.05


class _Concurrency:
    """How many fetches may run at once: a few while Shopify answers fast, all threads once an
    answer was slow."""

    def __init__(self) -> None:
        self.limit = REFUND_FETCHERS_WHEN_FAST
        self.running = 0
        self.changed = threading.Condition()

    def __enter__(self) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.running < self.limit)
            self.running += 1

    def __exit__(self, *exc) -> None:
        with self.changed:
            self.running -= 1
            self.changed.notify()

    def observe(self, seconds: float) -> None:
        if seconds > SLOW_ANSWER_SECONDS and self.limit < REFUND_FETCHERS:
            with self.changed:
                self.limit = REFUND_FETCHERS
                self.changed.notify_all()


def _refund_connection_nodes(client: ShopifyClient, refund: dict, connection: str) -> list[dict]:
    """Every node of one of a refund's connections: the first page came with `refund`."""
    first = refund.get(connection) or {}
    nodes = list(first.get("nodes") or [])
    info = first.get("pageInfo") or {}
    after = info.get("endCursor") if info.get("hasNextPage") else None
    query = queries.refund_connection_page(connection)
    while after:
        page = client.execute(query, {"id": refund["id"], "after": after})
        more = (page.get("node") or {}).get(connection) or {}
        nodes.extend(more.get("nodes") or [])
        info = more.get("pageInfo") or {}
        after = info.get("endCursor") if info.get("hasNextPage") else None
    return nodes


def refund_line_batch(
    client: ShopifyClient,
    part: list[tuple[int, int]],
    *,
    first_page: int = queries.REFUND_LINES_FIRST,
) -> Batch:
    """Lines and shipping of up to REFUND_CHUNK (refund id, order id) pairs, every page of them:
    a refund is complete (its stale lines may be pruned) only when all its lines are in the
    batch."""
    order_of = dict(part)
    ids = [f"gid://shopify/Refund/{refund_id}" for refund_id in order_of]
    data = client.execute(queries.REFUND_LINES_BY_ID, {"ids": ids, "first": first_page})
    batch = Batch()
    batch.complete_parents["refunds"] = set()
    for node in data.get("nodes") or []:
        if not node:
            continue
        refund_id = records.gid_to_id(node["id"])
        for line in _refund_connection_nodes(client, node, "refundLineItems"):
            batch.add("refund_lines", records.refund_line_row(line, refund_id, order_of[refund_id]))
        shipping = _refund_connection_nodes(client, node, "refundShippingLines")
        batch.add("refund_shipping", records.refund_shipping_row(shipping, refund_id))
        batch.complete_parents["refunds"].add(refund_id)
    return batch


class RefundLineFetcher:
    """Fetches the lines and shipping of refunds found by a bulk export (bulk queries cannot nest
    them in the `refunds` list) while the export is still being read.

    A few threads query Shopify, each with a client of its own sharing the store's bucket; the
    caller's thread collects finished batches and does all database writes."""

    def __init__(self, client_factory: Callable[[], ShopifyClient]):
        self._client_factory = client_factory
        self._local = threading.local()
        self._clients: list[ShopifyClient] = []
        self._pool = ThreadPoolExecutor(max_workers=REFUND_FETCHERS, thread_name_prefix="refunds")
        self._pending: list = []
        self._waiting: list[tuple[int, int]] = []
        self._concurrency = _Concurrency()

    def _fetch(self, part: list[tuple[int, int]]) -> Batch:
        with self._concurrency:
            if not hasattr(self._local, "client"):
                self._local.client = self._client_factory()
                self._clients.append(self._local.client)
            started = time.monotonic()
            batch = refund_line_batch(self._local.client, part)
            self._concurrency.observe(time.monotonic() - started)
            return batch

    def submit(self, refunds: list[tuple[int, int]]) -> None:
        self._waiting.extend(refunds)
        while len(self._waiting) >= queries.REFUND_CHUNK:
            chunk = queries.REFUND_CHUNK
            part, self._waiting = self._waiting[:chunk], self._waiting[chunk:]
            self._pending.append(self._pool.submit(self._fetch, part))

    def ready(self) -> Iterator[Batch]:
        """Batches fetched so far (raises what a fetch raised)."""
        done = [future for future in self._pending if future.done()]
        self._pending = [future for future in self._pending if not future.done()]
        for future in done:
            yield future.result()

    def finish(self) -> Iterator[Batch]:
        """Fetches what is left and yields every remaining batch, then releases the threads."""
        if self._waiting:
            self._pending.append(self._pool.submit(self._fetch, self._waiting))
            self._waiting = []
        try:
            for future in self._pending:
                yield future.result()
            self._pending = []
        finally:
            self.close()

    def close(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)
        for client in self._clients:
            client.close()


def refund_line_batches(
    client_factory: Callable[[], ShopifyClient], refunds: list[tuple[int, int]]
) -> Iterator[Batch]:
    """Lines of the given refunds (an incremental page's), fetched as RefundLineFetcher does."""
    fetcher = RefundLineFetcher(client_factory)
    fetcher.submit(refunds)
    yield from fetcher.finish()


_DONE = object()
T = TypeVar("T")


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Reads the next items (blocks of an export) in a thread while the caller writes the
    current one, so that the database never waits for the download. At most `depth` items wait,
    so memory stays bounded."""
    waiting: queue.Queue = queue.Queue(maxsize=depth)

    def produce():
        try:
            for item in items:
                waiting.put(item)
            waiting.put(_DONE)
        except Exception as error:  # noqa: BLE001 - handed to the consumer, raised there
            waiting.put(error)

    thread = threading.Thread(target=produce, daemon=True, name="bulk-reader")
    thread.start()
    while True:
        item = waiting.get()
        if item is _DONE:
            return
        if isinstance(item, Exception):
            raise item
        yield item


def _remaining_line_items(client: ShopifyClient, order_gid: str, after: str) -> list[dict]:
    nodes: list[dict] = []
    while after:
        page = client.execute(queries.ORDER_LINE_ITEMS_PAGE, {"id": order_gid, "after": after})
        connection = (page.get("order") or {}).get("lineItems") or {}
        nodes.extend(connection.get("nodes") or [])
        info = connection.get("pageInfo") or {}
        after = info.get("endCursor") if info.get("hasNextPage") else None
    return nodes


PAGE_QUERIES = {
    "customers": queries.PAGE_CUSTOMERS,
    "products": queries.PAGE_PRODUCTS,
    "orders": queries.PAGE_ORDERS,
}


def page_batches(client: ShopifyClient, resource: str, search: str) -> Iterator[Batch]:
    """Records updated since a cursor, page by page in updated_at order (one batch a page)."""
    after = None
    while True:
        data = client.execute(PAGE_QUERIES[resource], {"after": after, "filter": search})
        connection = data[resource]
        batch = Batch()
        for node in connection.get("nodes") or []:
            batch.objects_read += 1
            if resource == "customers":
                row = records.customer_row(node)
                batch.add("customers", row)
            elif resource == "products":
                row = records.product_row(node)
                batch.add("products", row)
                variants = node.get("variants") or {}
                for variant in variants.get("nodes") or []:
                    batch.add("variants", records.variant_row(variant, row["shopify_id"]))
                if not (variants.get("pageInfo") or {}).get("hasNextPage"):
                    batch.complete_parents.setdefault("products", set()).add(row["shopify_id"])
            else:
                row = _order_with_children(client, node, batch)
            batch.max_updated_at = _max(batch.max_updated_at, row["updated_at"])
        yield batch
        info = connection.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        after = info["endCursor"]


def _order_with_children(client: ShopifyClient, node: dict, batch: Batch) -> dict:
    line_connection = node.get("lineItems") or {}
    info = line_connection.get("pageInfo") or {}
    if info.get("hasNextPage"):
        line_connection = {
            "nodes": (line_connection.get("nodes") or [])
            + _remaining_line_items(client, node["id"], info.get("endCursor"))
        }
    rows = records.order_rows_from_page_node({**node, "lineItems": line_connection})
    order = rows["orders"][0]
    for table, table_rows in rows.items():
        for row in table_rows:
            batch.add(table, row)
    batch.complete_parents.setdefault("orders", set()).add(order["shopify_id"])
    for refund in rows["refunds"]:
        batch.refunds_without_lines.append((refund["shopify_id"], order["shopify_id"]))
    return order
