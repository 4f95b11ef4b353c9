from django.urls import path

from tenants import views

urlpatterns = [
    path("", views.settings_page, name="settings"),
]
