from django.http import Http404
from django.shortcuts import render

from accounts.permissions import MANAGE_STORES, role_can


def settings_page(request):
    if not role_can(request.membership.role, MANAGE_STORES):
        raise Http404("Page not found")
    return render(request, "tenants/settings.html", {"section": "settings"})
