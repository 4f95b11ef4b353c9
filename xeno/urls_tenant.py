"""URLs of a tenant host (<slug>.BASE_DOMAIN). Every view here runs in the tenant's schema,
behind accounts.middleware.TenantMembershipMiddleware."""

from django.urls import include, path

from analytics import api_urls as analytics_api
from shopify_sync import api_urls as sync_api

urlpatterns = [
    path("", include("analytics.urls")),
    path("sync/", include("shopify_sync.urls")),
    path("settings/", include("tenants.urls")),
    path("auth/", include("accounts.urls_tenant")),
    path("api/analytics/", include(analytics_api.tenant_host_urlpatterns)),
    path("api/sync/", include(sync_api.tenant_host_urlpatterns)),
]
