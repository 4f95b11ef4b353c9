"""Set-based writes of synced rows from a session-temporary staging table (filled by COPY of row
dicts, or by shopify_sync.bulk_load's SQL): one `INSERT ... ON CONFLICT` per batch; or, for a
large batch whose keys cannot be stored yet (a first sync's), a plain INSERT into the table.

Guarantees, whatever order payloads arrive in and however often:
- a row is keyed by (store, natural key); writing the same payload twice changes nothing;
- an older payload never overwrites a newer row (compared on Shopify's `updated_at`);
- a row that reappears is undeleted; every row written is stamped with `synced_at`, so a complete
  full sync can mark what it did not see as deleted;
- a row that arrives exactly as stored is not written again. A full sync remembers it as seen
  (UnchangedKeys) instead of stamping it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from django.db import IntegrityError, connection, transaction
from psycopg.errors import UniqueViolation

from shopify_sync.models import (
    Customer,
    CustomerRedaction,
    LineItem,
    Order,
    Product,
    ProductVariant,
    Refund,
    RefundLineItem,
    UnchangedKeys,
)


@dataclass(frozen=True)
class TableSpec:
    model: type
    key: tuple[str, ...]
    columns: tuple[str, ...]
    guarded: bool = True  # has updated_at / deleted_at
    # Columns a payload may leave out (None): the stored value is kept, else this default.
    keep_when_missing: dict[str, str] = field(default_factory=dict)
    # Columns besides the key a row cannot be stored without.
    also_required: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return (*self.key, *self.also_required)

    @property
    def table(self) -> str:
        return self.model._meta.db_table


def _columns(model, *skip: str) -> tuple[str, ...]:
    excluded = {"id", "store", "deleted_at", "synced_at", *skip}
    return tuple(f.column for f in model._meta.concrete_fields if f.name not in excluded)


TABLES: dict[str, TableSpec] = {
    "customers": TableSpec(
        Customer,
        ("shopify_id",),
        _columns(Customer),
        keep_when_missing={"number_of_orders": "0", "amount_spent": "0"},
    ),
    "products": TableSpec(Product, ("shopify_id",), _columns(Product)),
    "variants": TableSpec(ProductVariant, ("shopify_id",), _columns(ProductVariant)),
    "orders": TableSpec(
        Order, ("shopify_id",), _columns(Order), also_required=("updated_at", "processed_at")
    ),
    "line_items": TableSpec(LineItem, ("shopify_id",), _columns(LineItem)),
    # Bulk exports cannot carry a refund's shipping lines: they arrive with its refund lines
    # (refunds_shipping_set), and a refund row without them keeps what is stored.
    "refunds": TableSpec(
        Refund,
        ("shopify_id",),
        _columns(Refund),
        keep_when_missing={"shipping_refunded": "0", "shipping_tax_refunded": "0"},
    ),
    "refund_lines": TableSpec(
        RefundLineItem,
        ("refund_shopify_id", "line_item_shopify_id"),
        _columns(RefundLineItem),
        guarded=False,
    ),
}


# Each synced resource's tables, parent first.
RESOURCE_TABLES = {
    "customers": ("customers",),
    "products": ("products", "variants"),
    "orders": ("orders", "line_items", "refunds", "refund_lines"),
}


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    # Natural keys (first key column) whose stored row now holds this batch's version.
    applied_ids: set[int] = field(default_factory=set)
    changed_ids: set[int] = field(default_factory=set)


def stage_name(spec: TableSpec) -> str:
    return f"stage_{spec.table}"


def _stage_columns(spec: TableSpec) -> str:
    """`spec`'s columns with their table's types; a payload without what a row cannot do without
    is refused on staging, naming the column."""
    fields = {f.column: f for f in spec.model._meta.concrete_fields}
    return ", ".join(
        f"{column} {fields[column].db_type(connection)}"
        + (" NOT NULL" if column in spec.required else "")
        for column in spec.columns
    )


def stage_prepare(cursor, spec: TableSpec) -> str:
    """An empty session-temporary staging table shaped like `spec`'s columns; returns its name."""
    stage = stage_name(spec)
    # A temporary table lives in the session's own schema, whatever the tenant's search_path.
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({_stage_columns(spec)})")
    cursor.execute(f"TRUNCATE {stage}")
    if spec.keep_when_missing:
        # The upsert looks a kept column up per conflicting row (see _upsert_sql): by index,
        # or a batch of n rows costs n² comparisons (8,000 refunds took 4.7 s).
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {stage}_key ON {stage} ({spec.key[0]})")
    return stage


def _upsert_sql(spec: TableSpec, stage: str, *, with_ids: bool) -> str:
    key = ", ".join(spec.key)
    first_key = spec.key[0]
    table = spec.table
    insert_columns = ("store_id", *spec.columns)
    # The staging rows carry no store: it is the same for the whole batch, given as a parameter.
    select_columns = ["%(store_id)s"] + [
        f"COALESCE(i.{c}, {spec.keep_when_missing[c]})" if c in spec.keep_when_missing else f"i.{c}"
        for c in spec.columns
    ]
    if spec.guarded:
        newer = (
            f"({table}.updated_at IS NULL OR EXCLUDED.updated_at IS NULL "
            f"OR EXCLUDED.updated_at >= {table}.updated_at)"
        )
        assignments = []
        for column in spec.columns:
            if column in spec.key:
                continue
            value = f"EXCLUDED.{column}"
            if column in spec.keep_when_missing:
                # EXCLUDED holds the insert's default, not whether the payload had a value: the
                # staged row (the newest of its key, as in `incoming`) tells.
                value = (
                    f"COALESCE((SELECT s.{column} FROM {stage} s "
                    f"WHERE s.{first_key} = EXCLUDED.{first_key} "
                    f"ORDER BY s.updated_at DESC NULLS LAST LIMIT 1), {table}.{column})"
                )
            assignments.append(
                f"{column} = CASE WHEN {newer} THEN {value} ELSE {table}.{column} END"
            )
        assignments.append(f"deleted_at = CASE WHEN {newer} THEN NULL ELSE {table}.deleted_at END")
        assignments.append("synced_at = EXCLUDED.synced_at")
        order_by = f"{key}, updated_at DESC NULLS LAST"
        insert = (*insert_columns, "synced_at", "deleted_at")
        select = (*select_columns, "%(seen_at)s", "NULL")
        returning = f"{table}.{first_key}, (xmax = 0) AS inserted, {table}.updated_at, "
        returning += f"{table}.deleted_at"
        old_columns = "t.updated_at, t.deleted_at"
        changed = (
            "(old.updated_at IS DISTINCT FROM up.updated_at "
            "OR old.deleted_at IS DISTINCT FROM up.deleted_at)"
        )
        applied = "up.updated_at IS NOT DISTINCT FROM inc.updated_at"
    else:
        assignments = [f"{c} = EXCLUDED.{c}" for c in spec.columns if c not in spec.key]
        order_by = key
        insert, select = insert_columns, select_columns
        returning = f"{table}.{first_key}, (xmax = 0) AS inserted, NULL::timestamptz AS updated_at"
        returning += ", NULL::timestamptz AS deleted_at"
        old_columns = "NULL::timestamptz AS updated_at, NULL::timestamptz AS deleted_at"
        changed = "true"
        applied = "true"
    key_join = " AND ".join(f"t.{k} = i.{k}" for k in spec.key)
    if spec.guarded:
        joins = (
            f"LEFT JOIN old ON old.{first_key} = up.{first_key} "
            f"LEFT JOIN incoming inc ON inc.{first_key} = up.{first_key}"
        )
    else:
        joins = ""
    if with_ids:
        final = f"SELECT up.{first_key}, up.inserted, {changed} AS changed, {applied} AS applied"
    else:
        final = (
            "SELECT count(*) FILTER (WHERE up.inserted), "
            f"count(*) FILTER (WHERE NOT up.inserted AND {changed}), NULL, NULL"
        )
    return f"""
        WITH incoming AS (
            SELECT DISTINCT ON ({key}) * FROM {stage} ORDER BY {order_by}
        ), old AS (
            SELECT t.{first_key}, {old_columns}
            FROM {table} t JOIN incoming i ON t.store_id = %(store_id)s AND {key_join}
        ), up AS (
            INSERT INTO {table} ({", ".join(insert)})
            SELECT {", ".join(select)} FROM incoming i
            ON CONFLICT (store_id, {key}) DO UPDATE SET {", ".join(assignments)}
            RETURNING {returning}
        )
        {final} FROM up {joins}
    """


_SQL_CACHE: dict[tuple, str] = {}
ANALYZE_FROM_ROWS = 1000
# Batches this large are checked for being all new (a first sync's); smaller ones are merged,
# which costs them less than the check.
INSERT_FROM_ROWS = 1000


def rows_upsert(
    *,
    store_id: int,
    resource: str,
    rows: Iterable[dict],
    seen_at: datetime,
) -> UpsertResult:
    """Writes `rows` (dicts from shopify_sync.records) for one table: COPY into its staging
    table, then `staged_write`."""
    spec = TABLES[resource]
    rows = list(rows)
    if not rows:
        return UpsertResult()
    with connection.cursor() as cursor:
        stage = stage_prepare(cursor, spec)
        values = itemgetter(*spec.columns)
        with cursor.cursor.copy(f"COPY {stage} ({', '.join(spec.columns)}) FROM STDIN") as copy:
            for row in rows:
                try:
                    copy.write_row(values(row))
                except KeyError:  # a payload that leaves optional fields out
                    copy.write_row(tuple(row.get(c) for c in spec.columns))
    return staged_write(store_id=store_id, resource=resource, seen_at=seen_at)


def staged_write(
    *,
    store_id: int,
    resource: str,
    seen_at: datetime,
    with_ids: bool = True,
    remember_unchanged: bool = False,
) -> UpsertResult:
    """Writes what `resource`'s staging table holds (see stage_prepare) into its table, with the
    guarantees in this module's docstring. Without `with_ids`, only counts come back (a bulk
    load's, whose callers need no ids). A full sync asks to `remember_unchanged` rows, which
    its deletion pass (unseen_mark_deleted) then counts as seen."""
    spec = TABLES[resource]
    stage = stage_name(spec)
    with connection.cursor() as cursor:
        first_key = spec.key[0]
        cursor.execute(f"SELECT count(*), min({first_key}), max({first_key}) FROM {stage}")
        count, low, high = cursor.fetchone()
        if not count:
            return UpsertResult()
        if resource in _PERSONAL_COLUMNS:
            _redactions_apply(cursor, resource, store_id)
        if count >= INSERT_FROM_ROWS and not _any_stored(cursor, spec, store_id, low, high):
            try:
                with transaction.atomic():
                    return _stage_insert(cursor, spec, store_id, seen_at, with_ids=with_ids)
            except IntegrityError as error:
                if not isinstance(error.__cause__, UniqueViolation):
                    raise
                # A key arrived twice in the batch, or was stored meanwhile (a webhook):
                # the upsert below sorts it out.
        if count >= ANALYZE_FROM_ROWS:
            # A fresh temporary table has no statistics; without them the planner may choose
            # nested loops over thousands of rows. Small batches are served well by them.
            # Only the columns the statements below join and sort on.
            analyzed = (*spec.key, "updated_at") if spec.guarded else spec.key
            cursor.execute(f"ANALYZE {stage} ({', '.join(analyzed)})")
        unchanged: set[int] = set()
        if spec.guarded:
            params = {"store_id": store_id, "seen_at": seen_at, "resource": resource}
            cache_key = (spec.table, "unchanged", remember_unchanged)
            sql = _SQL_CACHE.get(cache_key) or _SQL_CACHE.setdefault(
                cache_key, _unchanged_sql(spec, remember=remember_unchanged)
            )
            cursor.execute(sql, params)
            unchanged = {key for (key,) in cursor.fetchall()}
            if len(unchanged) == count:
                return UpsertResult(applied_ids=unchanged if with_ids else set())
        result = _stage_merge(cursor, spec, store_id, seen_at, with_ids=with_ids)
        if with_ids:
            result.applied_ids |= unchanged
        return result


# What customers/redact erases, per table.
_PERSONAL_COLUMNS = {
    "customers": ("email", "first_name", "last_name", "phone", "city"),
    "orders": ("email",),
}


def _redactions_apply(cursor, resource: str, store_id: int) -> None:
    """Blanks the personal details of redacted customers (CustomerRedaction) in the staged rows
    of `resource`, before anything is written."""
    redactions = CustomerRedaction._meta.db_table
    customers = f"(SELECT customer_shopify_id FROM {redactions} WHERE store_id = %(store_id)s)"
    if resource == "customers":
        match = f"s.shopify_id IN {customers}"
    else:
        named = (
            f"(SELECT unnest(order_shopify_ids) FROM {redactions} WHERE store_id = %(store_id)s)"
        )
        match = f"s.customer_shopify_id IN {customers} OR s.shopify_id IN {named}"
    blank = ", ".join(f"{column} = ''" for column in _PERSONAL_COLUMNS[resource])
    cursor.execute(
        f"UPDATE {stage_name(TABLES[resource])} s SET {blank} WHERE {match}",
        {"store_id": store_id},
    )


def _unchanged_sql(spec: TableSpec, *, remember: bool) -> str:
    """Takes the staged rows that are exactly as stored out of the staging table, returning
    their keys; with `remember`, records them as seen by this sync (UnchangedKeys)."""
    stage, first_key = stage_name(spec), spec.key[0]
    stored = ", ".join(f"t.{c}" for c in spec.columns)
    # A kept column left out of the payload (NULL) keeps the stored value: see _upsert_sql.
    staged = ", ".join(
        f"COALESCE(s.{c}, t.{c})" if c in spec.keep_when_missing else f"s.{c}" for c in spec.columns
    )
    remembered = ""
    if remember:
        remembered = (
            f", remembered AS (INSERT INTO {UnchangedKeys._meta.db_table} "
            "(store_id, seen_at, resource, shopify_ids) "
            f"SELECT %(store_id)s, %(seen_at)s, %(resource)s, array_agg({first_key}) "
            "FROM unchanged HAVING count(*) > 0)"
        )
    return f"""
        WITH unchanged AS (
            DELETE FROM {stage} s USING {spec.table} t
            WHERE t.store_id = %(store_id)s AND t.{first_key} = s.{first_key}
              AND t.deleted_at IS NULL AND ({stored}) IS NOT DISTINCT FROM ({staged})
            RETURNING s.{first_key}
        ){remembered}
        SELECT DISTINCT {first_key} FROM unchanged
    """


def _any_stored(cursor, spec: TableSpec, store_id: int, low: int, high: int) -> bool:
    """Whether a stored row's key falls in the batch's key range (so a row of the batch may be
    stored already). A first sync's batches are all new: they go straight into the table."""
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {spec.table} "
        f"WHERE store_id = %s AND {spec.key[0]} BETWEEN %s AND %s)",
        [store_id, low, high],
    )
    return cursor.fetchone()[0]


def _stage_insert(cursor, spec: TableSpec, store_id: int, seen_at, *, with_ids) -> UpsertResult:
    """Staged rows none of which is stored yet (raises IntegrityError if one is)."""
    values = [
        f"COALESCE({c}, {spec.keep_when_missing[c]})" if c in spec.keep_when_missing else c
        for c in spec.columns
    ]
    stamp_columns, stamp = (("synced_at",), ("%(seen_at)s",)) if spec.guarded else ((), ())
    first_key = spec.key[0]
    cursor.execute(
        f"INSERT INTO {spec.table} ({', '.join(('store_id', *spec.columns, *stamp_columns))}) "
        f"SELECT %(store_id)s, {', '.join((*values, *stamp))} FROM {stage_name(spec)} "
        + (f"RETURNING {first_key}" if with_ids else ""),
        {"store_id": store_id, "seen_at": seen_at},
    )
    if not with_ids:
        return UpsertResult(created=cursor.rowcount)
    keys = {key for (key,) in cursor.fetchall()}
    return UpsertResult(created=len(keys), applied_ids=keys, changed_ids=set(keys))


def _stage_merge(cursor, spec: TableSpec, store_id: int, seen_at, *, with_ids):
    """One `INSERT ... ON CONFLICT` of the staged rows."""
    stage = stage_name(spec)
    cache_key = (spec.table, with_ids)
    sql = _SQL_CACHE.get(cache_key) or _SQL_CACHE.setdefault(
        cache_key, _upsert_sql(spec, stage, with_ids=with_ids)
    )
    cursor.execute(sql, {"seen_at": seen_at, "store_id": store_id})
    result = UpsertResult()
    if not with_ids:
        result.created, result.updated, _, _ = cursor.fetchone()
        return result
    for natural_id, inserted, changed, applied in cursor.fetchall():
        if applied:
            result.applied_ids.add(natural_id)
        if inserted:
            result.created += 1
            result.changed_ids.add(natural_id)
        elif changed:
            result.updated += 1
            result.changed_ids.add(natural_id)
    return result


def refunds_shipping_set(*, store_id: int, rows: list[dict]) -> set[int]:
    """Stores the shipping (and its tax) each refund gave back; returns the orders whose refunds
    changed. Rows: {"shopify_id", "shipping_refunded", "shipping_tax_refunded"}."""
    if not rows:
        return set()
    table = TABLES["refunds"].table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} r
            SET shipping_refunded = v.shipping, shipping_tax_refunded = v.tax
            FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS v(id, shipping, tax)
            WHERE r.store_id = %s AND r.shopify_id = v.id
              AND (r.shipping_refunded, r.shipping_tax_refunded)
                  IS DISTINCT FROM (v.shipping, v.tax)
            RETURNING r.order_shopify_id
            """,
            [
                [row["shopify_id"] for row in rows],
                [row["shipping_refunded"] for row in rows],
                [row["shipping_tax_refunded"] for row in rows],
                store_id,
            ],
        )
        return {order_id for (order_id,) in cursor.fetchall()}


def children_prune(
    *, store_id: int, resource: str, parent_column: str, parent_ids: set[int], keep_ids: set
) -> int:
    """Deletes children of the given parents that the parents' latest payload no longer lists
    (a line removed by an order edit). Only for payloads that carry all of a parent's children."""
    if not parent_ids:
        return 0
    spec = TABLES[resource]
    key = spec.key[-1] if resource == "refund_lines" else spec.key[0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {spec.table} WHERE store_id = %s "
            f"AND {parent_column} = ANY(%s) AND NOT ({key} = ANY(%s))",
            [store_id, list(parent_ids), list(keep_ids)],
        )
        return cursor.rowcount


def unseen_mark_deleted(
    *,
    store_id: int,
    resource: str,
    seen_since: datetime,
    deleted_at: datetime,
    orders_created_since: datetime | None = None,
) -> int:
    """After a complete full sync: rows neither written since `seen_since` nor remembered unchanged
    by the sync that began then (staged_write's `remember_unchanged`) no longer exist in Shopify.

    Deletion also moves `updated_at` forward, so an older payload arriving later cannot bring the
    row back. With `orders_created_since`, only orders created since then (and their children)
    are considered, because older ones were not part of what the sync could read."""
    spec = TABLES[resource]
    orders_table = TABLES["orders"].table
    params: list = [deleted_at, deleted_at, store_id, seen_since]
    window = ""
    if orders_created_since is not None and resource == "orders":
        window, params = "AND created_at >= %s", [*params, orders_created_since]
    elif orders_created_since is not None and resource in ("line_items", "refunds"):
        window = (
            f"AND order_shopify_id IN (SELECT shopify_id FROM {orders_table} "
            "WHERE store_id = %s AND created_at >= %s)"
        )
        params = [*params, store_id, orders_created_since]
    with connection.cursor() as cursor:
        if spec.guarded:
            # Seen: written since the sync began, or found unchanged by it.
            unchanged = (
                f"AND NOT EXISTS (SELECT 1 FROM {UnchangedKeys._meta.db_table} u, "
                "unnest(u.shopify_ids) AS k(shopify_id) "
                "WHERE u.store_id = %s AND u.seen_at = %s AND u.resource = %s "
                f"AND k.shopify_id = {spec.table}.shopify_id)"
            )
            cursor.execute(
                f"UPDATE {spec.table} SET deleted_at = %s, "
                f"updated_at = GREATEST(updated_at, %s) "
                f"WHERE store_id = %s AND deleted_at IS NULL AND synced_at < %s {window} "
                f"{unchanged}",
                [*params, store_id, seen_since, resource],
            )
        else:
            # Refund lines go with refunds that are gone.
            cursor.execute(
                f"DELETE FROM {spec.table} WHERE store_id = %s AND refund_shopify_id IN "
                f"(SELECT shopify_id FROM {TABLES['refunds'].table} WHERE store_id = %s "
                "AND deleted_at IS NOT NULL)",
                [store_id, store_id],
            )
        return cursor.rowcount


def unchanged_forget(*, store_id: int, resources: tuple[str, ...], keep_seen_at=None) -> None:
    """Clears what full syncs remembered as seen (UnchangedKeys) in `resources`' tables, but for
    the sync that began at `keep_seen_at`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {UnchangedKeys._meta.db_table} WHERE store_id = %s "
            "AND resource = ANY(%s) AND seen_at IS DISTINCT FROM %s",
            [store_id, list(resources), keep_seen_at],
        )


def records_mark_deleted(
    *, store_id: int, resource: str, shopify_ids: list[int], deleted_at: datetime
) -> list[int]:
    """Soft-deletes rows by id (webhook deletions, redaction); returns the ids that changed."""
    spec = TABLES[resource]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {spec.table} SET deleted_at = %s, "
            f"updated_at = GREATEST(updated_at, %s) "
            f"WHERE store_id = %s AND shopify_id = ANY(%s) AND deleted_at IS NULL "
            f"RETURNING shopify_id",
            [deleted_at, deleted_at, store_id, shopify_ids],
        )
        return [row[0] for row in cursor.fetchall()]
