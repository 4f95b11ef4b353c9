"""The one authentication backend: Django's model backend behind the sign-in lockout.

Every sign-in path (the sign-in form, the JWT login, the admin) goes through `authenticate()`,
so the lockout and the audit of failed sign-ins cannot be bypassed by a new entry point.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.lockout import (
    sign_in_failure_record,
    sign_in_failures_clear,
    sign_in_lockout_remaining,
)


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = (kwargs.get("email") or username or "").strip().lower()
        if not email or password is None:
            return None
        ip = client_ip(request)
        if sign_in_lockout_remaining(email=email, ip=ip):
            # PermissionDenied stops authenticate() from trying anything else.
            raise PermissionDenied("Too many failed sign-ins; try again later.")
        user = super().authenticate(request, username=email, password=password)
        if user is None:
            from accounts.services import sign_in_failure_audit

            sign_in_failure_record(email=email, ip=ip)
            sign_in_failure_audit(email=email, request=request)
            return None
        sign_in_failures_clear(email=email, ip=ip)
        return user
