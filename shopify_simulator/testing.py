"""Run the simulator inside a test: `with run_simulator(["acme:orders=500"]) as sim: ...`."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .config import ShopConfig
from .simulator import Simulator
from .store import ShopState

DEFAULT_VERSION = "2025-10"


@dataclass(frozen=True)
class ShopInfo:
    name: str
    domain: str
    token: str
    client_id: str
    client_secret: str
    webhook_secret: str
    admin_url: str  # {base_url}/{domain}, what Xeno stores as the shop's Admin API base

    def graphql_url(self, version: str = DEFAULT_VERSION) -> str:
        return f"{self.admin_url}/admin/api/{version}/graphql.json"


class RunningSimulator:
    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self.base_url = simulator.base_url
        self.shops: dict[str, ShopInfo] = {}
        for shop in simulator.shops.values():
            c = shop.config
            self.shops[c.name] = ShopInfo(
                c.name,
                c.domain,
                c.token,
                c.client_id,
                c.client_secret,
                c.webhook_secret,
                f"{self.base_url}/{c.domain}",
            )

    def info(self, name: str) -> ShopInfo:
        return self.shops[name.removesuffix(".myshopify.com")]

    def shop(self, name: str) -> ShopState:
        """Ground truth: the live state of one shop (records, counts, money in cents)."""
        return self.simulator.shop(name).state

    def graphql_url(self, name: str, version: str = DEFAULT_VERSION) -> str:
        return self.info(name).graphql_url(version)

    def stats(self, name: str) -> dict:
        return self.simulator.shop(name).stats()

    def advance(self, name: str, minutes: float = 60, **counts) -> dict:
        return self.simulator.shop(name).activity.advance(minutes, counts)

    def set_faults(self, name: str, **faults) -> dict:
        return self.simulator.shop(name).apply_faults(faults)

    def control(self, name: str, action: str, body: dict | None = None) -> dict:
        """Call a /_simulator/ endpoint over HTTP, as a client in another process would."""
        url = f"{self.base_url}/_simulator/{self.info(name).domain}/{action}"
        data = json.dumps(body).encode() if body is not None else None
        # The URL is always this simulator's own http:// base.
        headers = {"Content-Type": "application/json"}
        request = urllib.request.Request(url, data, headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def wait_for_webhooks(self, timeout: float = 10.0) -> bool:
        """Block until no delivery is queued (retries included); False on timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.simulator.hub.pending() == 0:
                time.sleep(0.05)  # let an in-flight POST finish
                if self.simulator.hub.pending() == 0:
                    return True
            time.sleep(0.02)
        return False


@contextmanager
def run_simulator(
    shops: list[ShopConfig | str], seed: int = 42, port: int = 0, **flags
) -> Iterator[RunningSimulator]:
    """Start a simulator on 127.0.0.1 in background threads; stop it on exit.

    flags: token_ttl, webhook_retry_delay, webhook_max_attempts, webhook_failure_limit, anchor.
    """
    simulator = Simulator(shops, seed=seed, **flags)
    simulator.start("127.0.0.1", port)
    try:
        yield RunningSimulator(simulator)
    finally:
        simulator.stop()
