from django.urls import include, path

from tenants import views

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("pause/", views.settings_pause, name="settings_pause"),
    path("welcome/", views.welcome, name="welcome"),
    path("export/", views.export_download, name="export"),
    path("delete/", views.delete_tenant, name="delete_tenant"),
    path("", include("accounts.urls_team")),
]
