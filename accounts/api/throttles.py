"""API throttles: per user (or per address when anonymous), per tenant, and for sign-in calls.

Rates are read at request time, so that settings (and tests) can change them.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_SettingsRateThrottle):
    """Per signed-in user; anonymous callers are counted per address under the `anon` rate."""

    scope = "user"

    def allow_request(self, request, view):
        self.scope = "user" if request.user and request.user.is_authenticated else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class TenantThrottle(_SettingsRateThrottle):
    """All members of one tenant together. Only members count against a tenant's budget, so an
    outsider cannot exhaust another tenant's quota by calling its URLs."""

    scope = "tenant"

    def get_cache_key(self, request, view):
        from accounts.access import tenant_membership_on_main_host

        if not (request.user and request.user.is_authenticated):
            return None
        tenant = getattr(request._request, "tenant", None)
        if tenant is None:
            tenant_id = getattr(view, "kwargs", {}).get("tenant_id")
            if tenant_id is None:
                return None
            tenant, membership = tenant_membership_on_main_host(request, tenant_id)
            if membership is None:
                return None
        return self.cache_format % {"scope": self.scope, "ident": tenant.pk}


class AuthThrottle(_SettingsRateThrottle):
    """Sign-in, register and refresh: per address, tighter than the general rate."""

    scope = "auth"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
