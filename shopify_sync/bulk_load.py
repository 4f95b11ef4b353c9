"""A bulk export's JSONL turned into rows inside PostgreSQL.

A full sync's lines go to the database as they arrive, unparsed: one COPY of raw lines into a
temporary table, then one `INSERT ... SELECT` per table fills the writer's staging tables
(shopify_sync.writer) with typed rows. PostgreSQL parses JSON and converts money, ids and dates in
C; the same work in Python held the GIL for most of a sync (about 6 s of a 100,000-order store).

The expressions below are the SQL twins of shopify_sync.records' GraphQL functions, which still
shape paged and webhook payloads. tests/sync/test_bulk_load.py holds both to the same rows.
Children are tied to their parent by `__parentId`, so lines may come in any order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import psycopg.errors
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django_tenants.utils import schema_context

from shopify_sync import rollup_hooks
from shopify_sync.client import ShopifyError
from shopify_sync.selectors import refund_ids_with_lines
from shopify_sync.writer import (
    RESOURCE_TABLES,
    TABLES,
    UpsertResult,
    stage_name,
    stage_prepare,
    staged_write,
)

RAW_STAGE = "stage_bulk_lines"


class ShopifyPayloadError(ShopifyError):
    """Shopify sent a record Xeno cannot read (a missing id, a malformed date or amount)."""

    code = "bad_payload"


def _id(path: str, source: str = "line") -> str:
    """`gid://shopify/Order/123` at `path` → 123 (None for a missing or empty id)."""
    value = f"{source} #>> '{{{path}}}'"
    return f"NULLIF(split_part(split_part({value}, '/', -1), '?', 1), '')::bigint"


def _text(key: str, source: str = "line") -> str:
    return f"coalesce({source} ->> '{key}', '')"


def _when(key: str, source: str = "line") -> str:
    return f"NULLIF({source} ->> '{key}', '')::timestamptz"


def _int(key: str) -> str:
    return f"coalesce(NULLIF(line ->> '{key}', '')::numeric::integer, 0)"


def _enum(key: str) -> str:
    return f"lower({_text(key)})"


def _money(key: str, source: str = "line") -> str:
    """A MoneyBag's shop amount, a MoneyV2's amount, or a plain Money scalar; 0 when missing.

    `key` may be a path (`taxLines,0,priceSet`). The MoneyBag, by far the most common, is read in
    one walk of the path, without first taking out a copy of the bag: a quarter less time."""
    bag = f"{source} #> '{{{key}}}'"
    other = (
        f"CASE jsonb_typeof({bag}) WHEN 'object' THEN {source} #>> '{{{key},amount}}' "
        f"ELSE {source} #>> '{{{key}}}' END"
    )
    amount = f"coalesce({source} #>> '{{{key},shopMoney,amount}}', {other})"
    return f"coalesce(NULLIF({amount}, '')::numeric, 0)"


def _tags(key: str = "tags") -> str:
    """A list of tags joined by ", ", as Shopify's REST payloads give them.

    A list of plain strings is joined in its JSON text: with no backslash in it, every quote
    delimits a string, so removing the `", "` between elements leaves no quote exactly when all
    elements are strings. Anything else (escapes, other kinds of element) takes the general
    path, a subquery per row: 0.11 s per 100,000 orders, against 0.07 s."""
    text = f"(line -> '{key}')::text"
    inner = f"substr({text}, 3, length({text}) - 4)"
    general = f"array_to_string(ARRAY(SELECT jsonb_array_elements_text(line -> '{key}')), ', ')"
    return (
        f"CASE jsonb_typeof(line -> '{key}') "
        f"WHEN 'array' THEN CASE WHEN {text} = '[]' THEN '' "
        f"WHEN {text} LIKE '[\"%\"]' AND strpos({text}, '\\') = 0 "
        f"AND strpos(replace({inner}, '\", \"', ''), '\"') = 0 "
        f"THEN replace({inner}, '\", \"', ', ') ELSE {general} END "
        f"ELSE {_text(key)} END"
    )


def _list(key: str, source: str = "line") -> str:
    """The JSON list at `key`, or no elements when it is missing or null."""
    return f"CASE jsonb_typeof({source} -> '{key}') WHEN 'array' THEN {source} -> '{key}' END"


def _country(*addresses: str) -> str:
    """The first non-empty address object's country, as records.order_row picks it."""
    whens = " ".join(
        f"WHEN jsonb_typeof(line -> '{a}') = 'object' AND line -> '{a}' <> '{{}}'::jsonb "
        f"THEN coalesce(line #>> '{{{a},countryCodeV2}}', '')"
        for a in addresses
    )
    return f"CASE {whens} ELSE '' END"


PARENT = "line ? '__parentId'"
ROOT = f"NOT ({PARENT})"

_PROCESSED = f"coalesce({_when('processedAt')}, {_when('createdAt')})"
_TAX_LINES = f"jsonb_array_elements({_list('taxLines')}) AS t"
_TAX_SUM = f"coalesce((SELECT sum({_money('priceSet', 't')}) FROM {_TAX_LINES}), 0)"  # noqa: S608
# Most line items have one tax line or none: read straight, without a subquery per line
# (0.34 s per 211,000 line items, against 0.15 s).
_LINE_TAX = (
    f"CASE coalesce(jsonb_array_length({_list('taxLines')}), 0) WHEN 0 THEN 0 "
    f"WHEN 1 THEN {_money('taxLines,0,priceSet')} ELSE {_TAX_SUM} END"
)
_REFUND_CREATED = f"coalesce({_when('createdAt', 'r')}, {_when('updatedAt', 'r')})"

# Per staging table: where its rows come from, and each column's expression.
TRANSFORMS: dict[str, tuple[str, dict[str, str]]] = {
    "customers": (
        f"FROM {RAW_STAGE} WHERE {ROOT}",
        {
            "shopify_id": _id("id"),
            "updated_at": _when("updatedAt"),
            "email": _text("email"),
            "first_name": _text("firstName"),
            "last_name": _text("lastName"),
            "phone": _text("phone"),
            "state": _enum("state"),
            "tags": _tags(),
            "country_code": "coalesce(line #>> '{defaultAddress,countryCodeV2}', '')",
            "city": "coalesce(line #>> '{defaultAddress,city}', '')",
            "number_of_orders": _int("numberOfOrders"),
            "amount_spent": _money("amountSpent"),
            "created_at": _when("createdAt"),
        },
    ),
    "products": (
        f"FROM {RAW_STAGE} WHERE {ROOT}",
        {
            "shopify_id": _id("id"),
            "updated_at": _when("updatedAt"),
            "title": _text("title"),
            "handle": _text("handle"),
            "vendor": _text("vendor"),
            "product_type": _text("productType"),
            "status": _enum("status"),
            "tags": _tags(),
            "total_inventory": _int("totalInventory"),
            "created_at": _when("createdAt"),
        },
    ),
    "variants": (
        f"FROM {RAW_STAGE} WHERE {PARENT}",
        {
            "shopify_id": _id("id"),
            "updated_at": _when("updatedAt"),
            "product_shopify_id": _id("__parentId"),
            "title": _text("title"),
            "sku": _text("sku"),
            "price": _money("price"),
            "compare_at_price": (
                f"CASE WHEN NULLIF(line ->> 'compareAtPrice', '') IS NOT NULL "
                f"THEN {_money('compareAtPrice')} END"
            ),
            "inventory_quantity": _int("inventoryQuantity"),
        },
    ),
    "orders": (
        f"FROM {RAW_STAGE} WHERE {ROOT}",
        {
            "shopify_id": _id("id"),
            "updated_at": _when("updatedAt"),
            "name": _text("name"),
            "email": _text("email"),
            "customer_shopify_id": _id("customer,id"),
            "created_at": f"coalesce({_when('createdAt')}, {_PROCESSED})",
            "processed_at": _PROCESSED,
            "cancelled_at": _when("cancelledAt"),
            "closed_at": _when("closedAt"),
            "test": "coalesce((line ->> 'test')::boolean, false)",
            "financial_status": _enum("displayFinancialStatus"),
            "fulfillment_status": _enum("displayFulfillmentStatus"),
            "currency": _text("currencyCode"),
            "subtotal_price": _money("subtotalPriceSet"),
            "total_price": _money("totalPriceSet"),
            "total_discounts": _money("totalDiscountsSet"),
            "total_shipping": _money("totalShippingPriceSet"),
            "total_tax": _money("totalTaxSet"),
            "total_refunded": _money("totalRefundedSet"),
            "country_code": _country("shippingAddress", "billingAddress"),
            "source_name": _text("sourceName"),
            "tags": _tags(),
        },
    ),
    # Line items carry no updatedAt of their own (the order's comes with the order).
    "line_items": (
        f"FROM {RAW_STAGE} WHERE {PARENT}",
        {
            "shopify_id": _id("id"),
            "updated_at": "NULL",
            "order_shopify_id": _id("__parentId"),
            "product_shopify_id": _id("product,id"),
            "variant_shopify_id": _id("variant,id"),
            "title": _text("title"),
            "sku": _text("sku"),
            "vendor": _text("vendor"),
            "quantity": _int("quantity"),
            "current_quantity": "NULLIF(line ->> 'currentQuantity', '')::numeric::integer",
            "original_unit_price": _money("originalUnitPriceSet"),
            "total_discount": _money("totalDiscountSet"),
            "total_tax": _LINE_TAX,
        },
    ),
    # `refunds` is a plain list inside its order's line; its lines are fetched separately.
    "refunds": (
        # Most orders have no refund: they are left out before the list is unnested.
        f"FROM {RAW_STAGE}, jsonb_array_elements({_list('refunds')}) AS r "
        f"WHERE {ROOT} AND jsonb_typeof(line -> 'refunds') = 'array' "
        "AND line -> 'refunds' <> '[]'::jsonb",
        {
            "shopify_id": _id("id", "r"),
            "updated_at": f"coalesce({_when('updatedAt', 'r')}, {_REFUND_CREATED})",
            "order_shopify_id": _id("id"),
            "created_at": _REFUND_CREATED,
            "note": _text("note", "r"),
            "total_refunded": _money("totalRefundedSet", "r"),
            "shipping_refunded": "NULL",
            "shipping_tax_refunded": "NULL",
        },
    ),
}

# What an export of each resource holds (refund lines come from queries of their own).
TABLES_OF_EXPORT = {
    resource: tuple(table for table in tables if table in TRANSFORMS)
    for resource, tables in RESOURCE_TABLES.items()
}


@dataclass
class StagedBlock:
    """What one block of an export put in the staging tables."""

    tables: tuple[str, ...]
    records: int = 0  # customers, products or orders: what progress counts
    # (refund id, order id) of the block's refunds whose lines must be fetched, by other queries.
    refunds: list[tuple[int, int]] = field(default_factory=list)
    # What block_write stored, per table.
    written: dict[str, UpsertResult] = field(default_factory=dict)


def _raw_stage_prepare(cursor) -> None:
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {RAW_STAGE} (line jsonb)")
    cursor.execute(f"TRUNCATE {RAW_STAGE}")


def _transform_sql(table: str, stage: str) -> str:
    source, expressions = TRANSFORMS[table]
    spec = TABLES[table]
    columns = ", ".join(spec.columns)
    values = ", ".join(expressions[column] for column in spec.columns)
    return f"INSERT INTO {stage} ({columns}) SELECT {values} {source}"


_SQL_CACHE: dict[str, str] = {}


def block_stage(*, resource: str, block: bytes) -> StagedBlock:
    """Stages one block of whole JSONL lines of a `resource` export for shopify_sync.writer's
    `staged_write`. Run it in the transaction that writes the block."""
    tables = TABLES_OF_EXPORT[resource]
    staged = StagedBlock(tables=tables)
    with connection.cursor() as cursor:
        # The raw table is never analyzed: the planner guessed 186,000 orders in a block of
        # 4,500 and compiled the orders statement with JIT, 30 ms per block for a statement
        # that takes 40 ms without it.
        cursor.execute("SET LOCAL jit = off")
        _raw_stage_prepare(cursor)
        # CSV with delimiter and quote characters that JSON text never holds unescaped: each
        # line arrives whole in `line`, with no escapes interpreted.
        copy_sql = (
            f"COPY {RAW_STAGE} (line) FROM STDIN "
            "WITH (FORMAT csv, DELIMITER e'\\x01', QUOTE e'\\x02')"
        )
        try:
            with cursor.cursor.copy(copy_sql) as copy:
                copy.write(block)
            for table in tables:
                stage = stage_prepare(cursor, TABLES[table])
                sql = _SQL_CACHE.get(table) or _SQL_CACHE.setdefault(
                    table, _transform_sql(table, stage)
                )
                cursor.execute(sql)
        # Unreadable JSON, a malformed id, date or amount, a record without its id: the COPY
        # raises psycopg's errors, the statements Django's wrappers of them.
        except (DataError, IntegrityError, psycopg.DataError) as error:
            raise _payload_error(resource, error) from error
        root = stage_name(TABLES[tables[0]])
        cursor.execute(f"SELECT count(*) FROM {root}")  # noqa: S608
        (staged.records,) = cursor.fetchone()
        if resource == "orders":
            refunds = stage_name(TABLES["refunds"])
            cursor.execute(f"SELECT shopify_id, order_shopify_id FROM {refunds}")  # noqa: S608
            staged.refunds = cursor.fetchall()
    return staged


# What a record lacks, in Shopify's words, when a required column of its row stays empty.
_REQUIRED_FIELDS = {
    "shopify_id": "'id'",
    "updated_at": "'updatedAt'",
    "processed_at": "'processedAt' or 'createdAt'",
    "refund_shopify_id": "'id'",
}
_RECORD_NOUNS = {
    "customers": "a customer",
    "products": "a product",
    "variants": "a product variant",
    "orders": "an order",
    "line_items": "a line item",
    "refunds": "a refund",
}


def _payload_error(resource: str, error: Exception) -> ShopifyPayloadError:
    cause = error.__cause__ if isinstance(error, DataError | IntegrityError) else error
    diag = getattr(cause, "diag", None)
    if isinstance(cause, psycopg.errors.NotNullViolation) and diag is not None:
        table = next((t for t, s in TABLES.items() if stage_name(s) == diag.table_name), None)
        field = _REQUIRED_FIELDS.get(diag.column_name or "")
        if table and field:
            return ShopifyPayloadError(
                f"Shopify's {resource} export held {_RECORD_NOUNS[table]} without {field}."
            )
    detail = (diag.message_primary if diag is not None else None) or str(error)
    return ShopifyPayloadError(
        f"Shopify's {resource} export held a record Xeno cannot read: {detail}."
    )


def block_write(*, resource: str, block: bytes, store_id: int, seen_at: datetime) -> StagedBlock:
    """Stages and stores one block in one transaction of the calling thread's connection."""
    with transaction.atomic():
        staged = block_stage(resource=resource, block=block)
        for table in staged.tables:
            staged.written[table] = staged_write(
                store_id=store_id,
                resource=table,
                seen_at=seen_at,
                with_ids=False,
                remember_unchanged=True,
            )
        if staged.refunds:
            staged.refunds = _refunds_needing_lines(store_id=store_id, refunds=staged.refunds)
        if resource == "orders" and (staged.refunds or _rows_written(staged.tables)):
            rollup_hooks.store_changed(store_id=store_id)
    return staged


def _rows_written(tables: tuple[str, ...]) -> bool:
    """Whether the block's write stored any row: it leaves in the staging tables the rows it
    wrote, having taken out those exactly as stored. (Its counts of updated rows count only
    rows with a newer `updatedAt`, and line items have none.)"""
    exists = " OR ".join(
        f"EXISTS (SELECT 1 FROM {stage_name(TABLES[table])})"  # noqa: S608
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {exists}")
        return cursor.fetchone()[0]


def _refunds_needing_lines(*, store_id: int, refunds: list[tuple[int, int]]):
    """The block's refunds whose lines and shipping must be fetched: those just written, which
    the write left in the staging table (it takes unchanged rows out), and unchanged ones
    without a line stored (see selectors.refund_ids_with_lines). Without this, the daily
    reconciling sync would query Shopify again for every refund the store ever made."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT shopify_id FROM {stage_name(TABLES['refunds'])}")  # noqa: S608
        written = {refund_id for (refund_id,) in cursor.fetchall()}
    unchanged = [refund_id for refund_id, _ in refunds if refund_id not in written]
    with_lines = refund_ids_with_lines(store_id=store_id, refund_ids=unchanged)
    return [refund for refund in refunds if refund[0] not in with_lines]


# Blocks written at once, each by a thread with a database connection of its own. Parsing and
# converting a block is PostgreSQL's work, so two connections keep both of this machine's cores
# busy while the sync's own thread downloads and fetches refund lines.
WRITERS = 2
_STOP = object()


class ParallelBlockWriter:
    """Writes the blocks of one export on WRITERS connections of their own, in the current
    tenant's schema; finished blocks come back through `ready` and `finish`.

    Blocks are independent (children find their parent by id, not by order), so they may
    commit in any order. At most two blocks per writer wait, so memory stays bounded.

    An export of one block (a small store's, an increment's window) is written on the caller's
    connection when it ends: new connections would cost it more than they save. So is every
    block inside a transaction, whose uncommitted rows other connections cannot see."""

    def __init__(self, *, resource: str, store_id: int, seen_at: datetime):
        self._arguments = {"resource": resource, "store_id": store_id, "seen_at": seen_at}
        self._schema = connection.schema_name
        self._inbox: queue.Queue = queue.Queue(maxsize=WRITERS)
        self._outbox: queue.Queue = queue.Queue()
        self._submitted = self._returned = 0
        self._closed = False
        self._serial = connection.in_atomic_block
        self._first: bytes | None = None  # held until a second block shows writers are worth it
        self._threads: list[threading.Thread] = []

    def _start(self) -> None:
        self._threads = [
            threading.Thread(target=self._work, name=f"bulk-writer-{n}", daemon=True)
            for n in range(WRITERS)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        try:
            with schema_context(self._schema):
                while (block := self._inbox.get()) is not _STOP:
                    try:
                        self._outbox.put(self._write(block))
                    except BaseException as error:  # noqa: BLE001 - raised in the sync's thread
                        self._outbox.put(error)
        finally:
            connection.close()

    def _write(self, block: bytes) -> StagedBlock:
        try:
            return block_write(block=block, **self._arguments)
        except OperationalError as error:
            # Two blocks holding the same rows (a download that started over) may lock each
            # other; PostgreSQL then cancels one, which is written again once the other is in.
            if not isinstance(error.__cause__, psycopg.errors.DeadlockDetected):
                raise
            return block_write(block=block, **self._arguments)

    def submit(self, block: bytes) -> None:
        self._submitted += 1
        if self._serial:
            self._outbox.put(self._write(block))
        elif self._threads:
            self._inbox.put(block)
        elif self._first is None:
            self._first = block
        else:
            self._start()
            self._inbox.put(self._first)
            self._inbox.put(block)
            self._first = None

    def _take(self, *, wait: bool) -> StagedBlock | None:
        try:
            item = self._outbox.get(block=wait)
        except queue.Empty:
            return None
        self._returned += 1
        if isinstance(item, BaseException):
            raise item
        return item

    def ready(self) -> Iterator[StagedBlock]:
        """Blocks stored so far (raises what a writer raised)."""
        while (staged := self._take(wait=False)) is not None:
            yield staged

    def finish(self) -> Iterator[StagedBlock]:
        """Waits for every submitted block, yielding each, then stops the writers."""
        if self._first is not None:
            block, self._first = self._first, None
            self._outbox.put(self._write(block))
        try:
            while self._returned < self._submitted:
                yield self._take(wait=True)
        finally:
            self.close()

    def close(self) -> None:
        """Stops the writers; a block being written is finished or rolled back first."""
        if self._closed:
            return
        self._closed = True
        self._first = None
        while True:
            try:
                self._inbox.get_nowait()
                self._submitted -= 1
            except queue.Empty:
                break
        for _ in self._threads:
            self._inbox.put(_STOP)
        for thread in self._threads:
            thread.join()
