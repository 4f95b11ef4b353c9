"""Read-only figures about many tenants at once, for the staff admin.

Each tenant's stores and runs live in its own schema; reading them tenant by tenant would cost a
schema switch and several queries per row. Instead one UNION ALL query reads every listed
schema, and row counts come from PostgreSQL's statistics (approximate, free) rather than count(*).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, connection, transaction
from django_tenants.postgresql_backend.base import _check_schema_name

from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass
class TenantStats:
    stores: list[str] = field(default_factory=list)
    last_sync: datetime | None = None
    failed_runs_7d: int = 0
    last_error: str = ""
    rows: dict[str, int] = field(default_factory=dict)


def _tables():
    from shopify_sync.models import Customer, Order, Product, Store, SyncRun

    return Store, SyncRun, {"customers": Customer, "orders": Order, "products": Product}


def tenant_stats_for(*, tenants: list[Tenant]) -> dict[int, TenantStats]:
    """Stores, last successful sync, failed runs of the last 7 days, the latest error and
    approximate row counts, per tenant id, in two queries whatever the number of tenants."""
    stats = {tenant.pk: TenantStats() for tenant in tenants}
    if not tenants:
        return stats
    store, run, counted = _tables()
    parts, params = [], []
    for tenant in tenants:
        _check_schema_name(tenant.schema_name)  # identifiers below are quoted and validated
        s = f'"{tenant.schema_name}"'
        parts.append(
            f"SELECT %s, "  # noqa: S608
            f"(SELECT array_agg(shop_domain || ' (' || status || ')' ORDER BY shop_domain) "
            f"FROM {s}.{store._meta.db_table}), "
            f"(SELECT max(finished_at) FROM {s}.{run._meta.db_table} WHERE status = 'succeeded'), "
            f"(SELECT count(*) FROM {s}.{run._meta.db_table} "
            f"WHERE status = 'failed' AND created_at > now() - interval '7 days'), "
            f"(SELECT error_message FROM {s}.{run._meta.db_table} WHERE status = 'failed' "
            f"ORDER BY created_at DESC LIMIT 1)"
        )
        params.append(tenant.pk)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for tenant_id, stores, last_sync, failed, error in cursor.fetchall():
                entry = stats[tenant_id]
                entry.stores, entry.last_sync = stores or [], last_sync
                entry.failed_runs_7d, entry.last_error = failed, (error or "")[:200]
            by_schema = {t.schema_name: t.pk for t in tenants}
            tables = {model._meta.db_table: name for name, model in counted.items()}
            cursor.execute(
                "SELECT schemaname, relname, n_live_tup FROM pg_stat_user_tables "
                "WHERE schemaname = ANY(%s) AND relname = ANY(%s)",
                [list(by_schema), list(tables)],
            )
            for schema, table, live in cursor.fetchall():
                stats[by_schema[schema]].rows[tables[table]] = live
    except DatabaseError:
        # A schema behind on migrations must not take the admin page down.
        logger.exception("tenant stats unavailable")
    return stats
