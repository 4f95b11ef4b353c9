"""Platform API on the main host: auth, profile, tenants and their users."""

from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="api-register"),
    path("auth/login", views.LoginView.as_view(), name="api-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="api-refresh"),
    path("auth/profile", views.ProfileView.as_view(), name="api-profile"),
    path("tenants", views.TenantListCreateView.as_view(), name="api-tenants"),
    path("tenants/<int:tenant_id>", views.TenantDetailView.as_view(), name="api-tenant"),
    path("tenants/<int:tenant_id>/users", views.TenantUsersView.as_view(), name="api-tenant-users"),
]
