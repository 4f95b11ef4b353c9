"""CSV downloads: every table and chart on the pages, from the same report dicts."""

import csv
import io

from analytics.reports import jsonable
from analytics.selectors import KPI_KEYS


def _rows(items: list[dict], columns: list[str]) -> tuple[list[str], list[list]]:
    return columns, [[row.get(c) for c in columns] for row in items]


def _kpis(report: dict):
    previous = report.get("comparison") or {}
    return ["metric", "value", "comparison"], [
        [key, report["kpis"][key], previous.get(key, "")] for key in KPI_KEYS
    ]


def _sales(report: dict):
    previous = report["comparison_series"]
    columns = ["date", "total_sales", "net_sales", "orders"]
    header = [*columns, "comparison_date", "comparison_total_sales", "comparison_orders"]
    rows = []
    for i, row in enumerate(report["series"]):
        other = previous[i] if i < len(previous) else {}
        rows.append(
            [row[c] for c in columns]
            + [other.get("date", ""), other.get("total_sales", ""), other.get("orders", "")]
        )
    return header, rows


_PRODUCT_COLUMNS = [
    "product_shopify_id",
    "variant_shopify_id",
    "title",
    "units_sold",
    "gross_sales",
    "discounts",
    "returns",
    "net_sales",
]


def _cohorts(report: dict):
    header = ["cohort", "customers"] + [f"month_{k}_retention_pct" for k in range(12)]
    header += [f"month_{k}_ltv" for k in range(12)]
    rows = [
        [row["cohort"], row["customers"], *row["retention"], *row["ltv"]]
        for row in report["cohorts"]
    ]
    return header, rows


def _heatmap(report: dict):
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    return ["weekday", *[f"{h:02d}h" for h in range(24)]], [
        [days[i], *counts] for i, counts in enumerate(report["heatmap"])
    ]


def _status_mix(report: dict):
    rows = [["financial", m["status"], m["orders"]] for m in report["status_mix"]["financial"]]
    rows += [["fulfillment", m["status"], m["orders"]] for m in report["status_mix"]["fulfillment"]]
    return ["kind", "status", "orders"], rows


EXPORTS = {
    "overview": {
        "kpis": _kpis,
        "sales": _sales,
        "top_products": lambda r: _rows(r["top_products"], _PRODUCT_COLUMNS),
        "syncs": lambda r: _rows(
            r["sync"]["recent"], ["store", "kind", "status", "started_at", "finished_at"]
        ),
    },
    "customers": {
        "acquisition": lambda r: _rows(
            r["acquisition"], ["date", "new_customers", "returning_customers"]
        ),
        "cohorts": _cohorts,
        "segments": lambda r: _rows(r["segments"], ["segment", "label", "customers", "net_sales"]),
        "segment_customers": lambda r: _rows(
            r["segment_customers"],
            ["customer_shopify_id", "name", "email", "orders", "net_sales", "last_day"],
        ),
        "spend_distribution": lambda r: _rows(
            r["spend_distribution"], ["low", "high", "customers"]
        ),
        "orders_vs_spend": lambda r: _rows(r["orders_vs_spend"], ["orders", "net_sales"]),
        "top_customers": lambda r: _rows(
            r["top_customers"],
            ["customer_shopify_id", "name", "email", "orders", "net_sales", "lifetime_net_sales"],
        ),
        "countries": lambda r: _rows(r["countries"], ["country_code", "customers", "net_sales"]),
    },
    "orders": {
        "series": lambda r: _rows(
            r["series"],
            [
                "date",
                "orders",
                "total_sales",
                "net_sales",
                "discounted_orders",
                "discount_rate",
                "refunded_orders",
                "refund_rate",
                "items_per_order",
                "cancelled_orders",
            ],
        ),
        "status_mix": _status_mix,
        "heatmap": _heatmap,
    },
    "products": {
        "top_products": lambda r: _rows(r["top_products"], _PRODUCT_COLUMNS),
        "top_by_units": lambda r: _rows(r["top_by_units"], _PRODUCT_COLUMNS),
        "top_variants": lambda r: _rows(r["top_variants"], _PRODUCT_COLUMNS),
        "product_series": lambda r: _rows(r["product_series"], ["date", "units_sold", "net_sales"]),
        "stock": lambda r: _rows(
            r["stock"],
            ["product_shopify_id", "title", "on_hand", "sold_30d", "sell_through", "days_of_cover"],
        ),
        "unsold": lambda r: _rows(r["unsold"], ["product_shopify_id", "title", "on_hand"]),
    },
}


def csv_text(section: str, name: str, report: dict) -> str | None:
    """The CSV of one table or chart of a page, or None if the page has no such table."""
    build = EXPORTS.get(section, {}).get(name)
    if build is None:
        return None
    header, rows = build(report)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else jsonable(v) for v in row])
    return out.getvalue()
