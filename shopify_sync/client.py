"""The only module that talks to Shopify.

`ShopifyAPI` supplies what it does well — API versions, sessions, OAuth HMAC checks — while
requests go through an httpx client owned by one `ShopifyClient` per store. ShopifyAPI's own
`GraphQL.execute` is not used: it has no timeout, prints error bodies, hides response headers, and
`ShopifyResource.set_site` writes a process-wide default another thread could fall back to. Here
a store's token only ever lives in that store's client instance.

Pacing follows `extensions.cost.throttleStatus`: before a query the client waits until the leaky
bucket holds what the query is expected to cost, so THROTTLED answers are rare, not retried into.
"""

from __future__ import annotations

import functools
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import orjson
import shopify
from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=30.0, pool=30.0)
MAX_ATTEMPTS = 7
MAX_THROTTLED = 60
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
DEFAULT_QUERY_COST = 50
PACING_RECHECK_SECONDS = 0.1


class ShopifyError(Exception):
    """Base of every error this module raises; `code` is stable, the message is for people."""

    code = "shopify_error"


class ShopifyAuthError(ShopifyError):
    """The token was refused (revoked, expired, app uninstalled): the store must reconnect."""

    code = "auth_revoked"


class ShopifyAccessDenied(ShopifyError):
    """The token lacks a scope the query needs."""

    code = "access_denied"


class ShopifyTransientError(ShopifyError):
    """Throttling, 5xx or network trouble that outlasted the client's own retries."""

    code = "transient"


class ShopifyQueryError(ShopifyError):
    """Shopify rejected the query itself (a bug on our side or an API change)."""

    code = "query_error"


class ShopifyUnreachable(ShopifyError):
    code = "unreachable"


def ensure_api_version(name: str) -> None:
    """ShopifyAPI 12.7 knows versions up to 2024-10; newer ones are registered here."""
    if name not in shopify.ApiVersion.versions:
        shopify.ApiVersion.define_version(shopify.Release(name))


def admin_base_url(shop_domain: str) -> str:
    """`https://{shop}` on Shopify, `{SHOPIFY_API_BASE_URL}/{shop}` when pointed elsewhere."""
    override = settings.SHOPIFY_API_BASE_URL.rstrip("/")
    return f"{override}/{shop_domain}" if override else f"https://{shop_domain}"


def graphql_url(shop_domain: str, api_version: str | None = None) -> str:
    version = api_version or settings.SHOPIFY_API_VERSION
    ensure_api_version(version)
    # shopify.Session validates the domain and version; only its API path is used.
    session = shopify.Session(shop_domain, version, "unused")
    path = session.api_version.api_path("")  # "/admin/api/<version>"
    return f"{admin_base_url(shop_domain)}{path}/graphql.json"


@dataclass
class ThrottleState:
    """Our view of the store's leaky bucket, shared by the clients of one store in a process.

    `available` is what Shopify last reported; `in_flight` are points reserved by requests sent
    but not answered yet, which Shopify's figure does not reflect."""

    maximum: float = 1000.0
    available: float = 1000.0
    restore_rate: float = 50.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    observed_at: float = field(default_factory=time.monotonic)
    in_flight: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def estimate_now(self) -> float:
        elapsed = self.clock() - self.observed_at
        return min(self.maximum, self.available + elapsed * self.restore_rate) - self.in_flight

    def try_reserve(self, cost: float) -> float:
        """Reserves `cost` points if the bucket holds them now and returns 0; otherwise reserves
        nothing and returns how long the bucket would take to refill that far, which is an upper
        bound: queries in flight usually cost less than reserved and give the rest back."""
        with self.lock:
            shortfall = cost - self.estimate_now()
            if shortfall <= 0:
                self.in_flight += cost
                return 0.0
            return shortfall / max(self.restore_rate, 1.0)

    def settle(self, reserved: float, status: dict | None) -> None:
        """Releases a reservation, taking Shopify's figures when the answer carried them."""
        with self.lock:
            self.in_flight = max(0.0, self.in_flight - reserved)
            if status:
                self.maximum = float(status.get("maximumAvailable", self.maximum))
                self.available = float(status.get("currentlyAvailable", 0))
                self.restore_rate = float(status.get("restoreRate", self.restore_rate))
                self.observed_at = self.clock()


@dataclass
class CallStats:
    """What a run's calls cost, added up by every client (and thread) working for the run."""

    api_cost: int = 0
    throttle_wait_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, cost: int = 0, wait: float = 0.0) -> None:
        with self.lock:
            self.api_cost += cost
            self.throttle_wait_seconds += wait


@dataclass
class TokenGrant:
    access_token: str
    scopes: list[str]
    expires_in: int | None = None
    refresh_token: str = ""
    refresh_token_expires_in: int | None = None


def _backoff(attempt: int) -> float:
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt) * (0.5 + random.random())


def _throttle_code(payload: dict) -> bool:
    return any(
        (error.get("extensions") or {}).get("code") == "THROTTLED"
        for error in payload.get("errors") or []
        if isinstance(error, dict)
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One certificate-verifying TLS context for every client. Building one loads the CA bundle,
    about 50 ms of CPU, and a full sync opens a client in each of its refund-fetching threads."""
    return httpx.create_ssl_context()


class ShopifyClient:
    """GraphQL Admin API access for one store. Not shared between stores or threads."""

    def __init__(
        self,
        shop_domain: str,
        token_provider: Callable[[], str],
        *,
        api_version: str | None = None,
        on_auth_error: Callable[[], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        throttle: ThrottleState | None = None,
        stats: CallStats | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.shop_domain = shop_domain
        self.url = graphql_url(shop_domain, api_version)
        self._token_provider = token_provider
        self._on_auth_error = on_auth_error
        self._sleep = sleep
        self._http = httpx.Client(
            timeout=TIMEOUT, limits=httpx.Limits(max_connections=4), verify=_tls_context()
        )
        self._owner_thread = threading.get_ident()
        # Clients of one store working side by side share the bucket they all drain.
        self.throttle = throttle or ThrottleState()
        self.stats = stats or CallStats()
        # A person waiting on a page gets an answer after a retry or two, not after a minute.
        self.max_attempts = max_attempts
        self._expected_costs: dict[str, int] = {}

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _pace(self, expected_cost: int) -> float:
        """Waits until the shared bucket admits the query, looking again every short while:
        answers of other threads refund what they did not spend."""
        while True:
            # Never more than the bucket holds (its size is Shopify's latest figure).
            reserved = float(min(expected_cost, self.throttle.maximum))
            wait = self.throttle.try_reserve(reserved)
            if not wait:
                return reserved
            step = min(wait, PACING_RECHECK_SECONDS)
            self.stats.add(wait=step)
            self._sleep(step)

    def _observe_cost(self, query: str, payload: dict) -> None:
        cost = (payload.get("extensions") or {}).get("cost") or {}
        if cost.get("requestedQueryCost") is not None:
            self._expected_costs[query] = int(cost["requestedQueryCost"])
        if cost.get("actualQueryCost") is not None:
            self.stats.add(cost=int(cost["actualQueryCost"]))

    def _send(self, query: str, variables: dict | None) -> tuple[httpx.Response, dict | None]:
        """One request, paced by the shared bucket; returns the response and its JSON body."""
        reserved = self._pace(self._expected_costs.get(query, DEFAULT_QUERY_COST))
        payload = None
        try:
            response = self._http.post(
                self.url,
                content=orjson.dumps({"query": query, "variables": variables or {}}),
                headers={
                    "X-Shopify-Access-Token": self._token_provider(),
                    "Content-Type": "application/json",
                },
            )
            if response.status_code == 200:
                try:
                    payload = orjson.loads(response.content)
                except ValueError:
                    payload = None
        finally:
            cost = ((payload or {}).get("extensions") or {}).get("cost") or {}
            self.throttle.settle(reserved, cost.get("throttleStatus"))
        return response, payload

    def execute(self, query: str, variables: dict | None = None) -> dict:
        """Runs a query and returns its `data`; retries what is worth retrying."""
        if threading.get_ident() != self._owner_thread:
            raise RuntimeError("A ShopifyClient belongs to the thread that created it.")
        refreshed_token = False
        throttled = attempt = 0
        while attempt < self.max_attempts:
            try:
                response, payload = self._send(query, variables)
            except httpx.TransportError as error:
                self._retry_after(attempt, f"network error ({type(error).__name__})")
                attempt += 1
                continue
            if response.status_code in (401, 403):
                if self._on_auth_error is not None and not refreshed_token:
                    # An expiring token may have just lapsed: renew once before giving up.
                    refreshed_token = True
                    self._on_auth_error()
                    continue
                raise ShopifyAuthError(
                    f"Shopify refused the access token for {self.shop_domain} "
                    f"(HTTP {response.status_code}): the store must be reconnected."
                )
            if response.status_code == 429 or response.status_code >= 500 or payload is None:
                if response.status_code in range(201, 500) and response.status_code != 429:
                    raise ShopifyQueryError(
                        f"Shopify answered HTTP {response.status_code} for {self.shop_domain}."
                    )
                wait = None
                if response.status_code == 429:
                    wait = float(response.headers.get("Retry-After") or _backoff(attempt))
                    self.stats.add(wait=wait)
                self._retry_after(attempt, f"HTTP {response.status_code}", wait=wait)
                attempt += 1
                continue
            self._observe_cost(query, payload)
            if _throttle_code(payload):
                # The answer's bucket figures make the next _pace wait long enough. Throttling
                # is expected under load, so it has a budget of its own.
                throttled += 1
                if throttled > MAX_THROTTLED:
                    break
                continue
            return self._data_or_raise(payload)
        raise ShopifyTransientError(
            f"Shopify kept failing for {self.shop_domain} after several attempts."
        )

    def _retry_after(self, attempt: int, reason: str, wait: float | None = None) -> None:
        if attempt + 1 >= self.max_attempts:
            return
        delay = _backoff(attempt) if wait is None else wait
        logger.info("retrying Shopify call", extra={"shop": self.shop_domain, "reason": reason})
        self._sleep(delay)

    def _data_or_raise(self, payload: dict) -> dict:
        errors = payload.get("errors")
        if errors:
            codes = {
                (error.get("extensions") or {}).get("code")
                for error in errors
                if isinstance(error, dict)
            }
            message = "; ".join(str(error.get("message", error)) for error in errors)
            if "ACCESS_DENIED" in codes:
                raise ShopifyAccessDenied(message)
            if isinstance(errors, str) or "INTERNAL_SERVER_ERROR" in codes:
                raise ShopifyTransientError(message)
            raise ShopifyQueryError(message)
        return payload.get("data") or {}

    def stream_blocks(self, url: str, block_bytes: int = 1 << 20) -> Iterator[bytes]:
        """Streams a bulk operation's JSONL result in blocks of whole lines, each at least
        `block_bytes` long but the last (never loaded whole)."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                with self._http.stream("GET", url, timeout=httpx.Timeout(60.0)) as response:
                    if response.status_code >= 500:
                        raise httpx.HTTPStatusError("server error", request=None, response=response)
                    response.raise_for_status()
                    pending: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes(min(block_bytes, 1 << 20)):
                        pending.append(chunk)
                        size += len(chunk)
                        if size >= block_bytes and b"\n" in chunk:
                            data = b"".join(pending)
                            cut = data.rindex(b"\n") + 1
                            yield data[:cut]
                            pending, size = [data[cut:]], len(data) - cut
                    rest = b"".join(pending)
                    if rest.strip():
                        yield rest if rest.endswith(b"\n") else rest + b"\n"
                    return
            except (httpx.TransportError, httpx.HTTPStatusError) as error:
                # Restarting mid-file would repeat lines; callers upsert, so repeats are harmless.
                self._retry_after(attempt, f"bulk download failed ({type(error).__name__})")
        raise ShopifyTransientError(f"The bulk export of {self.shop_domain} could not be read.")


def _token_request(shop_domain: str, form: dict) -> dict:
    url = f"{admin_base_url(shop_domain)}/admin/oauth/access_token"
    try:
        response = httpx.post(url, data=form, timeout=TIMEOUT, verify=_tls_context())
    except httpx.TransportError as error:
        raise ShopifyUnreachable(
            f"{shop_domain} did not answer ({type(error).__name__}). Check the shop domain."
        ) from error
    if response.status_code in (400, 401, 403, 404):
        raise ShopifyAuthError(
            f"Shopify refused the credentials for {shop_domain} (HTTP {response.status_code}). "
            "Check the client id and secret, and that the app is installed on this store."
        )
    if response.status_code >= 300:
        raise ShopifyTransientError(f"Shopify answered HTTP {response.status_code}.")
    return response.json()


def _grant(body: dict) -> TokenGrant:
    return TokenGrant(
        access_token=body["access_token"],
        scopes=[scope for scope in body.get("scope", "").split(",") if scope],
        expires_in=body.get("expires_in"),
        refresh_token=body.get("refresh_token", ""),
        refresh_token_expires_in=body.get("refresh_token_expires_in"),
    )


def client_credentials_exchange(
    *, shop_domain: str, client_id: str, client_secret: str
) -> TokenGrant:
    """A Dev Dashboard app's client credentials → a token valid for 24 hours."""
    return _grant(
        _token_request(
            shop_domain,
            {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
    )


def oauth_code_exchange(
    *, shop_domain: str, client_id: str, client_secret: str, code: str
) -> TokenGrant:
    """An OAuth install's authorization code → an expiring offline token and refresh token."""
    return _grant(
        _token_request(
            shop_domain,
            {"client_id": client_id, "client_secret": client_secret, "code": code, "expiring": "1"},
        )
    )


def refresh_token_exchange(
    *, shop_domain: str, client_id: str, client_secret: str, refresh_token: str
) -> TokenGrant:
    return _grant(
        _token_request(
            shop_domain,
            {
                "grant_type": "refresh_token",
                "client_id": client_id,
                "client_secret": client_secret,
                "refresh_token": refresh_token,
            },
        )
    )


def oauth_authorize_url(
    *, shop_domain: str, api_key: str, scopes: list[str], redirect_uri: str, state: str
) -> str:
    """Where the merchant approves the app's install on their shop."""
    from urllib.parse import urlencode

    query = urlencode(
        {
            "client_id": api_key,
            "scope": ",".join(scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{admin_base_url(shop_domain)}/admin/oauth/authorize?{query}"


def oauth_params_valid(params: dict, *, api_secret: str) -> bool:
    """Checks the hmac Shopify puts on OAuth redirects (and its timestamp's age)."""
    # validate_params reads the secret from a class attribute: serialise its use.
    with _OAUTH_SECRET_LOCK:
        shopify.Session.secret = api_secret
        try:
            return bool(shopify.Session.validate_params(params))
        finally:
            shopify.Session.secret = None


_OAUTH_SECRET_LOCK = threading.Lock()
