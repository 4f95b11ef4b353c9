"""The filters every analytics page and endpoint takes, parsed once from the query string.

A filter state is plain data: pages turn it back into a query string for links and hx-push-url,
the API echoes it in its answers, and selectors receive its parts as keyword arguments.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import urlencode

from shopify_sync.models import Store

RANGES = {
    "today": "Today",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "12m": "Last 12 months",
    "ytd": "Year to date",
    "custom": "Custom",
}
COMPARISONS = {
    "previous_period": "Previous period",
    "previous_year": "Previous year (same weekday)",
    "none": "No comparison",
}
GRANULARITIES = {"day": "Day", "week": "Week", "month": "Month"}
RETURNS_ON = {"refund_date": "on the refund's date", "order_date": "on the order's date"}
DEFAULT_RANGE = "30d"
MAX_RANGE_DAYS = 5 * 366
# Weekday-aligned year: 52 weeks back, so that Black Friday meets last year's Black Friday.
ALIGNED_YEAR = dt.timedelta(days=364)


class FilterError(ValueError):
    """Bad filter input; `errors` maps each offending query parameter to a sentence."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Scope:
    """The stores whose numbers are added up: one store, or all stores sharing one currency."""

    stores: tuple[Store, ...]
    currency: str
    timezone: str
    store: Store | None  # None: every store in `currency`
    other_currencies: tuple[str, ...] = ()

    @property
    def store_ids(self) -> list[int]:
        return [s.pk for s in self.stores]

    @property
    def label(self) -> str:
        if self.store is not None:
            return self.store.name or self.store.shop_domain
        return f"All stores in {self.currency}" if self.other_currencies else "All stores"


@dataclass(frozen=True)
class Filters:
    range: str
    start: dt.date
    end: dt.date
    comparison: str
    granularity: str
    returns_on: str
    scope: Scope | None  # None: the tenant has no store yet
    all_stores: tuple[Store, ...] = field(default=())

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def compare_start(self) -> dt.date | None:
        if self.comparison == "previous_period":
            return self.start - dt.timedelta(days=self.days)
        if self.comparison == "previous_year":
            return self.start - ALIGNED_YEAR
        return None

    @property
    def compare_end(self) -> dt.date | None:
        start = self.compare_start
        return None if start is None else start + dt.timedelta(days=self.days - 1)

    def query(self, **changes) -> str:
        """The query string of this state with some parameters changed (for links and CSV)."""
        params = {
            "range": self.range,
            "comparison": self.comparison,
            "granularity": self.granularity,
            "returns": self.returns_on,
        }
        if self.range == "custom":
            params |= {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.scope is not None and self.scope.store is not None:
            params["store"] = self.scope.store.pk
        elif self.scope is not None and self.scope.other_currencies:
            params["currency"] = self.scope.currency
        params |= changes
        return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def filters_parse(params, *, today: dt.date | None = None) -> Filters:
    """Filters from a query dict. Raises FilterError naming each bad parameter."""
    errors: dict[str, str] = {}
    stores = tuple(Store.objects.exclude(status=Store.Status.UNINSTALLED).order_by("pk"))
    scope = _scope(params, stores, errors)

    def choice(name: str, options: dict, default: str) -> str:
        value = params.get(name) or default
        if value not in options:
            errors[name] = f"must be one of {', '.join(options)}"
            return default
        return value

    range_ = choice("range", RANGES, DEFAULT_RANGE)
    comparison = choice("comparison", COMPARISONS, "previous_period")
    granularity = choice("granularity", GRANULARITIES, "day")
    returns_on = choice("returns", RETURNS_ON, "refund_date")
    if today is None:
        tz = zoneinfo.ZoneInfo(scope.timezone if scope else "UTC")
        today = dt.datetime.now(tz).date()
    start, end = _dates(params, range_, today, errors)
    if params.get("start") or params.get("end"):
        range_ = "custom"
    if errors:
        raise FilterError(errors)
    return Filters(range_, start, end, comparison, granularity, returns_on, scope, stores)


def _scope(params, stores: tuple[Store, ...], errors: dict) -> Scope | None:
    raw_store = params.get("store") or ""
    if raw_store and raw_store != "all":
        store = next((s for s in stores if str(s.pk) == raw_store), None)
        if store is None:
            errors["store"] = f"no store with id {raw_store!r} in this workspace"
            return None
        return Scope((store,), store.currency, store.iana_timezone, store)
    if not stores:
        return None
    by_currency: dict[str, list[Store]] = {}
    for store in stores:
        by_currency.setdefault(store.currency, []).append(store)
    # Without conversion, totals add up one currency: the one most stores use, unless asked.
    currency = params.get("currency") or max(by_currency, key=lambda c: len(by_currency[c]))
    if currency not in by_currency:
        errors["currency"] = f"no store sells in {currency!r}; use one of {', '.join(by_currency)}"
        return None
    chosen = tuple(by_currency[currency])
    # Each store's days are its own local days; presets like "today" follow the first store.
    timezone = chosen[0].iana_timezone
    others = tuple(c for c in by_currency if c != currency)
    return Scope(chosen, currency, timezone, None, others)


def _dates(params, range_: str, today: dt.date, errors: dict) -> tuple[dt.date, dt.date]:
    presets = {
        "today": today,
        "7d": today - dt.timedelta(days=6),
        "30d": today - dt.timedelta(days=29),
        "90d": today - dt.timedelta(days=89),
        "12m": today - dt.timedelta(days=364),
        "ytd": today.replace(month=1, day=1),
    }
    if range_ != "custom" and not (params.get("start") or params.get("end")):
        return presets[range_], today
    start = _date(params, "start", errors) or presets.get(range_, today - dt.timedelta(days=29))
    end = _date(params, "end", errors) or today
    if "start" not in errors and "end" not in errors:
        if end < start:
            errors["end"] = "must be on or after start"
        elif (end - start).days + 1 > MAX_RANGE_DAYS:
            errors["start"] = "the range may cover at most 5 years"
    return start, end


def _date(params, name: str, errors: dict) -> dt.date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{raw!r} is not a date (use YYYY-MM-DD)"
        return None
