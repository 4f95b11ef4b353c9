"""Host-based routing: the main host serves the platform, `<slug>.<BASE_DOMAIN>` serves a tenant."""

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.urls import set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.selectors import tenant_for_hostname


def is_main_host(hostname: str) -> bool:
    return hostname == settings.BASE_DOMAIN or hostname in settings.MAIN_HOST_ALIASES


class TenantHostMiddleware(TenantMainMiddleware):
    """Selects the schema and URLconf from the Host header.

    Unknown hosts get 404 without saying whether a tenant of that name exists.
    """

    def process_request(self, request):
        connection.set_schema_to_public()
        hostname = self.hostname_from_request(request).lower()
        if is_main_host(hostname):
            request.tenant = None
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return None
        tenant = tenant_for_hostname(hostname=hostname)
        if tenant is None:
            raise Http404("Page not found")
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return None
