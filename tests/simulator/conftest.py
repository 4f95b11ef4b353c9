"""A small simulator shared by the simulator tests (no database needed)."""

from __future__ import annotations

import http.server
import json
import threading

import httpx
import pytest

from shopify_simulator.testing import run_simulator

ACME = "acme:customers=80,products=20,orders=400,plan=enterprise"
RECENT = (
    "recent:customers=40,products=10,orders=300,scopes=read_orders+read_products+read_customers"
)
NO_ORDERS = "noorders:customers=20,products=5,orders=50,scopes=read_products+read_customers"


@pytest.fixture(scope="module")
def sim():
    with run_simulator([ACME, RECENT, NO_ORDERS], seed=42, webhook_retry_delay=0.02) as running:
        yield running


class GraphQLClient:
    def __init__(self, sim, shop: str, version: str = "2025-10", token: str | None = None):
        self.url = sim.graphql_url(shop, version)
        self.token = token or sim.info(shop).token

    def raw(self, query: str, variables: dict | None = None) -> httpx.Response:
        headers = {"X-Shopify-Access-Token": self.token}
        body = {"query": query, "variables": variables or {}}
        return httpx.post(self.url, json=body, headers=headers, timeout=30)

    def __call__(self, query: str, variables: dict | None = None) -> dict:
        response = self.raw(query, variables)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def gql(sim):
    return lambda shop="acme", **kw: GraphQLClient(sim, shop, **kw)


class Receiver:
    """A local webhook endpoint recording every POST; `status` is what it answers."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict, bytes]] = []
        self.status = 200
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def topics(self) -> list[str]:
        return [h["X-Shopify-Topic"] for h, _ in self.requests]

    def bodies(self, topic: str) -> list[dict]:
        return [json.loads(b) for h, b in self.requests if h["X-Shopify-Topic"] == topic]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()
