"""After the shop changes: increments, reconciliation and webhooks each bring Xeno back to equal."""

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from analytics.models import DailySales
from shopify_simulator.graphql_api import GraphQLService
from shopify_sync.models import (
    Customer,
    LineItem,
    Order,
    Product,
    Refund,
    Store,
    SyncRun,
    UnchangedKeys,
    WebhookEvent,
)
from shopify_sync.services import store_connect, sync_request
from tests.sync.conftest import wait_for_runs
from tests.sync.helpers import assert_matches_shopify, shopify_stats, xeno_stats

pytestmark = pytest.mark.slow


def _connect_and_sync(sim, shop, tenant, cleanup) -> Store:
    info = sim.info(shop)
    with schema_context(tenant.schema_name):
        store, _ = store_connect(
            shop_domain=info.domain, client_id=info.client_id, client_secret=info.client_secret
        )
        cleanup.append((tenant.schema_name, info.domain))
        (run,) = wait_for_runs(store)
        assert run.status == SyncRun.Status.SUCCEEDED, run.error_message
    return store


def _sync(store: Store, kind: str) -> SyncRun:
    run, _ = sync_request(store=store, kind=kind, resources=["customers", "products", "orders"])
    runs = wait_for_runs(store)
    finished = next(r for r in runs if r.pk == run.pk)
    assert finished.status == SyncRun.Status.SUCCEEDED, finished.error_message
    return finished


def test_incremental_then_reconcile_bring_back_equality_deletions_included(
    simulator, celery_worker, tenant_a, cleanup_stores
):
    store = _connect_and_sync(simulator, "globex", tenant_a, cleanup_stores)
    changes = simulator.advance(
        "globex",
        minutes=24 * 60,
        orders=25,
        refunds=8,
        cancellations=2,
        customer_deletes=2,
        product_deletes=1,
        order_edits=3,
        customer_updates=4,
    )
    assert changes["counts"]["orders"] == 25

    with schema_context(tenant_a.schema_name):
        incremental = _sync(store, "incremental")
        ours, truth = xeno_stats(store), shopify_stats(simulator, "globex")
        # An updated_at query never returns deleted records: only those still differ.
        assert ours["orders"] == truth["orders"]
        assert ours["refunds"] == truth["refunds"]
        assert ours["orders_total_price"] == truth["orders_total_price"]
        assert ours["refunds_total"] == truth["refunds_total"]
        assert ours["customers"] == truth["customers"] + 2
        assert incremental.stats["orders"]["created"] == 25

        reconcile = _sync(store, "reconcile")
        assert_matches_shopify(simulator, "globex", store)
        assert reconcile.stats["customers"]["deleted"] == 2
        assert reconcile.stats["reconciliation"]["customers"]["repaired"] >= 2


def test_a_refund_months_after_the_order_arrives_with_the_order(
    simulator, celery_worker, tenant_a, cleanup_stores
):
    store = _connect_and_sync(simulator, "initech", tenant_a, cleanup_stores)
    with schema_context(tenant_a.schema_name):
        refunds_before = set(
            Refund.objects.filter(store=store).values_list("shopify_id", flat=True)
        )

    simulator.advance("initech", minutes=60, orders=0, refunds=6)

    with schema_context(tenant_a.schema_name):
        _sync(store, "incremental")
        new_refunds = Refund.objects.filter(store=store).exclude(shopify_id__in=refunds_before)
        assert new_refunds.count() == 6
        orders = Order.objects.filter(
            store=store, shopify_id__in=new_refunds.values("order_shopify_id")
        )
        ages = [
            (r.created_at - o.created_at).days
            for r, o in zip(
                new_refunds.order_by("order_shopify_id"), orders.order_by("shopify_id"), strict=True
            )
        ]
        assert max(ages) > 30, ages  # refunds of old orders, brought by the orders' updatedAt
        assert_matches_shopify(simulator, "initech", store)


def test_an_edited_order_does_not_ask_again_for_the_lines_of_its_stored_refunds(
    simulator, celery_worker, tenant_a, cleanup_stores, monkeypatch
):
    """An order comes back with every refund it ever had. A refund cannot be edited, so only
    the new ones' lines are asked for: each asked-for refund costs a query to Shopify."""
    store = _connect_and_sync(simulator, "initech", tenant_a, cleanup_stores)
    state = simulator.simulator.shop("initech").state
    with state.lock:
        refunded = [i for i in range(state.order_count) if state.order(i).refunds][:3]
        assert refunded
        for index in refunded:
            order = state.editable_order(index)
            order.tags = sorted({*order.tags, "reviewed"})
            state.save_order(order, state.clock.now())
    new_refunds = simulator.advance("initech", minutes=1, refunds=2)["ids"]["refunds"]

    asked: list[str] = []
    handle = GraphQLService.handle

    def recording(service, shop, token, version, body):
        if isinstance(body, dict) and "refundLineItems" in (body.get("query") or ""):
            asked.extend((body.get("variables") or {}).get("ids") or [])
        return handle(service, shop, token, version, body)

    monkeypatch.setattr(GraphQLService, "handle", recording)
    with schema_context(tenant_a.schema_name):
        run = _sync(store, "incremental")
        assert run.stats["orders"]["updated"] >= len(refunded)
        assert sorted(asked) == sorted(new_refunds)
        assert_matches_shopify(simulator, "initech", store)


def _sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_webhooks_alone_bring_back_equality(
    simulator, celery_worker, live_server, tenant_b, cleanup_stores
):
    url = live_server.url.replace("127.0.0.1", "localhost") + "/webhooks/shopify/"
    with override_settings(SHOPIFY_WEBHOOK_URL=url):
        store = _connect_and_sync(simulator, "acme", tenant_b, cleanup_stores)
    with schema_context(tenant_b.schema_name):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not Store.objects.get(pk=store.pk).webhook_topics:
            time.sleep(0.2)
        assert "ORDERS_CREATE" in Store.objects.get(pk=store.pk).webhook_topics

    simulator.advance(
        "acme",
        minutes=6 * 60,
        orders=12,
        refunds=4,
        cancellations=1,
        customer_deletes=1,
        product_deletes=1,
        customer_updates=3,
        customers=3,
    )
    assert simulator.wait_for_webhooks(timeout=30)

    with schema_context(tenant_b.schema_name):
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline
            and WebhookEvent.objects.filter(store=store, processed_at__isnull=True).exists()
        ):
            time.sleep(0.2)
        assert WebhookEvent.objects.filter(store=store).count() > 0
        # Applied events keep no customer details behind.
        assert not WebhookEvent.objects.filter(store=store).exclude(payload={}).exists()
        assert_matches_shopify(simulator, "acme", store)


def test_bad_hmac_is_refused_and_duplicates_or_stale_payloads_change_nothing(
    simulator, celery_worker, tenant_a, client, cleanup_stores
):
    store = _connect_and_sync(simulator, "umbrella", tenant_a, cleanup_stores)
    secret = simulator.info("umbrella").client_secret
    with schema_context(tenant_a.schema_name):
        order = Order.objects.filter(store=store).order_by("-updated_at").first()
    connection.set_schema_to_public()
    payload = {
        "id": order.shopify_id,
        "name": order.name,
        "email": "stale@example.com",
        "created_at": order.created_at.isoformat(),
        "processed_at": order.processed_at.isoformat(),
        "updated_at": "2001-01-01T00:00:00Z",  # older than what is stored
        "currency": order.currency,
        "total_price": "1.00",
        "line_items": [],
    }
    body = json.dumps(payload).encode()
    headers = {
        "HTTP_HOST": "localhost",
        "HTTP_X_SHOPIFY_TOPIC": "orders/updated",
        "HTTP_X_SHOPIFY_SHOP_DOMAIN": "umbrella.myshopify.com",
        "HTTP_X_SHOPIFY_EVENT_ID": "evt-1",
        "HTTP_X_SHOPIFY_WEBHOOK_ID": "wh-1",
    }

    forged = client.post(
        "/webhooks/shopify/",
        body,
        content_type="application/json",
        HTTP_X_SHOPIFY_HMAC_SHA256=_sign(body, "wrong-secret"),
        **headers,
    )
    missing = client.post("/webhooks/shopify/", body, content_type="application/json", **headers)
    assert forged.status_code == missing.status_code == 401
    with schema_context(tenant_a.schema_name):
        assert not WebhookEvent.objects.filter(store=store).exists()

    signed = {"HTTP_X_SHOPIFY_HMAC_SHA256": _sign(body, secret), **headers}
    first = client.post("/webhooks/shopify/", body, content_type="application/json", **signed)
    redelivery = client.post(
        "/webhooks/shopify/",
        body,
        content_type="application/json",
        **{**signed, "HTTP_X_SHOPIFY_WEBHOOK_ID": "wh-2"},
    )
    assert first.status_code == redelivery.status_code == 200
    with schema_context(tenant_a.schema_name):
        assert WebhookEvent.objects.filter(store=store).count() == 1
        deadline = time.monotonic() + 20
        while WebhookEvent.objects.filter(store=store, processed_at__isnull=True).exists():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        order.refresh_from_db()
        assert order.email != "stale@example.com"
        assert str(order.total_price) != "1.00"


def test_two_concurrent_requests_for_one_store_give_one_run(
    simulator, tenant_a, transactional_db, cleanup_stores
):
    info = simulator.info("initech")
    with schema_context(tenant_a.schema_name):
        store, _ = store_connect(
            shop_domain=info.domain, access_token=info.token, trigger_first_sync=False
        )
    cleanup_stores.append((tenant_a.schema_name, info.domain))
    results = []

    def request():
        with schema_context(tenant_a.schema_name):
            results.append(sync_request(store=store, kind="incremental", resources=["orders"]))
        connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({run.pk for run, _created in results}) == 1
    assert sorted(created for _run, created in results) == [False, True]


def _deliver(client, *, secret: str, shop: str, topic: str, payload: dict, event_id: str):
    body = json.dumps(payload).encode()
    response = client.post(
        "/webhooks/shopify/",
        body,
        content_type="application/json",
        HTTP_HOST="localhost",
        HTTP_X_SHOPIFY_TOPIC=topic,
        HTTP_X_SHOPIFY_SHOP_DOMAIN=f"{shop}.myshopify.com",
        HTTP_X_SHOPIFY_EVENT_ID=event_id,
        HTTP_X_SHOPIFY_WEBHOOK_ID=event_id,
        HTTP_X_SHOPIFY_HMAC_SHA256=_sign(body, secret),
    )
    assert response.status_code == 200


def _wait_applied(store: Store) -> None:
    deadline = time.monotonic() + 20
    while WebhookEvent.objects.filter(store=store, processed_at__isnull=True).exists():
        assert time.monotonic() < deadline, "the webhook was not applied"
        time.sleep(0.1)


def test_privacy_webhooks_erase_a_customers_details_then_the_stores_data(
    simulator, celery_worker, tenant_a, client, cleanup_stores, caplog
):
    store = _connect_and_sync(simulator, "initech", tenant_a, cleanup_stores)
    secret = simulator.info("initech").client_secret
    with schema_context(tenant_a.schema_name):
        order = Order.objects.filter(store=store, customer_shopify_id__isnull=False).first()
        customer_id = order.customer_shopify_id
        others = Customer.objects.filter(store=store).exclude(shopify_id=customer_id)
        others_with_email = others.exclude(email="").count()
        assert others_with_email > 0
    connection.set_schema_to_public()

    # Shopify's payload (../shared/shopify-fixtures/webhooks/customers__redact.json).
    redact = {
        "shop_id": 954889,
        "shop_domain": "initech.myshopify.com",
        "customer": {"id": customer_id, "email": "john@example.com", "phone": "555-625-1199"},
        "orders_to_redact": [order.shopify_id],
    }

    def deliver(topic: str, payload: dict, *, event_id: str) -> None:
        _deliver(
            client, secret=secret, shop="initech", topic=topic, payload=payload, event_id=event_id
        )

    with caplog.at_level("INFO", logger="shopify_sync"):
        deliver("customers/redact", redact, event_id="evt-redact-customer")
        with schema_context(tenant_a.schema_name):
            _wait_applied(store)
            customer = Customer.objects.get(store=store, shopify_id=customer_id)
            personal = ("email", "first_name", "last_name", "phone", "city")
            assert [getattr(customer, field) for field in personal] == [""] * len(personal)
            theirs = Order.objects.filter(store=store, customer_shopify_id=customer_id)
            assert theirs.exists() and not theirs.exclude(email="").exists()
            assert others.exclude(email="").count() == others_with_email

        # Shopify still sends the customer: a full sync does not bring the details back.
        with schema_context(tenant_a.schema_name):
            _sync(store, "full")
            customer.refresh_from_db()
            assert [getattr(customer, field) for field in personal] == [""] * len(personal)
            assert not theirs.exclude(email="").exists()
            assert others.exclude(email="").count() == others_with_email
        connection.set_schema_to_public()

        with schema_context(tenant_a.schema_name):
            # What a reconciling sync that stopped midway leaves: keys it found unchanged.
            UnchangedKeys.objects.create(
                store=store, seen_at=timezone.now(), resource="customers", shopify_ids=[customer_id]
            )
        shop_redact = {"shop_id": 954889, "shop_domain": "initech.myshopify.com"}
        deliver("shop/redact", shop_redact, event_id="evt-redact-shop")
        with schema_context(tenant_a.schema_name):
            _wait_applied(store)
            for model in (Customer, Product, Order, LineItem, Refund, UnchangedKeys):
                assert not model.objects.filter(store_id=store.pk).exists(), model.__name__
            assert not DailySales.objects.filter(store_id=store.pk).exists()
    applied = [r for r in caplog.records if r.getMessage() == "webhook applied"]
    assert {r.topic for r in applied} >= {"customers/redact", "shop/redact"}


def test_a_full_sync_follows_a_new_store_timezone_to_the_dashboards_days(
    simulator, celery_worker, tenant_a, cleanup_stores
):
    store = _connect_and_sync(simulator, "hooli", tenant_a, cleanup_stores)
    config = simulator.simulator.shop("hooli").config
    timezone_before = config.timezone
    config.timezone = "Asia/Tokyo"  # the merchant changes it in Shopify
    try:
        with schema_context(tenant_a.schema_name):
            # Customers only: the new timezone alone moves the orders' days.
            run, _ = sync_request(store=store, kind="full", resources=["customers"])
            (finished, *_older) = wait_for_runs(store)
            assert finished.pk == run.pk and finished.status == SyncRun.Status.SUCCEEDED
            store.refresh_from_db()
            assert store.iana_timezone == "Asia/Tokyo"
            tokyo = ZoneInfo("Asia/Tokyo")
            orders = Order.objects.filter(store=store, deleted_at__isnull=True, test=False)
            expected = Counter(order.processed_at.astimezone(tokyo).date() for order in orders)
            days = DailySales.objects.filter(store_id=store.pk, orders__gt=0)
            assert {day.day: day.orders for day in days} == dict(expected)
    finally:
        config.timezone = timezone_before
