"""Connecting a store subscribes Xeno's own address to every topic it listens to."""

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from shopify_sync import queries
from shopify_sync.credentials import store_client
from shopify_sync.webhook_processing import TOPICS, store_webhooks_register
from tests.sync.helpers import connect_with_client_credentials

pytestmark = pytest.mark.slow

OURS = "https://xeno.example.com/webhooks/shopify/"
ELSEWHERE = "https://old-deployment.example.com/webhooks/shopify/"


def _subscriptions(store) -> list[tuple[str, str]]:
    with store_client(store) as client:
        nodes = client.execute(queries.WEBHOOK_LIST)["webhookSubscriptions"]["nodes"]
    return [(node["topic"], node["callbackUrl"]) for node in nodes]


def test_a_topic_subscribed_to_another_address_still_gets_ours(simulator, tenant_a, cleanup_stores):
    store, _ = connect_with_client_credentials(
        simulator, "hooli", tenant_a, cleanup_stores, trigger_first_sync=False
    )
    with schema_context(tenant_a.schema_name):
        with store_client(store) as client:
            client.execute(queries.WEBHOOK_CREATE, {"topic": "ORDERS_CREATE", "url": ELSEWHERE})

        with override_settings(SHOPIFY_WEBHOOK_URL=OURS):
            assert store_webhooks_register(store_id=store.pk) == len(TOPICS)
            first = _subscriptions(store)
            store_webhooks_register(store_id=store.pk)  # again: nothing new

        assert ("ORDERS_CREATE", OURS) in first and ("ORDERS_CREATE", ELSEWHERE) in first
        assert {topic for topic, url in first if url == OURS} == set(TOPICS)
        assert sorted(_subscriptions(store)) == sorted(first)
