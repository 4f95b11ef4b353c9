"""Per-store schedules and disconnecting a store, from the Sync page."""

import json

from django_celery_beat.models import PeriodicTask
from django_tenants.utils import schema_context

from shopify_sync.models import Customer, Store
from shopify_sync.services import store_connect
from tenants.models import ConnectedShop


def _connect(sim, shop, tenant):
    info = sim.info(shop)
    with schema_context(tenant.schema_name):
        store, _ = store_connect(
            shop_domain=info.domain, access_token=info.token, trigger_first_sync=False
        )
        Customer.objects.create(store=store, shopify_id=1, email="kept@example.com")
    return store


def _schedules(store):
    return {
        task.name.rsplit(":", 1)[-1]: task
        for task in PeriodicTask.objects.filter(name__contains=f":{store.pk}:")
    }


def test_admins_change_the_schedule_and_beat_follows(simulator, tenant_a, make_member, client_for):
    store = _connect(simulator, "umbrella", tenant_a)
    client = client_for(make_member(tenant_a, "admin"), tenant_a)

    client.post(
        f"/sync/stores/{store.pk}/schedule/",
        {
            "orders_minutes": 30,
            "customers_minutes": 240,
            "products_minutes": 600,
            "reconcile_hours": 12,
        },
    )
    refused = client.post(
        f"/sync/stores/{store.pk}/schedule/",
        {
            "orders_minutes": 1,
            "customers_minutes": 240,
            "products_minutes": 600,
            "reconcile_hours": 12,
        },
        follow=True,
    )

    assert "must be between 15 minutes and 7 days" in refused.text
    schedules = _schedules(store)
    assert schedules["orders"].interval.every == 30
    assert schedules["reconcile"].interval.every == 12 * 60
    assert json.loads(schedules["orders"].kwargs)["schema_name"] == tenant_a.schema_name
    analyst = client_for(make_member(tenant_a, "analyst"), tenant_a)
    assert analyst.post(f"/sync/stores/{store.pk}/schedule/", {}).status_code == 403


def test_disconnecting_keeps_the_data_and_reconnecting_reuses_it(
    simulator, tenant_a, make_member, client_for
):
    store = _connect(simulator, "initech", tenant_a)
    admin = client_for(make_member(tenant_a, "admin"), tenant_a)

    assert admin.post(f"/sync/stores/{store.pk}/disconnect/", {"data": "erase"}).status_code == 403
    admin.post(f"/sync/stores/{store.pk}/disconnect/", {"data": "keep"})

    with schema_context(tenant_a.schema_name):
        store.refresh_from_db()
        assert store.status == Store.Status.PAUSED
        assert store.access_token_encrypted == ""
        assert Customer.objects.filter(store=store).exists()
    assert not ConnectedShop.objects.filter(shop_domain=store.shop_domain).exists()
    assert _schedules(store) == {}

    info = simulator.info("initech")
    with schema_context(tenant_a.schema_name):
        again, _ = store_connect(
            shop_domain=info.domain, access_token=info.token, trigger_first_sync=False
        )
        assert again.pk == store.pk and again.status == Store.Status.ACTIVE


def test_owners_can_erase_a_stores_data(simulator, tenant_a, make_member, client_for):
    store = _connect(simulator, "hooli", tenant_a)
    owner = client_for(make_member(tenant_a, "owner"), tenant_a)

    page = owner.post(f"/sync/stores/{store.pk}/disconnect/", {"data": "erase"}, follow=True)

    assert "its data is erased" in page.text
    with schema_context(tenant_a.schema_name):
        assert not Store.objects.filter(pk=store.pk).exists()
        assert not Customer.objects.filter(store_id=store.pk).exists()
