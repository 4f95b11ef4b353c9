"""The simulator: shops with their state, credentials, buckets, bulk jobs and webhooks."""

from __future__ import annotations

import itertools
import shutil
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer

from .activity import Activity
from .auth import ShopAuth
from .bulk import BulkManager
from .config import PLAN_DISPLAY_NAMES, ShopConfig, _stable_int, as_config
from .cost import LeakyBucket
from .faults import Faults
from .graphql_api import GraphQLService
from .store import Clock, ShopState
from .webhooks import DeliveryHub, ShopWebhooks
from .wire import iso_utc, money

REST_BUCKET = (40, 2)  # REST Admin API: 40 requests, leaking 2 per second


class Shop:
    def __init__(self, config: ShopConfig, seed: int, simulator: Simulator) -> None:
        self.config = config
        self.state = ShopState(config, seed, simulator.clock)
        self.auth = ShopAuth(config, simulator.token_ttl, now=simulator.clock_time)
        self.faults = Faults(config, _stable_int(f"{seed}:{config.name}:faults"))
        self.bulk = BulkManager(self, simulator.bulk_files, simulator.directory, simulator.bulk_ids)
        self.webhooks = ShopWebhooks(
            self,
            simulator.hub,
            simulator.subscription_ids,
            _stable_int(f"{seed}:{config.name}:hooks"),
        )
        self.activity = Activity(self, _stable_int(f"{seed}:{config.name}:activity"))
        self.state.listeners.append(self._on_event)
        self.buckets: dict[str, LeakyBucket] = {}
        self.rest_buckets: dict[str, LeakyBucket] = {}
        self.lock = threading.Lock()

    @property
    def plan_display_name(self) -> str:
        return PLAN_DISPLAY_NAMES[self.config.plan]

    def _on_event(self, topic: str, resource) -> None:
        if self.state.installed or topic == "app/uninstalled":
            self.webhooks.on_event(topic, resource)

    def bucket(self, app) -> LeakyBucket:
        with self.lock:
            if app.key not in self.buckets:
                self.buckets[app.key] = LeakyBucket(*self.config.bucket)
            return self.buckets[app.key]

    def rest_bucket(self, app) -> LeakyBucket:
        with self.lock:
            if app.key not in self.rest_buckets:
                self.rest_buckets[app.key] = LeakyBucket(*REST_BUCKET)
            return self.rest_buckets[app.key]

    def token(self, value: str | None):
        return self.auth.lookup(value) if self.state.installed else None

    def uninstall(self) -> None:
        self.state.emit("app/uninstalled", self)
        self.state.installed = False
        self.auth.revoke_all()

    def apply_faults(self, body: dict) -> dict:
        faults = self.faults
        with faults.lock:
            if "error_rate" in body:
                faults.error_rate = float(body["error_rate"])
            if "slow_ms" in body:
                faults.slow_ms = int(body["slow_ms"])
            if "throttle_next" in body:
                faults.throttle_next = int(body["throttle_next"])
        for key in (
            "webhook_duplicate_rate",
            "webhook_drop_rate",
            "webhook_delay_ms",
            "webhook_reorder",
        ):
            if key in body:
                setattr(self.config, key, type(getattr(self.config, key))(body[key]))
        if body.get("drain_bucket"):
            for bucket in self.buckets.values():
                bucket.drain()
        if body.get("bulk_fail_next"):
            self.bulk.fail_next = True
        if body.get("revoke_tokens"):
            self.auth.revoke_all()
        if body.get("uninstall"):
            self.uninstall()
        return {
            **faults.as_dict(),
            "bulk_fail_next": self.bulk.fail_next,
            "installed": self.state.installed,
        }

    def stats(self) -> dict:
        raw = self.state.stats()
        return {
            "shop": self.config.domain,
            "now": iso_utc(self.state.clock.now()),
            "currency": self.config.currency,
            "customers": raw["customers"],
            "products": raw["products"],
            "variants": raw["variants"],
            "orders": raw["orders"],
            "line_items": raw["line_items"],
            "refunds": raw["refunds"],
            "refund_lines": raw["refund_lines"],
            "orders_total_price": money(raw["orders_total_price_cents"]),
            "refunds_total": money(raw["refunds_total_cents"]),
            "refunds_shipping": money(raw["refunds_shipping_cents"]),
            "orders_net_total": money(raw["orders_total_price_cents"] - raw["refunds_total_cents"]),
            # GraphQL points charged to the apps of this shop so far (actual costs).
            "graphql_cost_spent": int(sum(b.spent for b in list(self.buckets.values()))),
        }

    def credentials(self) -> dict:
        c = self.config
        return {
            "shop": c.domain,
            "token": c.token,
            "client_id": c.client_id,
            "client_secret": c.client_secret,
            "webhook_secret": c.webhook_secret,
            "plan": c.plan,
            "scopes": ",".join(c.scopes),
        }


class Simulator:
    def __init__(
        self,
        shops: list[ShopConfig | str],
        seed: int = 42,
        token_ttl: float | None = None,
        webhook_retry_delay: float = 1.0,
        webhook_max_attempts: int = 8,
        webhook_failure_limit: int = 8,
        anchor: int | None = None,
    ) -> None:
        self.seed = seed
        self.token_ttl = token_ttl
        self.clock = Clock(anchor)
        self.directory = tempfile.mkdtemp(prefix="shopify-simulator-")
        self.bulk_files: dict[str, str] = {}
        self.bulk_ids = itertools.count(720000 + seed % 1000 * 100)
        self.subscription_ids = itertools.count(1000000 + seed % 1000 * 100)
        self.hub = DeliveryHub(webhook_retry_delay, webhook_max_attempts, webhook_failure_limit)
        self.base_url = ""
        self.graphql = GraphQLService(lambda: self.base_url)
        self.shops: dict[str, Shop] = {}
        for spec in shops:
            config = as_config(spec).fill_secrets(seed)
            self.shops[config.domain] = Shop(config, seed, self)
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def clock_time(self) -> float:
        """Token expiry follows the simulated clock, so /advance can age tokens too."""
        return time.time() + self.clock.offset

    def shop(self, name: str) -> Shop:
        domain = name if name.endswith(".myshopify.com") else f"{name}.myshopify.com"
        return self.shops[domain]

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        from .server import make_handler

        self.server = ThreadingHTTPServer((host, port), make_handler(self))
        self.server.daemon_threads = True
        self.base_url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="simulator-http", daemon=True
        )
        self.thread.start()
        return self.base_url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server = None
        self.hub.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
