"""The Sync page and the seed's sync API, for members by role and for outsiders."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone as dj_timezone
from django_tenants.utils import schema_context

from shopify_sync.crypto import secret_encrypt
from shopify_sync.models import Order, Store, SyncRun


@pytest.fixture
def store_a(tenant_a):
    with schema_context(tenant_a.schema_name):
        store, _ = Store.objects.get_or_create(
            shop_domain="page-test.myshopify.com",
            defaults={
                "name": "Page Test <b>Shop</b>",
                "access_token_encrypted": secret_encrypt("shpat_" + "9" * 32),
            },
        )
        started = dj_timezone.now() - dt.timedelta(minutes=5)
        SyncRun.objects.create(
            store=store,
            kind="full",
            resources=["orders"],
            status="failed",
            error_message="Shopify refused the access token: reconnect the store.",
            started_at=started,
            finished_at=started + dt.timedelta(seconds=42),
        )
    return store


def test_analysts_see_stores_runs_and_errors_in_words(store_a, tenant_a, make_member, client_for):
    page = client_for(make_member(tenant_a, "analyst"), tenant_a).get("/sync/")

    assert page.status_code == 200
    assert "page-test.myshopify.com" in page.text
    assert "Page Test &lt;b&gt;Shop&lt;/b&gt;" in page.text  # names are escaped
    assert "reconnect the store" in page.text
    assert "<td>42 s</td>" in page.text  # a short run's duration in seconds, not "0 minutes"
    assert "9999" not in page.text  # the token never shows


def test_viewers_cannot_open_the_sync_page(store_a, tenant_a, make_member, client_for):
    assert client_for(make_member(tenant_a, "viewer"), tenant_a).get("/sync/").status_code == 403


def test_starting_a_sync_from_the_page_swaps_in_a_live_progress_panel(
    store_a, tenant_a, make_member, client_for
):
    client = client_for(make_member(tenant_a, "analyst"), tenant_a)

    response = client.post(
        f"/sync/stores/{store_a.pk}/run/",
        {"kind": "full", "resources": ["orders", "customers"]},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "<html" not in response.text  # only the store's partial
    assert "<progress" in response.text and 'hx-trigger="every 2s"' in response.text
    with schema_context(tenant_a.schema_name):
        run = SyncRun.objects.filter(store=store_a, status="queued").get()
        assert (run.kind, run.resources, run.trigger) == ("full", ["customers", "orders"], "manual")


def test_the_sync_api_queues_once_and_joins_a_running_request(
    store_a, tenant_a, make_member, client_for
):
    client = client_for(make_member(tenant_a, "analyst"), tenant_a)

    first = client.post("/api/sync/orders", {}, content_type="application/json")
    second = client.post("/api/sync/orders/", {}, content_type="application/json")

    assert first.status_code == second.status_code == 202
    assert first.json()[0]["run_id"] == second.json()[0]["run_id"]
    assert second.json()[0]["joined_existing_run"] is True


def test_the_main_host_api_takes_the_tenant_id(
    store_a, tenant_a, make_member, client_for, django_assert_max_num_queries
):
    client = client_for(make_member(tenant_a, "admin"))

    queued = client.post(f"/api/sync/{tenant_a.pk}/full", {}, content_type="application/json")
    # A store's record counts are taken once, not again for each of its runs.
    with django_assert_max_num_queries(16):
        status = client.get(f"/api/sync/{tenant_a.pk}/status")

    assert queued.status_code == 202
    assert queued.json()[0]["kind"] == "full"
    body = status.json()
    (store,) = [s for s in body if s["shop_domain"] == "page-test.myshopify.com"]
    assert store["totals"] == {"customers": 0, "products": 0, "orders": 0}
    assert store["recent_runs"][0]["status"] in ("queued", "failed")
    assert "access_token" not in str(body)


def test_outsiders_get_404_and_viewers_403_and_anonymous_401(
    store_a, tenant_a, tenant_b, make_member, client_for
):
    outsider = make_member(tenant_b, "owner")
    assert client_for(outsider).get(f"/api/sync/{tenant_a.pk}/status").status_code == 404
    assert client_for(outsider).post(f"/api/sync/{tenant_a.pk}/orders").status_code == 404
    assert client_for(outsider, tenant_a).get("/api/sync/status").status_code == 404
    viewer = client_for(make_member(tenant_a, "viewer"))
    assert viewer.post(f"/api/sync/{tenant_a.pk}/orders").status_code == 403
    assert viewer.get(f"/api/sync/{tenant_a.pk}/status").status_code == 200
    assert client_for(None).get(f"/api/sync/{tenant_a.pk}/status").status_code in (401, 403)


def test_bad_requests_name_the_problem(store_a, tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, "analyst"), tenant_a)

    bad_kind = client.post(
        "/api/sync/orders", {"kind": "sideways"}, content_type="application/json"
    )
    unknown = client.post(
        "/api/sync/orders", {"store": "nope.myshopify.com"}, content_type="application/json"
    )

    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()
    assert unknown.status_code == 404 and "nope.myshopify.com" in unknown.json()["detail"]


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_page_and_the_status_api_ask_as_much_for_three_stores_as_for_one(
    store_a, tenant_a, make_member, client_for
):
    client = client_for(make_member(tenant_a, "admin"), tenant_a)
    client.get("/sync/")  # sessions and caches warmed up
    one_store = {path: _queries(client, path) for path in ("/sync/", "/api/sync/status")}

    with schema_context(tenant_a.schema_name):
        for number in (2, 3):
            store = Store.objects.create(shop_domain=f"page-test-{number}.myshopify.com")
            SyncRun.objects.create(store=store, kind="full", resources=["orders"], status="queued")
            Order.objects.create(
                store=store,
                shopify_id=number,
                processed_at=dj_timezone.now(),
                created_at=dj_timezone.now(),
            )
    page = client.get("/sync/")
    status = {s["shop_domain"]: s for s in client.get("/api/sync/status").json()}

    assert {path: _queries(client, path) for path in one_store} == one_store
    assert status["page-test-3.myshopify.com"]["totals"]["orders"] == 1
    assert status["page-test-3.myshopify.com"]["recent_runs"][0]["status"] == "queued"
    assert status["page-test.myshopify.com"]["recent_runs"][0]["status"] == "failed"
    assert page.text.count("<progress") == 2  # the two stores with a queued run
