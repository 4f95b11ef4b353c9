"""Re-writing stored customers whose payload leaves the order totals out (kept columns).

A reconciling full sync writes every customer again; a payload without `numberOfOrders` and
`amountSpent` must keep the stored values. Prints how long one upsert batch of 5,000 and of
20,000 such rows takes, inside a transaction that is rolled back.

Needs the tenant `bench` of bench/analytics.py (150,000 customers) in BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/xeno_bench): run that benchmark once first.

Usage: .venv/bin/python bench/writer_rewrite.py
"""

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
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xeno_bench"
        ),
        "DJANGO_SETTINGS_MODULE": "xeno.settings",
        "DEBUG": "1",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
    }
)


def main() -> None:
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from shopify_sync import writer
    from shopify_sync.models import Customer, Store

    with schema_context("bench"):
        store = Store.objects.first()
        columns = writer.TABLES["customers"].columns
        rows = list(Customer.objects.filter(store=store).values(*columns)[:20000])
        for row in rows:
            row["number_of_orders"] = row["amount_spent"] = None
        for size in (5000, 20000):
            with transaction.atomic():
                started = time.perf_counter()
                writer.rows_upsert(
                    store_id=store.pk,
                    resource="customers",
                    rows=rows[:size],
                    seen_at=timezone.now(),
                )
                seconds = time.perf_counter() - started
                print(f"{size:,} stored customers re-written: {seconds:.2f} s")
                transaction.set_rollback(True)


if __name__ == "__main__":
    main()
