"""Shop configuration: parsing the `--shop` spec and filling deterministic defaults."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, fields

# Shopify's documented GraphQL Admin limits per plan: (bucket size, restore rate per second).
PLAN_LIMITS = {
    "basic": (1000, 50),
    "standard": (2000, 100),
    "advanced": (4000, 200),
    "plus": (10000, 500),
    "enterprise": (20000, 1000),
}
PLAN_DISPLAY_NAMES = {
    "basic": "Basic",
    "standard": "Shopify",
    "advanced": "Advanced",
    "plus": "Shopify Plus",
    "enterprise": "Commerce Components",
}

READ_SCOPES = (
    "read_customers",
    "read_products",
    "read_orders",
    "read_all_orders",
    "read_inventory",
    "read_fulfillments",
)


@dataclass
class ShopConfig:
    """Everything that defines one simulated shop; unset secrets are derived from the seed."""

    name: str
    customers: int = 200
    products: int = 50
    orders: int = 1000
    token: str = ""
    client_id: str = ""
    client_secret: str = ""
    webhook_secret: str = ""
    plan: str = "standard"
    scopes: tuple[str, ...] = READ_SCOPES
    timezone: str = "America/New_York"
    currency: str = "USD"
    history_days: int = 730
    fail_rate: float = 0.0
    slow_ms: int = 0
    throttle_burst: int = 0
    webhook_duplicate_rate: float = 0.0
    webhook_drop_rate: float = 0.0
    webhook_delay_ms: int = 0
    webhook_reorder: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return f"{self.name}.myshopify.com"

    @property
    def bucket(self) -> tuple[int, int]:
        return PLAN_LIMITS[self.plan]

    def fill_secrets(self, seed: int) -> ShopConfig:
        """Derive missing credentials from (seed, shop name) so restarts print the same keys."""
        rng = random.Random(_stable_int(f"{seed}:{self.name}:secrets"))
        self.token = self.token or "shpat_" + _hex(rng, 32)
        self.client_id = self.client_id or _hex(rng, 32)
        self.client_secret = self.client_secret or "shpss_" + _hex(rng, 32)
        self.webhook_secret = self.webhook_secret or _hex(rng, 64)
        return self


def _hex(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def _stable_int(text: str) -> int:
    # hash() is salted per process; a digest keeps data identical across runs.
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


_INT_KEYS = {
    "customers",
    "products",
    "orders",
    "history_days",
    "slow_ms",
    "throttle_burst",
    "webhook_delay_ms",
}
_FLOAT_KEYS = {"fail_rate", "webhook_duplicate_rate", "webhook_drop_rate"}
_KNOWN = {f.name for f in fields(ShopConfig)} - {"name", "extra"}


def parse_shop_spec(spec: str) -> ShopConfig:
    """Parse `acme:customers=2000,orders=20000,plan=plus,scopes=read_orders+read_products`."""
    name, _, rest = spec.partition(":")
    name = name.strip().removesuffix(".myshopify.com")
    if not name:
        raise ValueError(f"shop spec without a name: {spec!r}")
    values: dict = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, raw = part.partition("=")
        if not sep or key not in _KNOWN:
            raise ValueError(f"bad shop option {part!r} (known: {sorted(_KNOWN)})")
        values[key] = _coerce(key, raw)
    config = ShopConfig(name=name, **values)
    if config.plan not in PLAN_LIMITS:
        raise ValueError(f"unknown plan {config.plan!r}; one of {sorted(PLAN_LIMITS)}")
    return config


def _coerce(key: str, raw: str):
    if key in _INT_KEYS:
        return int(raw)
    if key in _FLOAT_KEYS:
        return float(raw)
    if key == "webhook_reorder":
        return raw.lower() in ("1", "true", "yes")
    if key == "scopes":
        # Commas separate shop options, so scopes are joined with '+' or ' '.
        return tuple(s for s in raw.replace("+", " ").split() if s)
    return raw


def as_config(shop: ShopConfig | str) -> ShopConfig:
    return shop if isinstance(shop, ShopConfig) else parse_shop_spec(shop)
