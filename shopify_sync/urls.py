from django.urls import path

from shopify_sync import views

urlpatterns = [
    path("", views.sync_page, name="sync"),
    path("connect/", views.store_connect_page, name="store-connect"),
    path("oauth/start/", views.oauth_install_start, name="oauth-start"),
    path("oauth/callback/", views.oauth_install_callback, name="oauth-callback"),
    path("stores/<int:store_id>/", views.store_panel, name="sync-store-panel"),
    path("stores/<int:store_id>/run/", views.store_sync_start, name="sync-store-run"),
    path(
        "stores/<int:store_id>/schedule/", views.store_schedule_update, name="sync-store-schedule"
    ),
    path(
        "stores/<int:store_id>/disconnect/",
        views.store_disconnect_view,
        name="sync-store-disconnect",
    ),
]
