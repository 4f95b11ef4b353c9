"""Sync API: the same views on the main host (by tenant id) and on the tenant host."""

from django.urls import re_path

from shopify_sync.api import RESOURCE_ENDPOINTS, SyncStatusView


def _patterns(prefix: str) -> list:
    return [
        *(
            re_path(rf"^{name}/?$", view, name=f"{prefix}sync-{name}")
            for name, view in RESOURCE_ENDPOINTS.items()
        ),
        re_path(r"^status/?$", SyncStatusView.as_view(), name=f"{prefix}sync-status"),
    ]


main_host_urlpatterns = _patterns("main-")
tenant_host_urlpatterns = _patterns("tenant-")
