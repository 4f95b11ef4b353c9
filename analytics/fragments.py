"""The numbers part of each analytics page, rendered once per filter state and rollup version.

On the larger pages, turning a cached report into tables and chart data costs more than the report
itself, and under concurrent load that rendering is what queues requests. The rendered HTML is
therefore cached beside the report, under the same rollup version (see analytics.cache), so it is
never older than the numbers it shows; what changes between two requests with the same filters
(freshness, warnings, a running sync, the form) is rendered around it on every request.
"""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from analytics import charts, reports
from analytics.cache import cached
from analytics.filters import Filters

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _section_context(section: str, report: dict) -> dict:
    """Shapes only a template needs (the numbers themselves are all in the report)."""
    if section == "orders":
        busiest = max((max(row) for row in report["heatmap"]), default=0) or 1
        return {
            "hours": range(24),
            "heatmap_rows": [
                {
                    "day": WEEKDAYS[i],
                    "cells": [{"orders": n, "share": round(100 * n / busiest)} for n in row],
                }
                for i, row in enumerate(report["heatmap"])
            ],
        }
    if section == "products":
        return {"product_param": str(report["product"] or "")}
    return {}


def report_numbers_html(
    *, section: str, filters: Filters, tenant, can_export: bool, extra: dict
) -> SafeString:
    """The section's `numbers` partial for these filters; CSV links only for `can_export`."""

    def render() -> str:
        report = reports.report_body(section, filters, **extra)
        context = {
            "section": section,
            "filters": filters,
            "can_export": can_export,
            "report": report,
            "charts": charts.SECTION_CHARTS[section](report, filters.scope.currency),
        } | _section_context(section, report)
        return render_to_string(f"analytics/{section}.html#numbers", context)

    key = reports.report_key(filters, extra) | {"can_export": can_export}
    # The cached text is the output of our own autoescaping template, not raw input.
    return mark_safe(cached(f"html:{section}", key, render))  # noqa: S308
