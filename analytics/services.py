"""Keeping the rollups (analytics.models) equal to what the raw synced rows say.

Ingestion calls `rollups_refresh` inside the transaction of each batch it writes, so a page never
sees a half-applied sync. Work is set-based SQL and proportional to the days and customers the
batch touched, not to the size of the store.
"""

from collections.abc import Callable, Collection

from django.db import connection

from analytics.cache import rollups_changed
from shopify_sync.models import Store

_ORDER_FACTS = """
INSERT INTO analytics_order_fact (store_id, order_shopify_id, day, hour, customer_shopify_id,
    gross_sales, discounts, shipping, taxes, units, line_items, cancelled, financial_status,
    fulfillment_status, country_code, return_days)
SELECT o.store_id, o.shopify_id, (o.processed_at AT TIME ZONE %(tz)s)::date,
       extract(hour FROM o.processed_at AT TIME ZONE %(tz)s), o.customer_shopify_id,
       coalesce(li.gross, 0), coalesce(li.discounts, 0), o.total_shipping, o.total_tax,
       coalesce(li.units, 0), coalesce(li.lines, 0), o.cancelled_at IS NOT NULL,
       o.financial_status, o.fulfillment_status, o.country_code, ARRAY[]::date[]
FROM shopify_sync_order o
LEFT JOIN (
    SELECT order_shopify_id, sum(original_unit_price * quantity) AS gross,
           sum(total_discount) AS discounts, sum(quantity) AS units, count(*) AS lines
    FROM shopify_sync_lineitem
    WHERE store_id = %(store)s AND deleted_at IS NULL {line_scope}
    GROUP BY order_shopify_id
) li ON li.order_shopify_id = o.shopify_id
WHERE o.store_id = %(store)s AND o.deleted_at IS NULL AND NOT o.test {order_scope}
"""

_REFUND_FACTS = """
INSERT INTO analytics_refund_fact (store_id, refund_shopify_id, order_shopify_id, day, order_day,
    returns, returned_taxes, returned_shipping, units_returned)
SELECT r.store_id, r.shopify_id, r.order_shopify_id, (r.created_at AT TIME ZONE %(tz)s)::date,
       f.day, coalesce(rl.returns, 0), coalesce(rl.taxes, 0) + r.shipping_tax_refunded,
       r.shipping_refunded, coalesce(rl.units, 0)
FROM shopify_sync_refund r
JOIN analytics_order_fact f
  ON f.store_id = r.store_id AND f.order_shopify_id = r.order_shopify_id
LEFT JOIN (
    SELECT refund_shopify_id, sum(subtotal) AS returns, sum(total_tax) AS taxes,
           sum(quantity) AS units
    FROM shopify_sync_refundlineitem
    WHERE store_id = %(store)s {line_scope}
    GROUP BY refund_shopify_id
) rl ON rl.refund_shopify_id = r.shopify_id
WHERE r.store_id = %(store)s AND r.deleted_at IS NULL {refund_scope}
"""

_ORDER_RETURN_DAYS = """
UPDATE analytics_order_fact f SET return_days = x.days
FROM (
    SELECT order_shopify_id, array_agg(DISTINCT day ORDER BY day) AS days
    FROM analytics_refund_fact WHERE store_id = %(store)s {fact_scope}
    GROUP BY order_shopify_id
) x
WHERE f.store_id = %(store)s AND f.order_shopify_id = x.order_shopify_id
"""

_DAILY_SALES = """
INSERT INTO analytics_daily_sales (store_id, day, orders, cancelled_orders, discounted_orders,
    refunded_orders, gross_sales, discounts, returns, returns_by_order_day, shipping, taxes,
    returned_taxes, returned_taxes_by_order_day, returned_shipping, returned_shipping_by_order_day,
    units_sold, line_items)
SELECT %(store)s, day, sum(orders), sum(cancelled), sum(discounted), sum(refunded), sum(gross),
       sum(discounts), sum(returns), sum(returns_o), sum(shipping), sum(taxes), sum(rtaxes),
       sum(rtaxes_o), sum(rship), sum(rship_o), sum(units), sum(lines)
FROM (
    SELECT day, count(*) AS orders, count(*) FILTER (WHERE cancelled) AS cancelled,
           count(*) FILTER (WHERE discounts > 0) AS discounted, 0 AS refunded,
           sum(gross_sales) AS gross, sum(discounts) AS discounts, 0 AS returns, 0 AS returns_o,
           sum(shipping) AS shipping, sum(taxes) AS taxes, 0 AS rtaxes, 0 AS rtaxes_o,
           0 AS rship, 0 AS rship_o, sum(units) AS units, sum(line_items) AS lines
    FROM analytics_order_fact WHERE store_id = %(store)s {day_scope}
    GROUP BY day
    UNION ALL
    SELECT day, 0, 0, 0, 0, 0, 0, sum(returns), 0, 0, 0, sum(returned_taxes), 0,
           sum(returned_shipping), 0, 0, 0
    FROM analytics_refund_fact WHERE store_id = %(store)s {day_scope}
    GROUP BY day
    UNION ALL
    SELECT order_day, 0, 0, 0, count(DISTINCT order_shopify_id), 0, 0, 0, sum(returns), 0, 0, 0,
           sum(returned_taxes), 0, sum(returned_shipping), 0, 0
    FROM analytics_refund_fact WHERE store_id = %(store)s {order_day_scope}
    GROUP BY order_day
) x
GROUP BY day
"""

_DAILY_ORDER_MIX = """
INSERT INTO analytics_daily_order_mix (store_id, day, hour, financial_status, fulfillment_status,
    orders)
SELECT %(store)s, day, hour, financial_status, fulfillment_status, count(*)
FROM analytics_order_fact WHERE store_id = %(store)s {day_scope}
GROUP BY day, hour, financial_status, fulfillment_status
"""

_DAILY_PRODUCT_SALES = """
INSERT INTO analytics_daily_product_sales (store_id, day, product_shopify_id, variant_shopify_id,
    units_sold, gross_sales, discounts, returns, returns_by_order_day, units_returned)
SELECT %(store)s, day, product, variant, sum(units), sum(gross), sum(discounts), sum(returns),
       sum(returns_o), sum(units_returned)
FROM (
    SELECT f.day, coalesce(li.product_shopify_id, 0) AS product,
           coalesce(li.variant_shopify_id, 0) AS variant, li.quantity AS units,
           li.original_unit_price * li.quantity AS gross, li.total_discount AS discounts,
           0 AS returns, 0 AS returns_o, 0 AS units_returned
    FROM analytics_order_fact f
    JOIN shopify_sync_lineitem li ON li.store_id = f.store_id
     AND li.order_shopify_id = f.order_shopify_id AND li.deleted_at IS NULL
    WHERE f.store_id = %(store)s {fact_day_scope}
    UNION ALL
    SELECT CASE WHEN r.on_refund_day THEN rf.day ELSE rf.order_day END,
           coalesce(li.product_shopify_id, 0), coalesce(li.variant_shopify_id, 0), 0, 0, 0,
           CASE WHEN r.on_refund_day THEN rl.subtotal ELSE 0 END,
           CASE WHEN r.on_refund_day THEN 0 ELSE rl.subtotal END,
           CASE WHEN r.on_refund_day THEN rl.quantity ELSE 0 END
    FROM analytics_refund_fact rf
    CROSS JOIN (VALUES (true), (false)) AS r(on_refund_day)
    JOIN shopify_sync_refundlineitem rl
      ON rl.store_id = rf.store_id AND rl.refund_shopify_id = rf.refund_shopify_id
    LEFT JOIN shopify_sync_lineitem li
      ON li.store_id = rl.store_id AND li.shopify_id = rl.line_item_shopify_id
    WHERE rf.store_id = %(store)s {refund_day_scope}
) x
GROUP BY day, product, variant
ORDER BY day  -- rows of one day stored together: a range query reads few pages
"""

_CUSTOMER_DAYS = """
INSERT INTO analytics_customer_day (store_id, customer_shopify_id, day, previous_day, orders,
    net_sales)
SELECT %(store)s, customer_shopify_id, day,
       lag(day) OVER (PARTITION BY customer_shopify_id ORDER BY day), orders, net_sales
FROM (
    SELECT f.customer_shopify_id, f.day, count(*) AS orders,
           sum(f.gross_sales - f.discounts - coalesce(r.returns, 0)) AS net_sales
    FROM analytics_order_fact f
    -- Summed once per order and hash-joined: a lookup per order cost twice as much.
    LEFT JOIN (
        SELECT rf.order_shopify_id, sum(rf.returns) AS returns FROM analytics_refund_fact rf
        WHERE rf.store_id = %(store)s {refund_scope}
        GROUP BY rf.order_shopify_id
    ) r ON r.order_shopify_id = f.order_shopify_id
    WHERE f.store_id = %(store)s AND f.customer_shopify_id IS NOT NULL {customer_scope}
    GROUP BY f.customer_shopify_id, f.day
) x
ORDER BY day  -- rows of one day stored together: a range query reads few pages
"""

_CUSTOMER_STATS = """
INSERT INTO analytics_customer_stats (store_id, customer_shopify_id, first_day, last_day, orders,
    net_sales, country_code)
SELECT %(store)s, d.customer_shopify_id, min(d.day), max(d.day), sum(d.orders), sum(d.net_sales),
       coalesce(min(c.country_code), '')
FROM analytics_customer_day d
-- The country of each customer's latest order, in one pass rather than a lookup per customer.
LEFT JOIN (
    SELECT DISTINCT ON (f.customer_shopify_id) f.customer_shopify_id, f.country_code
    FROM analytics_order_fact f
    WHERE f.store_id = %(store)s AND f.customer_shopify_id IS NOT NULL {fact_customer_scope}
    ORDER BY f.customer_shopify_id, f.day DESC, f.order_shopify_id DESC
) c ON c.customer_shopify_id = d.customer_shopify_id
WHERE d.store_id = %(store)s {customer_scope}
GROUP BY d.customer_shopify_id
"""

_DAY_TABLES = (
    "analytics_daily_sales",
    "analytics_daily_order_mix",
    "analytics_daily_product_sales",
)
_CUSTOMER_TABLES = ("analytics_customer_day", "analytics_customer_stats")


def rollups_refresh(
    *,
    store_id: int,
    order_shopify_ids: Collection[int] | None = None,
    before_refunds: Callable[[], None] | None = None,
) -> None:
    """Brings the store's rollups up to date with its raw rows.

    With `order_shopify_ids`, recomputes exactly what those orders touch: their local days (old
    and new, if processed_at moved), their refunds' days, and their customers (old and new). Pass
    every order whose row, line items or refunds the batch wrote. With None, rebuilds the store's
    rollups from scratch (after a full sync, or when the store's timezone changed). Either way the
    result equals a rebuild from scratch. Run it in the transaction that wrote the raw rows;
    concurrent refreshes of one store are serialised by an advisory lock.

    A rebuild calls `before_refunds` once the order facts are in, before any statement that reads
    refunds: a full sync still fetching refund lines lets it wait there. Each later statement
    sees what was committed before it began (READ COMMITTED), so those lines are counted.
    """
    store = Store.objects.only("iana_timezone").get(pk=store_id)
    ids = None if order_shopify_ids is None else sorted({int(i) for i in order_shopify_ids})
    if ids == []:
        return
    params = {"store": store_id, "tz": store.iana_timezone, "ids": ids}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()), %s)", [store_id])
        rollups_changed()
        if ids is None:
            _rebuild(cursor, params, before_refunds=before_refunds)
            return
        old_days, old_customers = _touched_keys(cursor, params)
        for table in ("analytics_order_fact", "analytics_refund_fact"):
            cursor.execute(
                f"DELETE FROM {table} WHERE store_id = %(store)s "  # noqa: S608
                "AND order_shopify_id = ANY(%(ids)s)",
                params,
            )
        _insert_facts(cursor, params, scoped=True)
        new_days, new_customers = _touched_keys(cursor, params)
        params["days"] = sorted(old_days | new_days)
        params["customers"] = sorted(old_customers | new_customers)
        _refresh_days(cursor, params, scoped=True)
        _refresh_customers(cursor, params, scoped=True)


def _rebuild(cursor, params: dict, *, before_refunds: Callable[[], None] | None) -> None:
    tables = ("analytics_order_fact", "analytics_refund_fact", *_DAY_TABLES, *_CUSTOMER_TABLES)
    for table in tables:
        cursor.execute(f"DELETE FROM {table} WHERE store_id = %(store)s", params)  # noqa: S608
    _insert_facts(cursor, params, scoped=False, before_refunds=before_refunds)
    _refresh_days(cursor, params, scoped=False)
    _refresh_customers(cursor, params, scoped=False)


def _in(column: str, param: str, *, scoped: bool) -> str:
    """A filter on `column` by the list parameter, or nothing for a rebuild of the whole store."""
    return f"AND {column} = ANY(%({param})s)" if scoped else ""


def _touched_keys(cursor, params: dict) -> tuple[set, set]:
    """Local days and customers the given orders currently contribute to in the fact tables."""
    cursor.execute(
        """
        SELECT array_agg(DISTINCT d), array_agg(DISTINCT f.customer_shopify_id)
        FROM analytics_order_fact f, unnest(f.return_days || f.day) AS d
        WHERE f.store_id = %(store)s AND f.order_shopify_id = ANY(%(ids)s)
        """,
        params,
    )
    days, customers = cursor.fetchone()
    return set(days or ()), {c for c in customers or () if c is not None}


def _insert_facts(cursor, params: dict, *, scoped: bool, before_refunds=None) -> None:
    def by_order(column: str) -> str:
        return _in(column, "ids", scoped=scoped)

    cursor.execute(
        _ORDER_FACTS.format(
            line_scope=by_order("order_shopify_id"), order_scope=by_order("o.shopify_id")
        ),
        params,
    )
    if not scoped:
        _facts_analyze(cursor, "analytics_order_fact")
    if before_refunds is not None:
        before_refunds()
    cursor.execute(
        _REFUND_FACTS.format(
            line_scope=by_order("order_shopify_id"), refund_scope=by_order("r.order_shopify_id")
        ),
        params,
    )
    if not scoped:
        _facts_analyze(cursor, "analytics_refund_fact")
    cursor.execute(_ORDER_RETURN_DAYS.format(fact_scope=by_order("order_shopify_id")), params)


# What the statements after the facts join and group them on.
_FACT_KEYS = {
    "analytics_order_fact": ("store_id", "order_shopify_id", "day", "customer_shopify_id"),
    "analytics_refund_fact": ("store_id", "refund_shopify_id", "order_shopify_id", "day"),
}


def _facts_analyze(cursor, table: str) -> None:
    """Statistics of the facts a rebuild has just written, seen by the rest of its transaction.

    Statistics from before the rebuild describe another table: a first sync's recent month, or
    none. With the first, the product rollup looked up 100,000 orders' lines one by one and
    spilled its aggregate to disk; after a store's facts had been analyzed empty, a rebuild of
    4.5 s ran for minutes (bench/rollup_rebuild.py)."""
    cursor.execute(f"ANALYZE {table} ({', '.join(_FACT_KEYS[table])})")


def _refresh_days(cursor, params: dict, *, scoped: bool) -> None:
    def by_day(column: str) -> str:
        return _in(column, "days", scoped=scoped)

    if scoped:
        for table in _DAY_TABLES:
            cursor.execute(
                f"DELETE FROM {table} WHERE store_id = %(store)s {by_day('day')}",  # noqa: S608
                params,
            )
    cursor.execute(
        _DAILY_SALES.format(day_scope=by_day("day"), order_day_scope=by_day("order_day")), params
    )
    cursor.execute(_DAILY_ORDER_MIX.format(day_scope=by_day("day")), params)
    refund_day = "CASE WHEN r.on_refund_day THEN rf.day ELSE rf.order_day END"
    cursor.execute(
        _DAILY_PRODUCT_SALES.format(
            fact_day_scope=by_day("f.day"), refund_day_scope=by_day(refund_day)
        ),
        params,
    )


def _refresh_customers(cursor, params: dict, *, scoped: bool) -> None:
    def by_customer(column: str) -> str:
        return _in(column, "customers", scoped=scoped)

    if scoped:
        for table in _CUSTOMER_TABLES:
            cursor.execute(
                f"DELETE FROM {table} WHERE store_id = %(store)s "  # noqa: S608
                f"{by_customer('customer_shopify_id')}",
                params,
            )
    refund_scope = (
        "AND rf.order_shopify_id IN (SELECT o.order_shopify_id FROM analytics_order_fact o "
        "WHERE o.store_id = %(store)s AND o.customer_shopify_id = ANY(%(customers)s))"
        if scoped
        else ""
    )
    cursor.execute(
        _CUSTOMER_DAYS.format(
            customer_scope=by_customer("f.customer_shopify_id"), refund_scope=refund_scope
        ),
        params,
    )
    cursor.execute(
        _CUSTOMER_STATS.format(
            customer_scope=by_customer("d.customer_shopify_id"),
            fact_customer_scope=by_customer("f.customer_shopify_id"),
        ),
        params,
    )
