from django.urls import path

from shopify_sync import views

urlpatterns = [
    path("", views.sync_page, name="sync"),
]
