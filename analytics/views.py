"""Analytics pages: one full page per section; htmx requests get only the page's `body` partial.

Every page takes the filters of analytics.filters; `?export=<table>` downloads that table or
chart as CSV (the export right, which viewers lack).
"""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.access import require_capability, tenant_access_for_request
from accounts.permissions import EXPORT_DATA, VIEW_ANALYTICS, role_can
from accounts.services import audit_record
from analytics import filters, fragments, reports
from analytics.exports import csv_text
from analytics.selectors import sync_status

PAGES = {
    "overview": "Overview",
    "customers": "Customers",
    "orders": "Orders",
    "products": "Products",
}


def _analytics_page(request, section: str):
    tenant, membership = tenant_access_for_request(request, capability=VIEW_ANALYTICS)
    export = request.GET.get("export")
    if export:
        require_capability(membership, EXPORT_DATA)
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
    if state.scope is not None and status == 200 and export:
        extra = reports.report_extra(section, request.GET)
        report = reports.report_build(section, state, tenant, **extra)
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
    if state.scope is not None and status == 200:
        context["report"] = reports.header(state, tenant)
        context["numbers"] = fragments.report_numbers_html(
            section=section,
            filters=state,
            tenant=tenant,
            can_export=context["can_export"],
            extra=reports.report_extra(section, request.GET),
        )
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
