"""URLs of the main host (BASE_DOMAIN): sign-in, sign-up, staff admin, platform API, webhooks."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
