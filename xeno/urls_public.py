"""URLs of the main host (BASE_DOMAIN): sign-in, sign-up, staff admin, platform API, webhooks."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import views as account_views
from analytics import api_urls as analytics_api
from shopify_sync import api_urls as sync_api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("accounts.api_urls")),
    path("api/analytics/<int:tenant_id>/", include(analytics_api.main_host_urlpatterns)),
    path("api/sync/<int:tenant_id>/", include(sync_api.main_host_urlpatterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("webhooks/", include("shopify_sync.webhook_urls")),
]
