"""Results of the heavier whole-history selectors, cached until the rollups next change.

The version is bumped when a transaction that refreshed rollups commits, so a cached answer is
never older than the rollups it came from; every web process and worker sees the same version.
"""

import hashlib
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection, transaction

TIMEOUT_SECONDS = 3600


def _version_key() -> str:
    return f"analytics:rollups-version:{connection.schema_name}"


def rollups_changed() -> None:
    """Marks the current schema's cached analytics stale once the transaction commits."""
    key = _version_key()
    transaction.on_commit(lambda: cache.set(key, time.time_ns(), None))


def cached(name: str, params: dict, compute: Callable[[], object]):
    """compute()'s value, shared until the current schema's rollups change."""
    version = cache.get(_version_key(), 0)
    digest = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:24]
    key = f"analytics:{connection.schema_name}:{version}:{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT_SECONDS)
    return value
