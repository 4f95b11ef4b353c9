"""URLs of a tenant host (<slug>.BASE_DOMAIN). Every view here runs in the tenant's schema,
behind accounts.middleware.TenantMembershipMiddleware."""

from django.urls import path

from accounts import views as account_views
from analytics import views as analytics_views
from shopify_sync import views as sync_views
from tenants import views as tenant_views

urlpatterns = [
    path("", analytics_views.overview, name="overview"),
    path("customers/", analytics_views.customers, name="customers"),
    path("orders/", analytics_views.orders, name="orders"),
    path("products/", analytics_views.products, name="products"),
    path("sync/", sync_views.sync_page, name="sync"),
    path("settings/", tenant_views.settings_page, name="settings"),
    path("auth/handoff/", account_views.redeem_handoff, name="handoff"),
    path("auth/sign-out/", account_views.sign_out, name="tenant_sign_out"),
]
