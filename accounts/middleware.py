"""Membership gate for tenant hosts: the one place that decides who may see a tenant at all."""

from urllib.parse import urlencode

from django.http import Http404, HttpResponseRedirect, JsonResponse

from accounts.selectors import membership_for
from tenants.hosts import main_host_url

# Reachable on a tenant host without a session: the sign-in hand-off and static files.
OPEN_PATH_PREFIXES = ("/auth/handoff/", "/static/")


class TenantMembershipMiddleware:
    """On a tenant host: anonymous → sign-in (pages) or 401 (API); non-member → 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        request.membership = None
        if tenant is None and request.path.startswith("/admin/"):
            # django-tenants' admin templates read request.tenant.schema_name when the attribute
            # exists; on the main host it is None, and "no attribute" is how they mean public.
            del request.tenant
            return self.get_response(request)
        if tenant is None or request.path.startswith(OPEN_PATH_PREFIXES):
            return self.get_response(request)
        if not request.user.is_authenticated and request.path.startswith("/api/"):
            _authenticate_bearer(request)
        if not request.user.is_authenticated:
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Authentication credentials were not provided."}, status=401
                )
            next_url = request.build_absolute_uri()
            return HttpResponseRedirect(
                main_host_url("/accounts/sign-in/") + "?" + urlencode({"next": next_url})
            )
        request.membership = membership_for(user=request.user, tenant=tenant)
        if request.membership is None:
            # Same answer as for a tenant that does not exist: its existence is not revealed.
            raise Http404("Page not found")
        return self.get_response(request)


def _authenticate_bearer(request) -> None:
    """API clients on a tenant host send a JWT, not a session: the gate must see that user too
    (DRF would authenticate it only after this middleware has already answered 401)."""
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework_simplejwt.authentication import JWTAuthentication

    try:
        result = JWTAuthentication().authenticate(request)
    except AuthenticationFailed:
        return
    if result is not None:
        request.user = result[0]
