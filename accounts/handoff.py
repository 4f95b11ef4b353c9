"""One-time sign-in hand-off from the main host to a tenant host.

Sessions are host-only cookies: a tenant's session cookie is never sent to another tenant's host.
After signing in on the main host, the user is redirected to the tenant host with a signed token
that is valid for 60 seconds and can be redeemed once.
"""

import secrets
from urllib.parse import urlencode

from django.core import signing
from django.core.cache import cache

from tenants.hosts import tenant_host_url

_SALT = "xeno.accounts.tenant-handoff"
HANDOFF_MAX_AGE_SECONDS = 60


def handoff_token_create(*, user_id: int, tenant_id: int) -> str:
    return signing.dumps({"u": user_id, "t": tenant_id, "n": secrets.token_urlsafe(16)}, salt=_SALT)


def handoff_url(*, user_id: int, tenant, next_path: str = "/") -> str:
    """Where to send a user signed in on the main host: the tenant host's hand-off, which signs
    them in there and goes on to `next_path`."""
    token = handoff_token_create(user_id=user_id, tenant_id=tenant.pk)
    query = urlencode({"token": token, "next": next_path})
    return tenant_host_url(tenant, f"/auth/handoff/?{query}")


def handoff_token_redeem(*, token: str, tenant_id: int) -> int | None:
    """The user id the token was issued for, or None if it is forged, expired, used or foreign."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=HANDOFF_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if payload.get("t") != tenant_id:
        return None
    # cache.add is atomic in Redis: only the first redemption of a nonce succeeds.
    if not cache.add(f"handoff:{payload['n']}", 1, timeout=HANDOFF_MAX_AGE_SECONDS * 2):
        return None
    return payload["u"]
