"""Connecting a store subscribes Xeno's own address to every topic it listens to."""

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from shopify_sync import queries
from shopify_sync.credentials import store_client
from shopify_sync.services import store_connect
from shopify_sync.webhook_processing import TOPICS, store_webhooks_register

pytestmark = pytest.mark.slow

OURS = "https://xeno.example.com/webhooks/shopify/"
ELSEWHERE = "https://old-deployment.example.com/webhooks/shopify/"


def _subscriptions(store) -> list[tuple[str, str]]:
    with store_client(store) as client:
        nodes = client.execute(queries.WEBHOOK_LIST)["webhookSubscriptions"]["nodes"]
    return [(node["topic"], node["callbackUrl"]) for node in nodes]


def test_a_topic_subscribed_to_another_address_still_gets_ours(simulator, tenant_a, cleanup_stores):
    info = simulator.info("hooli")
    with schema_context(tenant_a.schema_name):
        store, _ = store_connect(
            shop_domain=info.domain,
            client_id=info.client_id,
            client_secret=info.client_secret,
            trigger_first_sync=False,
        )
        cleanup_stores.append((tenant_a.schema_name, info.domain))
        with store_client(store) as client:
            client.execute(queries.WEBHOOK_CREATE, {"topic": "ORDERS_CREATE", "url": ELSEWHERE})

        with override_settings(SHOPIFY_WEBHOOK_URL=OURS):
            assert store_webhooks_register(store_id=store.pk) == len(TOPICS)
            first = _subscriptions(store)
            store_webhooks_register(store_id=store.pk)  # again: nothing new

        assert ("ORDERS_CREATE", OURS) in first and ("ORDERS_CREATE", ELSEWHERE) in first
        assert {topic for topic, url in first if url == OURS} == set(TOPICS)
        assert sorted(_subscriptions(store)) == sorted(first)
