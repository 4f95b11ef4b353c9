"""Analytics API: the pages' numbers as JSON (the same report functions, see analytics.reports).

Money is a decimal string ("1234.50") in the scope's currency; dates are local dates of the
store, inclusive. Bad filters answer 400 with {"errors": {<parameter>: <sentence>}}.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import tenant_access_for_request
from accounts.permissions import VIEW_ANALYTICS
from analytics import filters, reports
from analytics.selectors import KPI_KEYS

FILTER_PARAMETERS = [
    OpenApiParameter("range", str, enum=list(filters.RANGES), description="Preset date range"),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (custom range)"),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, inclusive"),
    OpenApiParameter("comparison", str, enum=list(filters.COMPARISONS)),
    OpenApiParameter("granularity", str, enum=list(filters.GRANULARITIES)),
    OpenApiParameter("returns", str, enum=list(filters.RETURNS_ON), description="Returns basis"),
    OpenApiParameter("store", int, description="One store's id (default: all stores)"),
    OpenApiParameter("currency", str, description="With all stores: which currency to add up"),
]


def _kpi_fields() -> dict:
    return {
        key: serializers.IntegerField()
        if key in ("orders", "units_sold", "new_customers", "returning_customers")
        else serializers.DecimalField(max_digits=16, decimal_places=2)
        for key in KPI_KEYS
    }


DASHBOARD_SCHEMA = inline_serializer(
    "Dashboard",
    {
        "tenant": serializers.DictField(),
        "store": serializers.DictField(),
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "timezone": serializers.CharField(),
        "currency": serializers.CharField(),
        "as_of": serializers.DateTimeField(allow_null=True),
        "kpis": inline_serializer("Kpis", _kpi_fields()),
        "comparison": inline_serializer("ComparisonKpis", _kpi_fields(), allow_null=True),
        "series": inline_serializer(
            "SeriesPoint",
            {
                "date": serializers.DateField(),
                "total_sales": serializers.DecimalField(max_digits=16, decimal_places=2),
                "net_sales": serializers.DecimalField(max_digits=16, decimal_places=2),
                "orders": serializers.IntegerField(),
            },
            many=True,
        ),
    },
)
DASHBOARD_KEYS = (
    "tenant", "store", "start", "end", "timezone", "currency", "as_of", "kpis", "comparison",
    "series",
)  # fmt: skip
_ERRORS = inline_serializer("FilterErrors", {"errors": serializers.DictField()})


class _AnalyticsView(APIView):
    section = ""

    def report(self, state, tenant, request) -> dict:
        raise NotImplementedError

    def get(self, request, tenant_id: int | None = None):
        tenant, _ = tenant_access_for_request(
            request, tenant_id=tenant_id, capability=VIEW_ANALYTICS
        )
        try:
            state = filters.filters_parse(request.query_params)
        except filters.FilterError as error:
            return Response({"errors": error.errors}, status=400)
        if state.scope is None:
            return Response({"errors": {"store": "this workspace has no store yet"}}, status=400)
        return Response(reports.jsonable(self.report(state, tenant, request)))


class DashboardView(_AnalyticsView):
    @extend_schema(
        summary="Overview KPIs, comparison and sales series",
        description="The stable dashboard contract. KPI definitions: docs/metrics.md.",
        parameters=FILTER_PARAMETERS,
        responses={200: DASHBOARD_SCHEMA, 400: _ERRORS},
    )
    def get(self, request, tenant_id: int | None = None):
        return super().get(request, tenant_id)

    def report(self, state, tenant, request) -> dict:
        report = reports.report_build("overview", state, tenant)
        return {key: report[key] for key in DASHBOARD_KEYS}


class CustomersView(_AnalyticsView):
    @extend_schema(
        summary="Customers: acquisition, cohorts, RFM segments, spend, top customers, countries",
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("segment", str, description="List this RFM segment's customers"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: _ERRORS},
    )
    def get(self, request, tenant_id: int | None = None):
        return super().get(request, tenant_id)

    def report(self, state, tenant, request) -> dict:
        extra = reports.report_extra("customers", request.query_params)
        report = reports.report_build("customers", state, tenant, **extra)
        report.pop("sync")
        return report


class OrdersView(_AnalyticsView):
    @extend_schema(
        summary="Orders: trend, status mix, weekday × hour heatmap, discount and refund rates",
        parameters=FILTER_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 400: _ERRORS},
    )
    def get(self, request, tenant_id: int | None = None):
        return super().get(request, tenant_id)

    def report(self, state, tenant, request) -> dict:
        report = reports.report_build("orders", state, tenant)
        report.pop("sync")
        return report


class ProductsView(_AnalyticsView):
    @extend_schema(
        summary="Products: top products and variants, a product's trend, stock, unsold",
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("product", int, description="Product whose trend to include"),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: _ERRORS},
    )
    def get(self, request, tenant_id: int | None = None):
        return super().get(request, tenant_id)

    def report(self, state, tenant, request) -> dict:
        extra = reports.report_extra("products", request.query_params)
        report = reports.report_build("products", state, tenant, **extra)
        report.pop("sync")
        return report
