from django.contrib import admin

from tenants.models import Domain, Tenant


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone", "currency", "created_at", "paused_at")
    search_fields = ("name", "slug")
    readonly_fields = ("schema_name", "created_at")
    inlines = [DomainInline]
