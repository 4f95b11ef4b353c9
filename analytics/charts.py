"""Chart.js configurations for the pages, built from report dicts (static/js/xeno.js draws them).

Money goes to Chart.js as decimal strings, which it parses itself, so no float is made here.
"""

from analytics.reports import jsonable

BLUE, GREY, GREEN, ORANGE, RED, PURPLE = (
    "#2f6fed",
    "#a3aab8",
    "#17804a",
    "#e08a00",
    "#c23b32",
    "#7b5cd6",
)
PALETTE = [BLUE, GREEN, ORANGE, PURPLE, RED, GREY, "#1aa3a3", "#d65c9e"]


def _options(*, stacked: bool = False, legend: bool = True, y_title: str = "") -> dict:
    return {
        "responsive": True,
        "maintainAspectRatio": False,
        "animation": False,
        "interaction": {"mode": "index", "intersect": False},
        "plugins": {"legend": {"display": legend, "position": "bottom"}},
        "scales": {
            "x": {"stacked": stacked, "grid": {"display": False}},
            "y": {
                "stacked": stacked,
                "beginAtZero": True,
                "title": {"display": bool(y_title), "text": y_title},
            },
        },
    }


def line(labels, datasets, *, y_title: str = "") -> dict:
    return {
        "type": "line",
        "data": {"labels": jsonable(labels), "datasets": jsonable(datasets)},
        "options": _options(y_title=y_title),
    }


def bar(labels, datasets, *, stacked: bool = False, y_title: str = "") -> dict:
    options = _options(stacked=stacked, legend=len(datasets) > 1, y_title=y_title)
    options["scales"]["y"]["ticks"] = {"precision": 0}  # bars here count orders or customers
    return {
        "type": "bar",
        "data": {"labels": jsonable(labels), "datasets": jsonable(datasets)},
        "options": options,
    }


def doughnut(labels, values) -> dict:
    return {
        "type": "doughnut",
        "data": {
            "labels": labels,
            "datasets": [{"data": values, "backgroundColor": PALETTE[: len(values)]}],
        },
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "plugins": {"legend": {"position": "right"}},
        },
    }


def series_line(label: str, values, color: str, *, dashed: bool = False) -> dict:
    dataset = {
        "label": label,
        "data": values,
        "borderColor": color,
        "backgroundColor": color,
        "cubicInterpolationMode": "monotone",  # smooth without dipping below zero
        "pointRadius": 2,
    }
    if dashed:
        dataset["borderDash"] = [6, 4]
    return dataset


def overview_charts(report: dict, currency: str) -> dict:
    series, previous = report["series"], report["comparison_series"]
    labels = [row["date"] for row in series]
    sales = [series_line("Total sales", [r["total_sales"] for r in series], BLUE)]
    if previous:
        sales.append(
            series_line(
                "Comparison", [r["total_sales"] for r in previous][: len(series)], GREY, dashed=True
            )
        )
    orders = [{"label": "Orders", "data": [r["orders"] for r in series], "backgroundColor": BLUE}]
    if previous:
        orders.append(
            {
                "label": "Comparison",
                "data": [r["orders"] for r in previous][: len(series)],
                "backgroundColor": "#d5d9e2",
            }
        )
    return {
        "chart-sales": line(labels, sales, y_title=currency),
        "chart-orders": bar(labels, orders),
    }


def customers_charts(report: dict, currency: str) -> dict:
    acquisition = report["acquisition"]
    labels = [row["date"] for row in acquisition]
    distribution = report["spend_distribution"]
    cohorts = report["cohorts"]
    ltv = [
        series_line(row["cohort"].strftime("%b %Y"), row["ltv"], PALETTE[i % len(PALETTE)])
        for i, row in enumerate(cohorts[-6:])
    ]
    return {
        "chart-acquisition": bar(
            labels,
            [
                {
                    "label": "New",
                    "data": [r["new_customers"] for r in acquisition],
                    "backgroundColor": BLUE,
                },
                {
                    "label": "Returning",
                    "data": [r["returning_customers"] for r in acquisition],
                    "backgroundColor": GREEN,
                },
            ],
            stacked=True,
        ),
        "chart-ltv": line(
            [f"Month {k}" for k in range(12)], ltv, y_title=f"{currency} per customer"
        ),
        "chart-spend": bar(
            [
                f"{b['low']:.0f}+" if b["high"] is None else f"{b['low']:.0f}–{b['high']:.0f}"
                for b in distribution
            ],
            [
                {
                    "label": "Customers",
                    "data": [b["customers"] for b in distribution],
                    "backgroundColor": PURPLE,
                }
            ],
        ),
        "chart-scatter": {
            "type": "scatter",
            "data": {
                "datasets": [
                    {
                        "label": "Customers",
                        "data": jsonable(
                            [
                                {"x": r["orders"], "y": r["net_sales"]}
                                for r in report["orders_vs_spend"]
                            ]
                        ),
                        "backgroundColor": "rgba(47,111,237,.45)",
                    }
                ]
            },
            "options": {
                "responsive": True,
                "maintainAspectRatio": False,
                "animation": False,
                "plugins": {"legend": {"display": False}},
                "scales": {
                    "x": {"title": {"display": True, "text": "Orders"}},
                    "y": {"title": {"display": True, "text": f"Net sales ({currency})"}},
                },
            },
        },
    }


def orders_charts(report: dict, currency: str) -> dict:
    series = report["series"]
    labels = [row["date"] for row in series]
    mix = report["status_mix"]
    return {
        "chart-orders-trend": bar(
            labels,
            [{"label": "Orders", "data": [r["orders"] for r in series], "backgroundColor": BLUE}],
        ),
        "chart-orders-sales": line(
            labels,
            [series_line("Total sales", [r["total_sales"] for r in series], GREEN)],
            y_title=currency,
        ),
        "chart-financial": doughnut(
            [m["status"] for m in mix["financial"]], [m["orders"] for m in mix["financial"]]
        ),
        "chart-fulfillment": doughnut(
            [m["status"] for m in mix["fulfillment"]], [m["orders"] for m in mix["fulfillment"]]
        ),
        "chart-rates": line(
            labels,
            [
                series_line(
                    "Orders with a discount (%)", [r["discount_rate"] for r in series], ORANGE
                ),
                series_line("Orders refunded (%)", [r["refund_rate"] for r in series], RED),
            ],
            y_title="%",
        ),
    }


def products_charts(report: dict, currency: str) -> dict:
    series = report["product_series"]
    labels = [row["date"] for row in series]
    top = report["top_products"]
    return {
        "chart-top-products": {
            **bar(
                [p["title"][:28] for p in top],
                [
                    {
                        "label": f"Net sales ({currency})",
                        "data": [p["net_sales"] for p in top],
                        "backgroundColor": BLUE,
                    }
                ],
            ),
        }
        | {"options": _options(legend=False) | {"indexAxis": "y"}},
        "chart-product-trend": line(
            labels,
            [
                series_line(f"Net sales ({currency})", [r["net_sales"] for r in series], BLUE),
                series_line("Units", [r["units_sold"] for r in series], GREEN),
            ],
        ),
    }


SECTION_CHARTS = {
    "overview": overview_charts,
    "customers": customers_charts,
    "orders": orders_charts,
    "products": products_charts,
}
