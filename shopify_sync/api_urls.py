"""Sync API: the same views on the main host (by tenant id) and on the tenant host."""

main_host_urlpatterns: list = []
tenant_host_urlpatterns: list = []
