"""Every metric Xeno shows, defined once (docs/metrics.md says the same in words).

Selectors read only the rollups (analytics.models), never the raw order tables, so their cost
follows the number of days and products in the range, not the number of orders. They take the
stores to add up (all in one currency), inclusive local dates and the returns basis, and return
Decimal money. Pages, CSV exports and the API all call these functions.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from analytics.cache import cached

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
KPI_KEYS = (
    "gross_sales",
    "discounts",
    "returns",
    "net_sales",
    "shipping",
    "taxes",
    "total_sales",
    "orders",
    "average_order_value",
    "units_sold",
    "new_customers",
    "returning_customers",
    "returning_customer_rate",
)
GRANULARITY_STEP = {"day": "1 day", "week": "1 week", "month": "1 month"}


def _returns_columns(returns_on: str) -> tuple[str, str, str]:
    """Returns, returned taxes and returned shipping, on the refund's day or the order's."""
    columns = ("returns", "returned_taxes", "returned_shipping")
    if returns_on == "order_date":
        return tuple(f"{column}_by_order_day" for column in columns)
    return columns


def _rows(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def money_divide(numerator: Decimal, denominator: int | Decimal) -> Decimal:
    """numerator / denominator rounded half-up to cents; zero when there is nothing to divide."""
    if not denominator:
        return ZERO
    return (Decimal(numerator) / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """part as a percentage of whole, two decimals (0.00 when whole is zero)."""
    return money_divide(Decimal(part) * 100, whole)


def sales_summarise(
    *, store_ids: Sequence[int], start: dt.date, end: dt.date, returns_on: str = "refund_date"
) -> dict:
    """The KPIs of KPI_KEYS for orders processed from `start` to `end` (local days, inclusive).

    One query. Money is Decimal with two places; orders, units and customer counts are ints;
    returning_customer_rate is a percentage with two places. New + returning customers is the
    number of distinct customers who ordered in the range (guest checkouts are not customers).
    """
    returns, returned_taxes, returned_shipping = _returns_columns(returns_on)
    (row,) = _rows(
        f"""
        SELECT coalesce(sum(orders), 0) AS orders,
               coalesce(sum(gross_sales), 0) AS gross_sales,
               coalesce(sum(discounts), 0) AS discounts,
               coalesce(sum({returns}), 0) AS returns,
               coalesce(sum(shipping - {returned_shipping}), 0) AS shipping,
               coalesce(sum(taxes - {returned_taxes}), 0) AS taxes,
               coalesce(sum(units_sold), 0) AS units_sold,
               (SELECT count(*) FILTER (WHERE previous_day IS NULL)
                  FROM analytics_customer_day
                 WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s
               ) AS new_customers,
               (SELECT count(*) FILTER (WHERE previous_day < %(start)s)
                  FROM analytics_customer_day
                 WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s
               ) AS returning_customers
        FROM analytics_daily_sales
        WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s
        """,  # noqa: S608 - only column names chosen from a fixed pair are interpolated
        {"stores": list(store_ids), "start": start, "end": end},
    )
    return _kpis(row)


def _with_net_and_total(row: dict) -> dict:
    """Adds net sales (gross − discounts − returns) and total sales (net + shipping + taxes)."""
    row["net_sales"] = row["gross_sales"] - row["discounts"] - row["returns"]
    row["total_sales"] = row["net_sales"] + row["shipping"] + row["taxes"]
    return row


def _kpis(row: dict) -> dict:
    _with_net_and_total(row)
    gross, discounts = row["gross_sales"], row["discounts"]
    customers = row["new_customers"] + row["returning_customers"]
    return {
        "gross_sales": gross,
        "discounts": discounts,
        "returns": row["returns"],
        "net_sales": row["net_sales"],
        "shipping": row["shipping"],
        "taxes": row["taxes"],
        "total_sales": row["total_sales"],
        "orders": row["orders"],
        "average_order_value": money_divide(gross - discounts, row["orders"]),
        "units_sold": row["units_sold"],
        "new_customers": row["new_customers"],
        "returning_customers": row["returning_customers"],
        "returning_customer_rate": percent(row["returning_customers"], customers),
    }


def kpis_change(*, current: dict, previous: dict | None) -> dict:
    """Per KPI, the change against the comparison in percent (None: nothing to compare with)."""
    if previous is None:
        return dict.fromkeys(KPI_KEYS)
    return {
        key: percent(current[key] - previous[key], abs(previous[key])) if previous[key] else None
        for key in KPI_KEYS
    }


def _buckets_cte(granularity: str) -> str:
    step = GRANULARITY_STEP[granularity]
    # Only names from GRANULARITY_STEP reach the SQL text.
    return f"""
        buckets AS (
            SELECT greatest(b::date, %(start)s) AS bucket
            FROM generate_series(date_trunc('{granularity}', %(start)s::date), %(end)s::date,
                                 interval '{step}') AS b
        )"""  # noqa: S608


def _bucket_of(granularity: str, column: str = "day") -> str:
    return f"greatest(date_trunc('{granularity}', {column})::date, %(start)s)"


def sales_series(
    *,
    store_ids: Sequence[int],
    start: dt.date,
    end: dt.date,
    granularity: str = "day",
    returns_on: str = "refund_date",
) -> list[dict]:
    """Sales per day, week or month of the range, every period present (zero when empty).

    Weeks start on Monday and months on the 1st; the first period starts at `start`.
    Each row: date, orders, gross_sales, discounts, returns, net_sales, shipping, taxes,
    total_sales, units_sold, discounted_orders, refunded_orders, cancelled_orders.
    """
    returns, returned_taxes, returned_shipping = _returns_columns(returns_on)
    rows = _rows(
        f"""
        WITH {_buckets_cte(granularity)},
        sums AS (
            SELECT {_bucket_of(granularity)} AS bucket, sum(orders) AS orders,
                   sum(gross_sales) AS gross_sales, sum(discounts) AS discounts,
                   sum({returns}) AS returns, sum(shipping - {returned_shipping}) AS shipping,
                   sum(taxes - {returned_taxes}) AS taxes, sum(units_sold) AS units_sold,
                   sum(discounted_orders) AS discounted_orders,
                   sum(refunded_orders) AS refunded_orders,
                   sum(cancelled_orders) AS cancelled_orders
            FROM analytics_daily_sales
            WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s
            GROUP BY 1
        )
        SELECT b.bucket AS date, coalesce(orders, 0) AS orders,
               coalesce(gross_sales, 0) AS gross_sales, coalesce(discounts, 0) AS discounts,
               coalesce(returns, 0) AS returns, coalesce(shipping, 0) AS shipping,
               coalesce(taxes, 0) AS taxes, coalesce(units_sold, 0) AS units_sold,
               coalesce(discounted_orders, 0) AS discounted_orders,
               coalesce(refunded_orders, 0) AS refunded_orders,
               coalesce(cancelled_orders, 0) AS cancelled_orders
        FROM buckets b LEFT JOIN sums s ON s.bucket = b.bucket
        ORDER BY b.bucket
        """,  # noqa: S608 - granularity and columns come from fixed lists
        {"stores": list(store_ids), "start": start, "end": end},
    )
    return [_with_net_and_total(row) for row in rows]


def customers_series(
    *, store_ids: Sequence[int], start: dt.date, end: dt.date, granularity: str = "day"
) -> list[dict]:
    """New and returning customers per period (each period counted like a range of its own)."""
    return _rows(
        f"""
        WITH {_buckets_cte(granularity)},
        counts AS (
            SELECT {_bucket_of(granularity)} AS bucket,
                   count(*) FILTER (WHERE previous_day IS NULL) AS new_customers,
                   count(*) FILTER (
                       WHERE previous_day < {_bucket_of(granularity)}
                   ) AS returning_customers
            FROM analytics_customer_day
            WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s
            GROUP BY 1
        )
        SELECT b.bucket AS date, coalesce(new_customers, 0) AS new_customers,
               coalesce(returning_customers, 0) AS returning_customers
        FROM buckets b LEFT JOIN counts c ON c.bucket = b.bucket
        ORDER BY b.bucket
        """,  # noqa: S608 - granularity comes from a fixed list
        {"stores": list(store_ids), "start": start, "end": end},
    )


def products_top(
    *,
    store_ids: Sequence[int],
    start: dt.date,
    end: dt.date,
    by: str = "net_sales",
    limit: int = 10,
    by_variant: bool = False,
    returns_on: str = "refund_date",
) -> list[dict]:
    """Best-selling products (or variants) of the range by net sales or units sold.

    Each row: store_id, product_shopify_id, variant_shopify_id (None unless by_variant), title,
    units_sold, gross_sales, discounts, returns, net_sales. Custom line items share product 0.
    """
    returns = _returns_columns(returns_on)[0]
    variant = "variant_shopify_id" if by_variant else "NULL::bigint"
    order = "net_sales" if by == "net_sales" else "units_sold"
    return _rows(
        f"""
        SELECT t.*, coalesce(p.title, CASE WHEN t.product_shopify_id = 0
                                      THEN 'Custom items' ELSE 'Deleted product' END)
                    || coalesce(' – ' || nullif(v.title, 'Default Title'), '') AS title
        FROM (
            SELECT store_id, product_shopify_id, {variant} AS variant_shopify_id,
                   sum(units_sold) AS units_sold, sum(gross_sales) AS gross_sales,
                   sum(discounts) AS discounts, sum({returns}) AS returns,
                   sum(gross_sales - discounts - {returns}) AS net_sales
            FROM analytics_daily_product_sales
            WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s
            GROUP BY 1, 2, 3
            ORDER BY {order} DESC, product_shopify_id
            LIMIT %(limit)s
        ) t
        LEFT JOIN shopify_sync_product p
          ON p.store_id = t.store_id AND p.shopify_id = t.product_shopify_id
        LEFT JOIN shopify_sync_productvariant v
          ON v.store_id = t.store_id AND v.shopify_id = t.variant_shopify_id
        ORDER BY {order} DESC, product_shopify_id
        """,  # noqa: S608 - columns come from fixed lists
        {"stores": list(store_ids), "start": start, "end": end, "limit": limit},
    )


def product_series(
    *,
    store_ids: Sequence[int],
    product_shopify_id: int,
    start: dt.date,
    end: dt.date,
    granularity: str = "day",
    returns_on: str = "refund_date",
) -> list[dict]:
    """Units sold and net sales of one product per period, zero-filled."""
    returns = _returns_columns(returns_on)[0]
    return _rows(
        f"""
        WITH {_buckets_cte(granularity)},
        sums AS (
            SELECT {_bucket_of(granularity)} AS bucket, sum(units_sold) AS units_sold,
                   sum(gross_sales - discounts - {returns}) AS net_sales
            FROM analytics_daily_product_sales
            WHERE store_id = ANY(%(stores)s) AND product_shopify_id = %(product)s
              AND day BETWEEN %(start)s AND %(end)s
            GROUP BY 1
        )
        SELECT b.bucket AS date, coalesce(units_sold, 0) AS units_sold,
               coalesce(net_sales, 0) AS net_sales
        FROM buckets b LEFT JOIN sums s ON s.bucket = b.bucket ORDER BY b.bucket
        """,  # noqa: S608 - columns come from fixed lists
        {
            "stores": list(store_ids),
            "product": product_shopify_id,
            "start": start,
            "end": end,
        },
    )


# On hand: what the product's live variants have in stock, oversold variants counted as none.
_ON_HAND = """
    SELECT store_id, product_shopify_id, sum(greatest(inventory_quantity, 0)) AS on_hand
    FROM shopify_sync_productvariant
    WHERE store_id = ANY(%(stores)s) AND deleted_at IS NULL
    GROUP BY 1, 2
"""


def products_stock(*, store_ids: Sequence[int], end: dt.date, limit: int = 20) -> list[dict]:
    """Active products by risk of stocking out, as of `end`.

    on_hand: inventory of the product's variants now; sold_30d: units sold in the 30 days up to
    `end`; sell_through: sold / (sold + on hand) in percent; days_of_cover: on hand divided by
    the daily rate of those 30 days (None when nothing sold). Products selling with the fewest
    days of cover come first.
    """
    rows = _rows(
        f"""
        SELECT p.store_id, p.shopify_id AS product_shopify_id, p.title,
               coalesce(v.on_hand, 0) AS on_hand, coalesce(s.sold, 0) AS sold_30d
        FROM shopify_sync_product p
        LEFT JOIN ({_ON_HAND}) v ON v.store_id = p.store_id AND v.product_shopify_id = p.shopify_id
        LEFT JOIN (
            SELECT store_id, product_shopify_id, sum(units_sold) AS sold
            FROM analytics_daily_product_sales
            WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(from)s AND %(end)s
            GROUP BY 1, 2
        ) s ON s.store_id = p.store_id AND s.product_shopify_id = p.shopify_id
        WHERE p.store_id = ANY(%(stores)s) AND p.deleted_at IS NULL AND s.sold > 0
        ORDER BY coalesce(v.on_hand, 0)::numeric / s.sold, s.sold DESC
        LIMIT %(limit)s
        """,  # noqa: S608 - constant SQL joined to constant SQL
        {
            "stores": list(store_ids),
            "from": end - dt.timedelta(days=29),
            "end": end,
            "limit": limit,
        },
    )
    for row in rows:
        sold, on_hand = row["sold_30d"], row["on_hand"]
        row["sell_through"] = percent(sold, sold + on_hand)
        row["days_of_cover"] = money_divide(Decimal(on_hand) * 30, sold) if sold else None
    return rows


def products_unsold(
    *, store_ids: Sequence[int], start: dt.date, end: dt.date, limit: int = 50
) -> list[dict]:
    """Products (not deleted) with no units sold in the range, most on hand first."""
    return _rows(
        f"""
        SELECT p.store_id, p.shopify_id AS product_shopify_id, p.title,
               coalesce(v.on_hand, 0) AS on_hand
        FROM shopify_sync_product p
        LEFT JOIN ({_ON_HAND}) v ON v.store_id = p.store_id AND v.product_shopify_id = p.shopify_id
        WHERE p.store_id = ANY(%(stores)s) AND p.deleted_at IS NULL
          AND NOT EXISTS (
              SELECT 1 FROM analytics_daily_product_sales s
              WHERE s.store_id = p.store_id AND s.product_shopify_id = p.shopify_id
                AND s.day BETWEEN %(start)s AND %(end)s AND s.units_sold > 0
          )
        ORDER BY on_hand DESC, p.title
        LIMIT %(limit)s
        """,  # noqa: S608 - constant SQL joined to constant SQL
        {"stores": list(store_ids), "start": start, "end": end, "limit": limit},
    )


def orders_status_mix(*, store_ids: Sequence[int], start: dt.date, end: dt.date) -> dict:
    """Orders of the range by financial status and by fulfillment status ('' shown as 'none')."""
    rows = _rows(
        """
        SELECT 'financial' AS kind, financial_status AS status, sum(orders) AS orders
        FROM analytics_daily_order_mix
        WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s GROUP BY 2
        UNION ALL
        SELECT 'fulfillment', fulfillment_status, sum(orders)
        FROM analytics_daily_order_mix
        WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s GROUP BY 2
        ORDER BY 1, 3 DESC
        """,
        {"stores": list(store_ids), "start": start, "end": end},
    )
    mix: dict[str, list[dict]] = {"financial": [], "fulfillment": []}
    for row in rows:
        mix[row["kind"]].append({"status": row["status"] or "none", "orders": row["orders"]})
    return mix


def orders_heatmap(*, store_ids: Sequence[int], start: dt.date, end: dt.date) -> list[list[int]]:
    """Orders by local weekday (0 = Monday) and hour: 7 lists of 24 counts."""
    grid = [[0] * 24 for _ in range(7)]
    for row in _rows(
        """
        SELECT extract(isodow FROM day)::int - 1 AS weekday, hour, sum(orders) AS orders
        FROM analytics_daily_order_mix
        WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s
        GROUP BY 1, 2
        """,
        {"stores": list(store_ids), "start": start, "end": end},
    ):
        grid[row["weekday"]][row["hour"]] = int(row["orders"])
    return grid


def customers_top(
    *, store_ids: Sequence[int], start: dt.date, end: dt.date, limit: int = 10
) -> list[dict]:
    """Customers with the highest net sales in the range: name, email, orders, net_sales,
    and their lifetime orders and net sales."""
    return _rows(
        """
        SELECT t.*, trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) AS name,
               coalesce(c.email, '') AS email, s.orders AS lifetime_orders,
               s.net_sales AS lifetime_net_sales, s.country_code
        FROM (
            SELECT store_id, customer_shopify_id, sum(orders) AS orders,
                   sum(net_sales) AS net_sales
            FROM analytics_customer_day
            WHERE store_id = ANY(%(stores)s) AND day BETWEEN %(start)s AND %(end)s
            GROUP BY 1, 2 ORDER BY net_sales DESC, customer_shopify_id LIMIT %(limit)s
        ) t
        JOIN analytics_customer_stats s
          ON s.store_id = t.store_id AND s.customer_shopify_id = t.customer_shopify_id
        LEFT JOIN shopify_sync_customer c
          ON c.store_id = t.store_id AND c.shopify_id = t.customer_shopify_id
        ORDER BY t.net_sales DESC, t.customer_shopify_id
        """,
        {"stores": list(store_ids), "start": start, "end": end, "limit": limit},
    )


def customers_cohorts(*, store_ids: Sequence[int], end: dt.date, months: int = 12) -> list[dict]:
    """Monthly cohorts by first order, for the `months` months up to `end`'s month.

    Each: cohort (first day of the month), customers, retention (percent of the cohort ordering
    in month k after the first, k = 0..months-1; None for months not yet over or begun) and
    ltv (cumulative net sales per cohort customer by month k). Cached until rollups change.
    """
    first = (end.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    params = {"stores": sorted(store_ids), "first": first, "end": end, "months": months}
    return cached("customers_cohorts", params, lambda: _cohorts(**params))


def _cohorts(*, stores, first, end, months) -> list[dict]:
    rows = _rows(
        """
        SELECT date_trunc('month', s.first_day)::date AS cohort,
               ((extract(year FROM d.day) - extract(year FROM s.first_day)) * 12
                + extract(month FROM d.day) - extract(month FROM s.first_day))::int AS k,
               count(DISTINCT s.customer_shopify_id) AS customers, sum(d.net_sales) AS net_sales
        FROM analytics_customer_stats s
        JOIN analytics_customer_day d
          ON d.store_id = s.store_id AND d.customer_shopify_id = s.customer_shopify_id
        WHERE s.store_id = ANY(%(stores)s) AND s.first_day BETWEEN %(first)s AND %(end)s
          AND d.day <= %(end)s
        GROUP BY 1, 2
        """,
        {"stores": stores, "first": first, "end": end},
    )
    by_cohort: dict[dt.date, dict[int, dict]] = {}
    for row in rows:
        by_cohort.setdefault(row["cohort"], {})[row["k"]] = row
    cohorts = []
    for cohort, cells in sorted(by_cohort.items()):
        size = cells[0]["customers"]
        elapsed = (end.year - cohort.year) * 12 + end.month - cohort.month
        retention, ltv, cumulative = [], [], Decimal(0)
        for k in range(months):
            if k > elapsed:
                retention.append(None)
                ltv.append(None)
                continue
            cell = cells.get(k)
            cumulative += cell["net_sales"] if cell else 0
            retention.append(percent(cell["customers"] if cell else 0, size))
            ltv.append(money_divide(cumulative, size))
        cohorts.append({"cohort": cohort, "customers": size, "retention": retention, "ltv": ltv})
    return cohorts


RFM_SEGMENTS = {
    "champions": "Champions",
    "loyal": "Loyal",
    "potential_loyalists": "Potential loyalists",
    "at_risk": "At risk",
    "hibernating": "Hibernating",
    "lost": "Lost",
}
# Recency and frequency-monetary quintile scores (5 best) to a segment, first match wins.
_RFM_SQL = """
WITH scored AS (
    SELECT store_id, customer_shopify_id, last_day, orders, net_sales,
           ntile(5) OVER (ORDER BY last_day, customer_shopify_id) AS r,
           ntile(5) OVER (ORDER BY orders, net_sales, customer_shopify_id) AS f,
           ntile(5) OVER (ORDER BY net_sales, customer_shopify_id) AS m
    FROM analytics_customer_stats WHERE store_id = ANY(%(stores)s)
), segmented AS (
    SELECT *, CASE
        WHEN r >= 4 AND (f + m) >= 8 THEN 'champions'
        WHEN r >= 3 AND (f + m) >= 6 THEN 'loyal'
        WHEN r >= 3 THEN 'potential_loyalists'
        WHEN (f + m) >= 6 THEN 'at_risk'
        WHEN r = 2 THEN 'hibernating'
        ELSE 'lost' END AS segment
    FROM scored
)
"""


def customers_rfm(*, store_ids: Sequence[int]) -> list[dict]:
    """RFM segments over every customer's whole history (recency of the last order, number of
    orders, net sales; quintiles within these stores): segment, label, customers, net_sales.
    Cached until rollups change."""
    params = {"stores": sorted(store_ids)}

    def compute():
        rows = _rows(
            _RFM_SQL + "SELECT segment, count(*) AS customers, sum(net_sales) AS net_sales "
            "FROM segmented GROUP BY segment",
            params,
        )
        found = {row["segment"]: row for row in rows}
        return [
            {
                "segment": key,
                "label": label,
                "customers": found.get(key, {}).get("customers", 0),
                "net_sales": found.get(key, {}).get("net_sales", ZERO),
            }
            for key, label in RFM_SEGMENTS.items()
        ]

    return cached("customers_rfm", params, compute)


def customers_in_segment(*, store_ids: Sequence[int], segment: str, limit: int = 50) -> list[dict]:
    """The segment's customers with the highest net sales (see customers_rfm)."""
    params = {"stores": sorted(store_ids), "segment": segment, "limit": limit}
    return cached(
        "customers_in_segment",
        params,
        lambda: _rows(
            _RFM_SQL  # noqa: S608 - constant SQL joined to constant SQL
            + """
            SELECT s.customer_shopify_id, s.last_day, s.orders, s.net_sales,
                   coalesce(c.email, '') AS email,
                   trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) AS name
            FROM segmented s
            LEFT JOIN shopify_sync_customer c
              ON c.store_id = s.store_id AND c.shopify_id = s.customer_shopify_id
            WHERE s.segment = %(segment)s
            ORDER BY s.net_sales DESC, s.customer_shopify_id LIMIT %(limit)s
            """,
            params,
        ),
    )


def customers_spend_distribution(*, store_ids: Sequence[int], buckets: int = 12) -> list[dict]:
    """Customers by lifetime net sales in equal-width bands from 0 to the 99th percentile (the
    last band takes everyone above): low, high (None: open), customers. Cached."""
    params = {"stores": sorted(store_ids), "buckets": buckets}

    def compute():
        rows = _rows(
            """
            WITH bound AS (
                SELECT greatest(percentile_disc(0.99) WITHIN GROUP (ORDER BY net_sales), 1) AS top
                FROM analytics_customer_stats WHERE store_id = ANY(%(stores)s)
            )
            SELECT least(width_bucket(greatest(net_sales, 0), 0, bound.top, %(buckets)s),
                         %(buckets)s) AS band, count(*) AS customers, min(bound.top) AS top
            FROM analytics_customer_stats, bound
            WHERE store_id = ANY(%(stores)s) GROUP BY 1 ORDER BY 1
            """,
            params,
        )
        if not rows:
            return []
        width = Decimal(rows[0]["top"]) / buckets
        counts = {row["band"]: row["customers"] for row in rows}
        return [
            {
                "low": (width * (band - 1)).quantize(CENT),
                "high": None if band == buckets else (width * band).quantize(CENT),
                "customers": counts.get(band, 0),
            }
            for band in range(1, buckets + 1)
        ]

    return cached("customers_spend_distribution", params, compute)


def customers_orders_vs_spend(*, store_ids: Sequence[int], sample: int = 400) -> list[dict]:
    """A deterministic sample of customers' lifetime orders and net sales (for a scatter)."""
    params = {"stores": sorted(store_ids), "sample": sample}
    return cached(
        "customers_orders_vs_spend",
        params,
        lambda: _rows(
            """
            SELECT orders, net_sales FROM analytics_customer_stats
            WHERE store_id = ANY(%(stores)s)
            ORDER BY hashint8(customer_shopify_id) LIMIT %(sample)s
            """,
            params,
        ),
    )


def customers_by_country(*, store_ids: Sequence[int], limit: int = 10) -> list[dict]:
    """Countries of customers' latest orders: country_code, customers, lifetime net_sales."""
    params = {"stores": sorted(store_ids), "limit": limit}
    return cached(
        "customers_by_country",
        params,
        lambda: _rows(
            """
            SELECT coalesce(nullif(country_code, ''), '—') AS country_code,
                   count(*) AS customers, sum(net_sales) AS net_sales
            FROM analytics_customer_stats WHERE store_id = ANY(%(stores)s)
            GROUP BY 1 ORDER BY net_sales DESC LIMIT %(limit)s
            """,
            params,
        ),
    )


def sync_status(*, store_ids: Sequence[int]) -> dict:
    """How fresh the numbers are: as_of (the oldest of the stores' last successful syncs, None
    before any), warnings (sentences: repaired differences, stores to reconnect), running (the
    first running sync's percent done, or None) and recent (the last 5 sync runs)."""
    rows = _rows(
        """
        SELECT s.id, coalesce(nullif(s.name, ''), s.shop_domain) AS name, s.status,
               (SELECT max(last_success_at) FROM shopify_sync_synccursor c
                 WHERE c.store_id = s.id) AS last_success_at,
               (SELECT coalesce(sum(last_reconcile_repaired), 0) FROM shopify_sync_synccursor c
                 WHERE c.store_id = s.id) AS repaired,
               (SELECT max(finished_at) FROM shopify_sync_syncrun r
                 WHERE r.store_id = s.id AND r.status = 'succeeded') AS last_run_at,
               (SELECT row(progress_done, progress_total)::text FROM shopify_sync_syncrun r
                 WHERE r.store_id = s.id AND r.status = 'running'
                 ORDER BY r.created_at DESC LIMIT 1) AS running
        FROM shopify_sync_store s WHERE s.id = ANY(%(stores)s) ORDER BY s.id
        """,
        {"stores": list(store_ids)},
    )
    warnings, running = [], None
    freshness = []
    for row in rows:
        freshness.append(row["last_success_at"] or row["last_run_at"])
        if row["repaired"]:
            warnings.append(
                f"{row['name']}: the last reconciliation with Shopify found and repaired "
                f"{row['repaired']} differences."
            )
        if row["status"] == "needs_reconnect":
            warnings.append(f"{row['name']} needs reconnecting: its data is no longer updated.")
        if row["running"] and running is None:
            done, total = row["running"].strip("()").split(",")
            running = percent(int(done), int(total)) if total else Decimal(0)
    recent = _rows(
        """
        SELECT r.id, coalesce(nullif(s.name, ''), s.shop_domain) AS store, r.kind, r.status,
               r.started_at, r.finished_at, r.progress_done, r.progress_total
        FROM shopify_sync_syncrun r JOIN shopify_sync_store s ON s.id = r.store_id
        WHERE r.store_id = ANY(%(stores)s) ORDER BY r.created_at DESC LIMIT 5
        """,
        {"stores": list(store_ids)},
    )
    as_of = None if not freshness or None in freshness else min(freshness)
    return {"as_of": as_of, "warnings": warnings, "running": running, "recent": recent}
