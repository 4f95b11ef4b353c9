"""Beat schedules per store, in django-celery-beat's public tables: one row per store and job,
each naming its tenant's schema, so beat never has to visit tenant schemas."""

from __future__ import annotations

import json

from django.db import connection, transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from shopify_sync.models import Store

SWEEP_MINUTES = 15


def _name(store: Store, job: str) -> str:
    return f"sync:{connection.schema_name}:{store.pk}:{job}"


def _jobs(store: Store) -> dict[str, tuple[int, str, list[str]]]:
    """job → (minutes, kind, resources)."""
    return {
        "orders": (store.orders_sync_minutes, "incremental", ["orders"]),
        "customers": (store.customers_sync_minutes, "incremental", ["customers"]),
        "products": (store.products_sync_minutes, "incremental", ["products"]),
        # Webhooks can be late or lost: a light incremental sweep catches what they missed.
        "sweep": (SWEEP_MINUTES, "incremental", ["orders", "customers", "products"]),
        "reconcile": (store.reconcile_hours * 60, "reconcile", ["orders", "customers", "products"]),
    }


@transaction.atomic
def store_schedules_sync(*, store: Store) -> None:
    """Creates or updates the store's periodic tasks from its intervals."""
    schema = connection.schema_name
    for job, (minutes, kind, resources) in _jobs(store).items():
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=minutes, period=IntervalSchedule.MINUTES
        )
        PeriodicTask.objects.update_or_create(
            name=_name(store, job),
            defaults={
                "task": "shopify_sync.scheduled",
                "interval": interval,
                "kwargs": json.dumps(
                    {
                        "schema_name": schema,
                        "store_id": store.pk,
                        "kind": kind,
                        "resources": resources,
                    }
                ),
                "enabled": store.status == Store.Status.ACTIVE,
            },
        )


def store_schedules_remove(*, store: Store) -> int:
    deleted, _ = PeriodicTask.objects.filter(
        name__startswith=f"sync:{connection.schema_name}:{store.pk}:"
    ).delete()
    return deleted
