"""Analytics API: the same views on the main host (by tenant id) and on the tenant host."""

from django.urls import re_path

from analytics import api

# Both `dashboard` and `dashboard/` answer: integrations write either.
_patterns = [
    re_path(r"^dashboard/?$", api.DashboardView.as_view(), name="analytics-api-dashboard"),
    re_path(r"^customers/?$", api.CustomersView.as_view(), name="analytics-api-customers"),
    re_path(r"^orders/?$", api.OrdersView.as_view(), name="analytics-api-orders"),
    re_path(r"^products/?$", api.ProductsView.as_view(), name="analytics-api-products"),
]

main_host_urlpatterns: list = list(_patterns)
tenant_host_urlpatterns: list = list(_patterns)
