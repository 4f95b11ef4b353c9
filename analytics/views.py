"""Analytics pages: one full page per section; htmx requests get only the page's `body` partial.

Every page takes the filters of analytics.filters; `?export=<table>` downloads that table or
chart as CSV (the export right, which viewers lack).
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.access import tenant_access_for_request
from accounts.permissions import EXPORT_DATA, VIEW_ANALYTICS, role_can
from accounts.services import audit_record
from analytics import charts, filters, reports
from analytics.exports import EXPORTS, csv_text
from analytics.selectors import sync_status

PAGES = {
    "overview": "Overview",
    "customers": "Customers",
    "orders": "Orders",
    "products": "Products",
}


def _int_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


def _extra(section: str, request) -> dict:
    if section == "customers":
        return {"segment": request.GET.get("segment") or None}
    if section == "products":
        return {"product_id": _int_or_none(request.GET.get("product"))}
    return {}


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


def _analytics_page(request, section: str):
    tenant, membership = tenant_access_for_request(request, capability=VIEW_ANALYTICS)
    export = request.GET.get("export")
    if export:
        tenant_access_for_request(request, capability=EXPORT_DATA)
    title = PAGES[section]
    context = {
        "section": section,
        "page_title": title,
        "can_export": role_can(membership.role, EXPORT_DATA),
        "options": {
            "ranges": filters.RANGES,
            "comparisons": filters.COMPARISONS,
            "granularities": filters.GRANULARITIES,
            "returns": filters.RETURNS_ON,
        },
    }
    status = 200
    try:
        state = filters.filters_parse(request.GET)
    except filters.FilterError as error:
        state = filters.filters_parse({})
        context["filter_errors"] = error.errors
        status = 400
    context["filters"] = state
    if state.scope is not None and status == 200:
        report = reports.report_build(section, state, tenant, **_extra(section, request))
        if export:
            text = csv_text(section, export, report)
            if text is None:
                raise Http404("No such table")
            response = HttpResponse(text, content_type="text/csv; charset=utf-8")
            name = f"{tenant.slug}-{section}-{export}-{state.start}-{state.end}.csv"
            audit_record(
                tenant=tenant,
                actor=request.user,
                action="data.exported",
                target=name,
                details={"section": section, "table": export},
                request=request,
            )
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        context["report"] = report
        context["charts"] = charts.SECTION_CHARTS[section](report, state.scope.currency)
        context["exports"] = EXPORTS[section]
        context |= _section_context(section, report)
    elif state.scope is not None:
        context["report"] = {"sync": sync_status(store_ids=state.scope.store_ids)}
    template = f"analytics/{section}.html"
    if request.htmx and not request.htmx.boosted:
        template += "#body"
    return render(request, template, context, status=status)


def overview(request):
    return _analytics_page(request, "overview")


def customers(request):
    return _analytics_page(request, "customers")


def orders(request):
    return _analytics_page(request, "orders")


def products(request):
    return _analytics_page(request, "products")
