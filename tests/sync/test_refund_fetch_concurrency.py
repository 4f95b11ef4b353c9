"""Refund-line fetching: a few threads while Shopify answers fast, all of them once it is slow."""

import threading
import time

import pytest

from shopify_sync import readers


class SlowShop:
    """Stands in for a store's client: answers every query after `delay` seconds, counting how
    many are in flight at once."""

    def __init__(self, delay: float):
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0

    def client(self):
        shop = self

        class Client:
            def execute(self, query, variables=None):
                with shop.lock:
                    shop.in_flight += 1
                    shop.most_in_flight = max(shop.most_in_flight, shop.in_flight)
                time.sleep(shop.delay)
                with shop.lock:
                    shop.in_flight -= 1
                return {"nodes": []}

            def close(self):
                pass

        return Client()


@pytest.mark.parametrize(
    ("delay", "allowed"),
    [(0.002, range(1, readers.REFUND_FETCHERS_WHEN_FAST + 1)), (0.08, [readers.REFUND_FETCHERS])],
    ids=["fast-answers", "slow-answers"],
)
def test_threads_in_flight_follow_how_fast_shopify_answers(delay, allowed):
    shop = SlowShop(delay)
    fetcher = readers.RefundLineFetcher(shop.client)
    refunds = [(refund_id, refund_id + 1) for refund_id in range(1, 40 * 25 + 1)]

    fetcher.submit(refunds)
    batches = list(fetcher.finish())

    assert len(batches) == 40
    assert shop.most_in_flight in allowed


def test_clients_share_one_tls_context(monkeypatch):
    """Every refund-fetching thread opens a client. Building a TLS context loads the CA bundle,
    about 50 ms of CPU each, so all clients share a single context."""
    import ssl

    from shopify_sync import client as client_module

    built = []
    original = ssl.create_default_context

    def counting(*args, **kwargs):
        built.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    client_module._tls_context.cache_clear()
    clients = [
        client_module.ShopifyClient("shop.myshopify.com", lambda: "token")
        for _ in range(readers.REFUND_FETCHERS)
    ]
    for client in clients:
        client.close()
    assert len(built) == 1
