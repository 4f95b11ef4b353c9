from django.urls import path

from shopify_sync import views

urlpatterns = [
    path("", views.sync_page, name="sync"),
    path("connect/", views.store_connect_page, name="store-connect"),
    path("stores/<int:store_id>/", views.store_panel, name="sync-store-panel"),
    path("stores/<int:store_id>/run/", views.store_sync_start, name="sync-store-run"),
]
