"""Tenant host: settings (reporting, syncing, retention), onboarding, export and deletion."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import tenant_access_for_request
from accounts.forms import DeleteTenantForm, TenantSettingsForm, form_errors_from
from accounts.permissions import EXPORT_DATA, MANAGE_STORES, MANAGE_TENANT, role_can
from accounts.selectors import invitation_list_open, membership_list_for_tenant
from tenants.export import tenant_export_zip
from tenants.hosts import main_host_url
from tenants.selectors import tenant_store_summary
from tenants.services import tenant_delete, tenant_pause_set, tenant_settings_update


def _settings_context(*, tenant, membership, form=None, delete_form=None) -> dict:
    return {
        "section": "settings",
        "form": form
        or TenantSettingsForm(
            initial={
                "timezone": tenant.timezone,
                "currency": tenant.currency,
                "data_retention_months": tenant.data_retention_months,
            }
        ),
        "delete_form": delete_form or DeleteTenantForm(),
        "stores": tenant_store_summary(),
        "can_export": role_can(membership.role, EXPORT_DATA),
        "can_delete": role_can(membership.role, MANAGE_TENANT),
    }


def settings_page(request):
    tenant, membership = tenant_access_for_request(request, capability=MANAGE_STORES)
    form = TenantSettingsForm(request.POST) if request.method == "POST" else None
    status = 200
    if form is not None and form.is_valid():
        try:
            tenant_settings_update(
                tenant=tenant, actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, "Settings saved.")
            if not request.htmx:
                return HttpResponseRedirect("/settings/")
    if form is not None and form.errors:
        status = 400
    context = _settings_context(tenant=tenant, membership=membership, form=form)
    template = "tenants/settings.html#general" if request.htmx and form else "tenants/settings.html"
    return render(request, template, context, status=status)


@require_POST
def settings_pause(request):
    tenant, membership = tenant_access_for_request(request, capability=MANAGE_STORES)
    paused = request.POST.get("paused") == "1"
    tenant_pause_set(tenant=tenant, paused=paused, actor=request.user, request=request)
    if request.htmx:
        return render(
            request,
            "tenants/settings.html#syncing",
            _settings_context(tenant=tenant, membership=membership),
        )
    messages.success(request, "Syncing paused." if paused else "Syncing resumed.")
    return HttpResponseRedirect("/settings/")


def welcome(request):
    """The onboarding wizard after sign-up. Store connection is owned by shopify_sync: its step
    links to the sync page until the connection flow lands there."""
    tenant, _membership = tenant_access_for_request(request, capability=MANAGE_STORES)
    stores = tenant_store_summary()

    context = {
        "section": "settings",
        "stores": stores,
        "has_team": len(membership_list_for_tenant(tenant=tenant)) > 1
        or bool(invitation_list_open(tenant=tenant)),
    }
    return render(request, "tenants/welcome.html", context)


def export_download(request):
    tenant, _membership = tenant_access_for_request(request, capability=EXPORT_DATA)
    archive = tenant_export_zip(tenant=tenant, actor=request.user, request=request)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return FileResponse(
        archive,
        as_attachment=True,
        filename=f"xeno-{tenant.slug}-{stamp}.zip",
        content_type="application/zip",
    )


@require_POST
def delete_tenant(request):
    tenant, membership = tenant_access_for_request(request, capability=MANAGE_TENANT)
    form = DeleteTenantForm(request.POST)
    if form.is_valid():
        try:
            tenant_delete(
                tenant=tenant,
                actor=request.user,
                confirm_name=form.cleaned_data["confirm_name"],
                request=request,
            )
        except ValidationError as error:
            form.add_error("confirm_name", error.message_dict.get("confirm_name", error.messages))
        else:
            # The tenant's host no longer exists: continue on the main host.
            return HttpResponseRedirect(main_host_url("/?deleted=1"))
    context = _settings_context(tenant=tenant, membership=membership, delete_form=form)
    template = "tenants/settings.html#danger" if request.htmx else "tenants/settings.html"
    return render(request, template, context, status=400)
