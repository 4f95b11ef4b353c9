"""Staff admin for tenants: status, stores, last sync, row counts and recent errors, read from
every listed tenant's schema in two queries (tenants.platform_stats), and whole-tenant actions."""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from tenants.models import ConnectedShop, Domain, Tenant
from tenants.platform_actions import tenant_failed_runs_retry, tenant_sync_trigger
from tenants.platform_stats import TenantStats, tenant_stats_for
from tenants.services import tenant_pause_set


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


def _stats(tenant: Tenant) -> TenantStats:
    return getattr(tenant, "platform_stats", None) or TenantStats()


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "status",
        "stores",
        "last_sync",
        "row_counts",
        "recent_errors",
        "created_at",
    )
    search_fields = ("name", "slug")
    list_filter = (("paused_at", admin.EmptyFieldListFilter),)
    # The slug names the schema and the host: renaming it here would strand the domain.
    readonly_fields = ("slug", "schema_name", "created_at", "paused_at")
    inlines = [DomainInline]
    actions = ["pause", "resume", "trigger_sync", "retry_failed_runs"]
    list_per_page = 50

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            page = list(changelist.result_list)  # fills the queryset's cache the template reuses
            stats = tenant_stats_for(tenants=page)
            for tenant in page:
                tenant.platform_stats = stats.get(tenant.pk)
        return response

    @admin.display(description="Status")
    def status(self, tenant: Tenant) -> str:
        return f"paused since {tenant.paused_at:%Y-%m-%d}" if tenant.is_paused else "active"

    @admin.display(description="Stores")
    def stores(self, tenant: Tenant):
        stores = _stats(tenant).stores
        return format_html_join(", ", "{}", ((s,) for s in stores)) if stores else "—"

    @admin.display(description="Last sync")
    def last_sync(self, tenant: Tenant):
        return _stats(tenant).last_sync or "—"

    @admin.display(description="Rows (approx.)")
    def row_counts(self, tenant: Tenant) -> str:
        rows = _stats(tenant).rows
        return ", ".join(f"{name} {count:,}" for name, count in sorted(rows.items())) or "—"

    @admin.display(description="Failed runs (7 days)")
    def recent_errors(self, tenant: Tenant):
        stats = _stats(tenant)
        if not stats.failed_runs_7d:
            return "0"
        return format_html("{} <br><small>{}</small>", stats.failed_runs_7d, stats.last_error)

    @admin.action(description="Pause syncing of the selected tenants")
    def pause(self, request, queryset):
        for tenant in queryset:
            tenant_pause_set(tenant=tenant, paused=True, actor=request.user, request=request)
        self.message_user(request, f"Paused {queryset.count()} tenant(s).")

    @admin.action(description="Resume syncing of the selected tenants")
    def resume(self, request, queryset):
        for tenant in queryset:
            tenant_pause_set(tenant=tenant, paused=False, actor=request.user, request=request)
        self.message_user(request, f"Resumed {queryset.count()} tenant(s).")

    @admin.action(description="Start a sync of every store of the selected tenants")
    def trigger_sync(self, request, queryset):
        runs = sum(
            tenant_sync_trigger(tenant=t, actor=request.user, request=request) for t in queryset
        )
        self.message_user(request, f"Queued {runs} sync run(s); paused tenants were skipped.")

    @admin.action(description="Retry the failed runs of the selected tenants")
    def retry_failed_runs(self, request, queryset):
        runs = sum(
            tenant_failed_runs_retry(tenant=t, actor=request.user, request=request)
            for t in queryset
        )
        level = messages.SUCCESS if runs else messages.INFO
        self.message_user(request, f"Queued {runs} retry run(s).", level=level)

    def has_add_permission(self, request):
        # A tenant is a schema, a host and an owner: created by sign-up (tenant_create) only.
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting drops a schema: only the owner does that, from the tenant's settings.
        return False


@admin.register(ConnectedShop)
class ConnectedShopAdmin(admin.ModelAdmin):
    """Which tenant a shop's webhooks go to: written by connecting and disconnecting stores."""

    list_display = ("shop_domain", "tenant", "connected_at")
    search_fields = ("shop_domain", "tenant__slug")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
