"""Failed sign-in counting on the shared cache: after SIGN_IN_FAILURE_LIMIT failures for one email
from one address, further tries are refused for SIGN_IN_LOCKOUT_SECONDS.

Keyed by email *and* address so that a stranger cannot lock a person out from everywhere.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, email: str, ip: str) -> str:
    digest = hashlib.sha256(f"{email.strip().lower()}|{ip}".encode()).hexdigest()[:32]
    return f"signin:{kind}:{digest}"


def sign_in_lockout_remaining(*, email: str, ip: str) -> int:
    """Seconds until this email may try again from this address (0: not locked)."""
    until = cache.get(_key("locked", email, ip))
    return max(0, int(until - time.time())) if until else 0


def sign_in_failure_record(*, email: str, ip: str) -> int:
    """Counts one failure; returns the lockout seconds it triggered (0: none yet)."""
    window = settings.SIGN_IN_LOCKOUT_SECONDS
    key = _key("failures", email, ip)
    cache.add(key, 0, timeout=window)
    failures = cache.incr(key)
    if failures < settings.SIGN_IN_FAILURE_LIMIT:
        return 0
    cache.set(_key("locked", email, ip), time.time() + window, timeout=window)
    cache.delete(key)
    return window


def sign_in_failures_clear(*, email: str, ip: str) -> None:
    cache.delete_many([_key("failures", email, ip), _key("locked", email, ip)])
