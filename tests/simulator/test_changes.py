"""Moving time, webhooks, faults and the legacy REST API."""

from __future__ import annotations

import base64
import hashlib
import hmac

import httpx

from shopify_simulator.testing import run_simulator

SUBSCRIBE = """mutation($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {callbackUrl: $url, format: JSON}) {
    webhookSubscription { id topic
      endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } } }
    userErrors { field message } } }"""


def subscribe(client, topic: str, url: str) -> dict:
    body = client(SUBSCRIBE, {"topic": topic, "url": url})["data"]["webhookSubscriptionCreate"]
    assert body["userErrors"] == []
    return body["webhookSubscription"]


def verify(body: bytes, secret: str, signature: str) -> bool:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(digest, signature)


def test_advance_emits_signed_webhooks_and_moves_updated_at(sim, gql, receiver):
    client = gql()
    for topic in ("ORDERS_CREATE", "CUSTOMERS_CREATE", "REFUNDS_CREATE", "PRODUCTS_DELETE"):
        subscribe(client, topic, receiver.url)
    listed = client("{ webhookSubscriptions(first: 10) { nodes { id topic } } }")
    assert len(listed["data"]["webhookSubscriptions"]["nodes"]) == 4
    state = sim.shop("acme")
    before = max(state.order_updated)
    summary = sim.control(
        "acme",
        "advance",
        {"minutes": 90, "orders": 3, "customers": 2, "refunds": 2, "product_deletes": 1},
    )
    assert summary["counts"]["orders"] == 3 and summary["counts"]["customers"] == 2
    assert sim.wait_for_webhooks()
    assert receiver.topics().count("orders/create") == 3
    assert receiver.topics().count("customers/create") == 2
    secret = sim.info("acme").webhook_secret
    for headers, body in receiver.requests:
        assert verify(body, secret, headers["X-Shopify-Hmac-Sha256"])
        assert not verify(body, "wrong-secret", headers["X-Shopify-Hmac-Sha256"])
        assert headers["X-Shopify-Shop-Domain"] == "acme.myshopify.com"
        assert headers["X-Shopify-API-Version"] == "2025-10"
        assert headers["X-Shopify-Webhook-Id"] and headers["X-Shopify-Event-Id"]
    order = receiver.bodies("orders/create")[0]
    assert isinstance(order["total_price"], str) and order["line_items"]
    assert order["updated_at"][-6] in "+-"  # ISO with the shop's offset
    customer = receiver.bodies("customers/create")[0]
    assert "orders_count" not in customer and "total_spent" not in customer
    # New and changed records are newer than anything before, and queries see them.
    assert min(state.order_updated[-3:]) > before
    deleted = summary["ids"]["product_deletes"][0]
    found = client("query($id: ID!) { product(id: $id) { id } }", {"id": deleted})
    assert found["data"]["product"] is None


def test_failing_endpoint_is_retried_then_unsubscribed(receiver):
    with run_simulator(
        ["hooks:orders=20,customers=5,products=3"],
        webhook_retry_delay=0.01,
        webhook_failure_limit=3,
    ) as sim:
        from tests.simulator.conftest import GraphQLClient

        client = GraphQLClient(sim, "hooks")
        subscribe(client, "ORDERS_CREATE", receiver.url)
        receiver.status = 500
        sim.advance("hooks", 10, orders=1)
        assert sim.wait_for_webhooks()
        event_ids = {h["X-Shopify-Event-Id"] for h, _ in receiver.requests}
        webhook_ids = {h["X-Shopify-Webhook-Id"] for h, _ in receiver.requests}
        assert len(receiver.requests) == 3 and len(event_ids) == 1 and len(webhook_ids) == 3
        listed = client("{ webhookSubscriptions(first: 5) { nodes { id } } }")
        assert listed["data"]["webhookSubscriptions"]["nodes"] == []


def test_faults_at_the_configured_rate_and_uninstall(sim, gql, receiver):
    client = gql("noorders")
    sim.control("noorders", "faults", {"error_rate": 0.3})
    statuses = [client.raw("{ shop { name } }").status_code for _ in range(100)]
    errors = sum(1 for s in statuses if s >= 500)
    assert 15 <= errors <= 45
    sim.control("noorders", "faults", {"error_rate": 0, "throttle_next": 2})
    assert client("{ shop { name } }")["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert client("{ shop { name } }")["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert "data" in client("{ shop { name } }")
    subscribe(client, "APP_UNINSTALLED", receiver.url)
    sim.control("noorders", "faults", {"uninstall": True})
    assert sim.wait_for_webhooks()
    assert receiver.topics() == ["app/uninstalled"]
    assert client.raw("{ shop { name } }").status_code == 401


def test_rest_orders_link_pagination_and_call_limit(sim):
    info = sim.info("acme")
    headers = {"X-Shopify-Access-Token": info.token}
    url = f"{info.admin_url}/admin/api/2025-10/orders.json?status=any&limit=100"
    seen = []
    while url:
        response = httpx.get(url, headers=headers)
        assert response.status_code == 200
        assert response.headers["X-Shopify-Shop-Api-Call-Limit"].endswith("/40")
        seen += [o["id"] for o in response.json()["orders"]]
        links = response.headers.get("Link", "")
        url = None
        for part in links.split(", "):
            if part.endswith('rel="next"'):
                url = part[1 : part.index(">")]
        if seen and len(seen) > 100:
            assert 'rel="previous"' in links
    assert len(seen) == len(set(seen)) == sim.shop("acme").order_count
    statuses = [
        httpx.get(f"{info.admin_url}/admin/api/2025-10/shop.json", headers=headers)
        for _ in range(45)
    ]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and limited[0].headers["Retry-After"] == "1.0"
