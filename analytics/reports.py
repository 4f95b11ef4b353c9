"""What each analytics page and endpoint shows, assembled from selectors for one filter state.

Pages render these dicts and the API serialises the very same dicts, so a number on a page and in
the API always comes from the same call. Values stay Python (Decimal, date); see `jsonable`.
"""

import datetime as dt
from decimal import Decimal

from analytics import selectors
from analytics.cache import cached
from analytics.filters import Filters


def _window(filters: Filters) -> dict:
    return {"store_ids": filters.scope.store_ids, "start": filters.start, "end": filters.end}


def _comparison_window(filters: Filters) -> dict | None:
    if filters.compare_start is None:
        return None
    return {
        "store_ids": filters.scope.store_ids,
        "start": filters.compare_start,
        "end": filters.compare_end,
    }


def header(filters: Filters, tenant) -> dict:
    scope = filters.scope
    status = selectors.sync_status(store_ids=scope.store_ids)
    return {
        "tenant": {"id": tenant.pk, "slug": tenant.slug, "name": tenant.name},
        "store": {"id": scope.store.pk if scope.store else None, "name": scope.label},
        "start": filters.start,
        "end": filters.end,
        "timezone": scope.timezone,
        "currency": scope.currency,
        "as_of": status["as_of"],
        "sync": status,
    }


def dashboard_report(filters: Filters) -> dict:
    """Overview: KPIs with comparison and change, sales series (with the comparison's series
    aligned period by period), top 5 products, sync status, and other currencies' totals."""
    window = _window(filters)
    kpis = selectors.sales_summarise(**window, returns_on=filters.returns_on)
    compare = _comparison_window(filters)
    comparison = (
        selectors.sales_summarise(**compare, returns_on=filters.returns_on) if compare else None
    )
    series = selectors.sales_series(
        **window, granularity=filters.granularity, returns_on=filters.returns_on
    )
    comparison_series = (
        selectors.sales_series(
            **compare, granularity=filters.granularity, returns_on=filters.returns_on
        )
        if compare
        else []
    )
    other_currencies = []
    for currency in filters.scope.other_currencies:
        stores = [s.pk for s in filters.all_stores if s.currency == currency]
        other_currencies.append(
            {
                "currency": currency,
                "kpis": selectors.sales_summarise(
                    store_ids=stores,
                    start=filters.start,
                    end=filters.end,
                    returns_on=filters.returns_on,
                ),
            }
        )
    return {
        "kpis": kpis,
        "comparison": comparison,
        "change": selectors.kpis_change(current=kpis, previous=comparison),
        "series": [
            {k: row[k] for k in ("date", "total_sales", "net_sales", "orders")} for row in series
        ],
        "comparison_series": [
            {k: row[k] for k in ("date", "total_sales", "net_sales", "orders")}
            for row in comparison_series
        ],
        "top_products": selectors.products_top(
            **window, by="net_sales", limit=5, returns_on=filters.returns_on
        ),
        "other_currencies": other_currencies,
    }


def customers_report(filters: Filters, *, segment: str | None = None) -> dict:
    window = _window(filters)
    stores = filters.scope.store_ids
    segments = selectors.customers_rfm(store_ids=stores)
    return {
        "kpis": selectors.sales_summarise(**window, returns_on=filters.returns_on),
        "acquisition": selectors.customers_series(**window, granularity=filters.granularity),
        "cohorts": selectors.customers_cohorts(store_ids=stores, end=filters.end),
        "segments": segments,
        "segment": segment,
        "segment_customers": (
            selectors.customers_in_segment(store_ids=stores, segment=segment) if segment else []
        ),
        "spend_distribution": selectors.customers_spend_distribution(store_ids=stores),
        "orders_vs_spend": selectors.customers_orders_vs_spend(store_ids=stores),
        "top_customers": selectors.customers_top(**window),
        "countries": selectors.customers_by_country(store_ids=stores),
    }


def orders_report(filters: Filters) -> dict:
    window = _window(filters)
    series = selectors.sales_series(
        **window, granularity=filters.granularity, returns_on=filters.returns_on
    )
    for row in series:
        row["discount_rate"] = selectors.percent(row["discounted_orders"], row["orders"])
        row["refund_rate"] = selectors.percent(row["refunded_orders"], row["orders"])
        row["items_per_order"] = selectors.money_divide(row["units_sold"], row["orders"])
    kpis = selectors.sales_summarise(**window, returns_on=filters.returns_on)
    totals = {"orders": kpis["orders"]} | {
        key: sum(row[key] for row in series)
        for key in ("discounted_orders", "refunded_orders", "cancelled_orders")
    }
    return {
        "kpis": kpis,
        "totals": totals
        | {
            "discount_rate": selectors.percent(totals["discounted_orders"], totals["orders"]),
            "refund_rate": selectors.percent(totals["refunded_orders"], totals["orders"]),
            "items_per_order": selectors.money_divide(kpis["units_sold"], kpis["orders"]),
        },
        "series": series,
        "status_mix": selectors.orders_status_mix(**window),
        "heatmap": selectors.orders_heatmap(**window),
    }


def products_report(filters: Filters, *, product_id: int | None = None) -> dict:
    window = _window(filters)
    top = selectors.products_top(**window, by="net_sales", limit=10, returns_on=filters.returns_on)
    chosen = product_id or (top[0]["product_shopify_id"] if top else None)
    return {
        "top_products": top,
        "top_by_units": selectors.products_top(
            **window, by="units_sold", limit=10, returns_on=filters.returns_on
        ),
        "top_variants": selectors.products_top(
            **window, by="net_sales", limit=10, by_variant=True, returns_on=filters.returns_on
        ),
        "product": chosen,
        "product_series": (
            selectors.product_series(
                **window,
                product_shopify_id=chosen,
                granularity=filters.granularity,
                returns_on=filters.returns_on,
            )
            if chosen is not None
            else []
        ),
        "stock": selectors.products_stock(store_ids=filters.scope.store_ids, end=filters.end),
        "unsold": selectors.products_unsold(**window),
    }


BUILDERS = {
    "overview": dashboard_report,
    "customers": customers_report,
    "orders": orders_report,
    "products": products_report,
}


def report_extra(section: str, params) -> dict:
    """What a section takes besides the filters, from a query string: the customers page's RFM
    segment (only a known one) and the products page's chosen product."""
    if section == "customers":
        segment = params.get("segment")
        return {"segment": segment if segment in selectors.RFM_SEGMENTS else None}
    if section == "products":
        raw = params.get("product") or ""
        return {"product_id": int(raw) if raw.isdigit() else None}
    return {}


def report_key(filters: Filters, extra: dict) -> dict:
    """What a cached report (or its rendering) depends on besides the rollup version; the dates
    are explicit because a relative range like "last 30 days" moves at midnight."""
    key = {"query": filters.query(), "stores": filters.scope.store_ids, "start": filters.start}
    return key | {"end": filters.end, **extra}


def report_body(section: str, filters: Filters, **extra) -> dict:
    """The section's numbers, cached until the rollups change (any refresh in this schema bumps
    the version, see analytics.cache)."""
    key = report_key(filters, extra)
    return cached(f"report:{section}", key, lambda: BUILDERS[section](filters, **extra))


def report_build(section: str, filters: Filters, tenant, **extra) -> dict:
    """The section's report: its numbers (report_body) with freshness read every time."""
    return header(filters, tenant) | report_body(section, filters, **extra)


def jsonable(value):
    """Decimal money as "1234.50" strings, dates as ISO 8601, recursively."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value
