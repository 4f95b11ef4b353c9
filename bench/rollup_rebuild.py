"""A store's full rollup rebuild, as a first sync ends it: timed in transactions rolled back.

    .venv/bin/python bench/ingest.py --orders 100000      # leaves the store to rebuild
    .venv/bin/python bench/rollup_rebuild.py [--rounds 3] [--statistics recent,empty]

Before each timed rebuild, the store's facts are emptied and their statistics set to what a
sync leaves them with: `recent` holds facts of the last 30 days only, as after a first
sync's recent window; `empty` holds none, as after a store's data was erased. Prints seconds per
rebuild. Uses the benchmark's database (BENCH_INGEST_DATABASE_URL, default xeno_bench_ingest).
"""

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "DATABASE_URL": os.environ.get(
            "BENCH_INGEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xeno_bench_ingest"
        ),
        "DJANGO_SETTINGS_MODULE": "xeno.settings",
        "DEBUG": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
    }
)


def _timed_rebuild(store, statistics: str) -> float:
    from django.db import connection, transaction

    from analytics.services import rollups_refresh

    with transaction.atomic(), connection.cursor() as cursor:
        # Only the facts' statistics matter: the rebuild replaces every rollup of the store.
        for table in ("analytics_order_fact", "analytics_refund_fact"):
            cursor.execute(f"DELETE FROM {table} WHERE store_id = %s", [store.pk])
        if statistics == "recent":
            cursor.execute(
                "SELECT shopify_id FROM shopify_sync_order "
                "WHERE store_id = %s AND processed_at > now() - interval '30 days'",
                [store.pk],
            )
            recent = [order_id for (order_id,) in cursor.fetchall()]
            rollups_refresh(store_id=store.pk, order_shopify_ids=recent)
        cursor.execute("ANALYZE analytics_order_fact")
        cursor.execute("ANALYZE analytics_refund_fact")
        started = time.perf_counter()
        rollups_refresh(store_id=store.pk)
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--statistics", default="recent,empty", help="recent, empty or both")
    args = parser.parse_args()
    import django

    django.setup()
    from django_tenants.utils import schema_context

    from shopify_sync.models import Store

    with schema_context("bench"):
        store = Store.objects.get()
        for statistics in args.statistics.split(","):
            times = [_timed_rebuild(store, statistics) for _ in range(args.rounds)]
            shown = " ".join(f"{t:.2f}" for t in times)
            print(f"rebuild of {store.shop_domain} with {statistics} fact statistics: {shown} s")


if __name__ == "__main__":
    main()
