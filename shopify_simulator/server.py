"""HTTP front: routes Shopify-shaped URLs (the first path segment stands in for the host)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from .auth import INVALID_TOKEN_BODY, OAuthError
from .faults import ERROR_BODIES
from .rest import handle_rest

SHOP = r"(?P<shop>[a-z0-9][a-z0-9-]*\.myshopify\.com)"
ROUTES = [
    ("POST", re.compile(rf"^/{SHOP}/admin/api/(?P<version>[^/]+)/graphql\.json$"), "graphql"),
    (
        "GET",
        re.compile(
            rf"^/{SHOP}/admin/api/(?P<version>[^/]+)/(?P<resource>shop|customers|products|orders)\.json$"
        ),
        "rest",
    ),
    ("GET", re.compile(rf"^/{SHOP}/admin/oauth/authorize$"), "authorize"),
    ("POST", re.compile(rf"^/{SHOP}/admin/oauth/access_token$"), "access_token"),
    ("GET", re.compile(r"^/_bulk/(?P<token>[\w-]+)\.jsonl$"), "bulk_file"),
    ("GET", re.compile(r"^/_simulator/shops$"), "list_shops"),
    ("GET", re.compile(rf"^/_simulator/{SHOP}/stats$"), "stats"),
    ("GET", re.compile(rf"^/_simulator/{SHOP}/webhooks$"), "webhook_log"),
    ("POST", re.compile(rf"^/_simulator/{SHOP}/faults$"), "faults"),
    ("POST", re.compile(rf"^/_simulator/{SHOP}/advance$"), "advance"),
]
VERSION = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
NOT_FOUND = {"errors": "Not Found"}
REST_THROTTLED = (
    "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service."
)


def valid_version(version: str) -> bool:
    return version == "unstable" or (VERSION.match(version) is not None and version >= "2024-01")


def make_handler(simulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ShopifySimulator/1.0"
        # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for
        # the client's delayed ACK, adding ~40 ms to every answer on a kept-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, format, *args):
            pass  # quiet: tests and benchmarks make thousands of requests

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

        # -- plumbing ------------------------------------------------------------------------
        def _dispatch(self, method: str) -> None:
            parts = urlsplit(self.path)
            self.query = dict(parse_qsl(parts.query, keep_blank_values=True))
            self.body = self._read_body()
            for route_method, pattern, name in ROUTES:
                match = pattern.match(parts.path)
                if match and route_method == method:
                    params = match.groupdict()
                    if "shop" in params and params["shop"] not in simulator.shops:
                        return self._json(404, NOT_FOUND)
                    return getattr(self, "_" + name)(**params)
            return self._json(404, NOT_FOUND)

        def _read_body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _json(self, status: int, body, headers: dict | None = None) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Request-Id", str(uuid.uuid4()))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _form(self) -> dict:
            if not self.body:
                return dict(self.query)
            if "json" in (self.headers.get("Content-Type") or ""):
                try:
                    return json.loads(self.body)
                except ValueError:
                    return {}
            return dict(parse_qsl(self.body.decode()))

        def _admin(self, shop_domain: str, version: str):
            """Common gate for Admin API calls: version, faults, token. Returns (shop, token)."""
            shop = simulator.shops[shop_domain]
            if not valid_version(version):
                self._json(404, NOT_FOUND)
                return None, None
            if shop.faults.slow_ms:
                time.sleep(shop.faults.slow_ms / 1000)
            token = shop.token(self.headers.get("X-Shopify-Access-Token"))
            if token is None:
                self._json(401, INVALID_TOKEN_BODY)
                return None, None
            status = shop.faults.roll_error()
            if status is not None:
                self._json(status, ERROR_BODIES[status])
                return None, None
            return shop, token

        # -- Admin API -----------------------------------------------------------------------
        def _graphql(self, shop: str, version: str) -> None:
            shop_obj, token = self._admin(shop, version)
            if shop_obj is None:
                return
            try:
                body = json.loads(self.body or b"{}")
            except ValueError:
                return self._json(400, {"errors": "Invalid JSON in request body"})
            status, response = simulator.graphql.handle(shop_obj, token, version, body)
            self._json(status, response, {"X-Shopify-API-Version": version})

        def _rest(self, shop: str, version: str, resource: str) -> None:
            shop_obj, token = self._admin(shop, version)
            if shop_obj is None:
                return
            bucket = shop_obj.rest_bucket(token.app)
            if shop_obj.faults.take_forced_throttle() or not bucket.try_take(1):
                body = {"errors": REST_THROTTLED}
                return self._json(
                    429, body, {"Retry-After": "1.0", "X-Shopify-Shop-Api-Call-Limit": "40/40"}
                )
            used = int(bucket.maximum - bucket.status()["currentlyAvailable"])
            status, body, headers = handle_rest(
                simulator, shop_obj, token, version, resource, self.query
            )
            headers["X-Shopify-Shop-Api-Call-Limit"] = f"{max(used, 1)}/40"
            headers["X-Shopify-API-Version"] = version
            self._json(status, body, headers)

        # -- OAuth ---------------------------------------------------------------------------
        def _authorize(self, shop: str) -> None:
            try:
                location = simulator.shops[shop].auth.authorize(self.query)
            except OAuthError as error:
                return self._json(error.status, error.body)
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _access_token(self, shop: str) -> None:
            try:
                body = simulator.shops[shop].auth.exchange(self._form())
            except OAuthError as error:
                return self._json(error.status, error.body)
            self._json(200, body)

        # -- files and control ---------------------------------------------------------------
        def _bulk_file(self, token: str) -> None:
            path = simulator.bulk_files.get(token)
            if path is None or not os.path.exists(path):
                return self._json(404, NOT_FOUND)
            self.send_response(200)
            self.send_header("Content-Type", "application/jsonl")
            self.send_header("Content-Length", str(os.path.getsize(path)))
            self.end_headers()
            with open(path, "rb") as source:
                shutil.copyfileobj(source, self.wfile, 1 << 20)

        def _list_shops(self) -> None:
            self._json(200, {"shops": [s.credentials() for s in simulator.shops.values()]})

        def _stats(self, shop: str) -> None:
            self._json(200, simulator.shops[shop].stats())

        def _webhook_log(self, shop: str) -> None:
            log = [d for d in simulator.hub.delivered if d["shop"] == shop]
            self._json(200, {"deliveries": log, "pending": simulator.hub.pending()})

        def _control_body(self) -> dict | None:
            try:
                body = json.loads(self.body or b"{}")
            except ValueError:
                body = None
            if not isinstance(body, dict):
                self._json(400, {"errors": "expected a JSON object"})
                return None
            return body

        def _faults(self, shop: str) -> None:
            body = self._control_body()
            if body is not None:
                self._json(200, simulator.shops[shop].apply_faults(body))

        def _advance(self, shop: str) -> None:
            body = self._control_body()
            if body is None:
                return
            minutes = float(body.pop("minutes", 60))
            self._json(200, simulator.shops[shop].activity.advance(minutes, body))

    return Handler
