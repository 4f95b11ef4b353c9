"""Tenant settings: reporting, pause, retention, export and deletion."""

import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_tenants.utils import schema_context

from accounts.models import AuditEvent
from shopify_sync.models import LineItem, Order, Refund, RefundLineItem, Store
from tenants.models import Tenant
from tenants.retention import tenant_retention_prune
from tenants.services import tenant_create


def test_settings_are_saved_and_validated(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, "admin"), tenant_a)

    bad = client.post(
        "/settings/",
        {"timezone": "Mars/Olympus", "currency": "EURO", "data_retention_months": "0"},
        HTTP_HX_REQUEST="true",
    )
    good = client.post(
        "/settings/",
        {"timezone": "Europe/Berlin", "currency": "eur", "data_retention_months": "24"},
    )

    assert bad.status_code == 400
    assert "IANA timezone" in bad.text and "ISO 4217" in bad.text
    assert "<html" not in bad.text
    assert good.status_code == 302
    tenant = Tenant.objects.get(pk=tenant_a.pk)
    assert (tenant.timezone, tenant.currency, tenant.data_retention_months) == (
        "Europe/Berlin",
        "EUR",
        24,
    )
    assert AuditEvent.objects.filter(action="tenant.settings_changed").exists()


def test_pause_and_resume(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, "admin"), tenant_a)

    paused = client.post("/settings/pause/", {"paused": "1"}, HTTP_HX_REQUEST="true")
    assert "Resume syncing" in paused.text
    assert Tenant.objects.get(pk=tenant_a.pk).is_paused
    client.post("/settings/pause/", {"paused": "0"})
    assert not Tenant.objects.get(pk=tenant_a.pk).is_paused


def _order(store, shopify_id, created_at):
    Order.objects.create(
        store=store,
        shopify_id=shopify_id,
        name=f"#{shopify_id}",
        created_at=created_at,
        processed_at=created_at,
        currency="USD",
    )
    LineItem.objects.create(
        store=store,
        shopify_id=shopify_id * 10,
        order_shopify_id=shopify_id,
        title="Thing",
        quantity=1,
        original_unit_price=Decimal("5.00"),
    )
    Refund.objects.create(
        store=store, shopify_id=shopify_id * 100, order_shopify_id=shopify_id, created_at=created_at
    )
    RefundLineItem.objects.create(
        store=store,
        refund_shopify_id=shopify_id * 100,
        order_shopify_id=shopify_id,
        line_item_shopify_id=shopify_id * 10,
        quantity=1,
    )


def test_retention_removes_only_old_orders_and_their_children(tenant_a):
    now = timezone.now()
    with schema_context(tenant_a.schema_name):
        store = Store.objects.create(shop_domain="retention.myshopify.com")
        _order(store, 1, now - timedelta(days=400))
        _order(store, 2, now - timedelta(days=30))
        tenant_a.data_retention_months = 12

        counts = tenant_retention_prune(tenant=tenant_a)

        assert counts == {"RefundLineItem": 1, "LineItem": 1, "Refund": 1, "Order": 1}
        assert list(Order.objects.filter(store=store).values_list("shopify_id", flat=True)) == [2]
        assert LineItem.objects.filter(store=store).count() == 1
        assert tenant_retention_prune(tenant=tenant_a) == {
            "RefundLineItem": 0,
            "LineItem": 0,
            "Refund": 0,
            "Order": 0,
        }


def test_retention_is_off_by_default(tenant_a):
    assert Tenant.objects.get(pk=tenant_a.pk).data_retention_months is None
    assert tenant_retention_prune(tenant=tenant_a) == {}


def test_the_nightly_task_is_scheduled_in_beat(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="tenants.retention_prune_all")
    assert task.enabled and task.crontab.hour == "3"


def test_the_fan_out_task_queues_only_tenants_with_retention(tenant_a, tenant_b, monkeypatch):
    from tenants import tasks

    queued = []
    monkeypatch.setattr(
        tasks, "tenant_task_enqueue", lambda task, tenant: queued.append(tenant.slug)
    )
    Tenant.objects.filter(pk=tenant_b.pk).update(data_retention_months=6)

    assert tasks.retention_prune_all() == 1
    assert queued == ["globex"]


def test_export_is_a_zip_of_csvs_without_credentials(tenant_a, make_member, client_for):
    with schema_context(tenant_a.schema_name):
        Store.objects.create(shop_domain="export.myshopify.com", access_token_encrypted="SECRET")
    client = client_for(make_member(tenant_a, "analyst"), tenant_a)

    response = client.get("/settings/export/")

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    stores_csv = archive.read("shopify_sync_store.csv").decode()
    assert "export.myshopify.com" in stores_csv
    assert "SECRET" not in stores_csv and "_encrypted" not in stores_csv
    assert "shopify_sync_order.csv" in archive.namelist()
    assert AuditEvent.objects.filter(tenant_id=tenant_a.pk, action="data.exported").exists()


def test_viewers_cannot_export(tenant_a, make_member, client_for):
    assert (
        client_for(make_member(tenant_a, "viewer"), tenant_a).get("/settings/export/").status_code
        == 403
    )


def test_deleting_needs_the_exact_name_and_drops_the_schema(db, make_member, client_for):
    tenant = tenant_create(name="Short Lived", slug="short-lived")
    client = client_for(make_member(tenant, "owner", email="sl@example.com"), tenant)
    admin = client_for(make_member(tenant, "admin", email="sl-admin@example.com"), tenant)

    assert admin.post("/settings/delete/", {"confirm_name": "Short Lived"}).status_code == 403
    wrong = client.post("/settings/delete/", {"confirm_name": "short lived"})
    assert wrong.status_code == 400 and "exactly" in wrong.text
    PeriodicTask.objects.create(
        name="sync:short_lived:1:orders",
        task="shopify_sync.scheduled",
        interval=IntervalSchedule.objects.create(every=5, period="minutes"),
        kwargs=json.dumps({"schema_name": "short_lived", "store_id": 1}),
    )
    client.post("/settings/delete/", {"confirm_name": "Short Lived"})

    assert not Tenant.objects.filter(slug="short-lived").exists()
    assert not PeriodicTask.objects.filter(name__startswith="sync:short_lived:").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'short_lived'")
        assert cursor.fetchone() is None


def test_the_retention_task_runs_in_the_tenants_schema_and_is_audited(tenant_a):
    from tenants.tasks import retention_prune
    from xeno.request_context import request_id_var

    Tenant.objects.filter(pk=tenant_a.pk).update(data_retention_months=1)
    with schema_context(tenant_a.schema_name):
        store = Store.objects.create(shop_domain="retention-task.myshopify.com")
        _order(store, 7, timezone.now() - timedelta(days=90))

    previous_request_id = request_id_var.get()
    try:
        result = retention_prune.apply(kwargs={"schema_name": tenant_a.schema_name}).get()
    finally:
        # Celery's task_prerun hook sets the request id of this thread; later tests expect none.
        request_id_var.set(previous_request_id)

    assert result["Order"] == 1
    assert AuditEvent.objects.filter(tenant_id=tenant_a.pk, action="retention.pruned").exists()
