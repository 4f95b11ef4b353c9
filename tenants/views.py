from django.shortcuts import render

from accounts.access import tenant_access_for_request
from accounts.permissions import MANAGE_STORES


def settings_page(request):
    tenant_access_for_request(request, capability=MANAGE_STORES)
    return render(request, "tenants/settings.html", {"section": "settings"})
