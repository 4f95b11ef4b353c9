"""Formatting of values as Shopify writes them on the wire."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def iso_utc(ts: int | None) -> str | None:
    """GraphQL DateTime: UTC with a Z suffix, whole seconds."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def iso_local(ts: int | None, tz_name: str) -> str | None:
    """REST/webhook timestamps carry the shop's UTC offset, e.g. 2021-12-31T19:00:00-05:00."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, zone(tz_name)).isoformat()


def parse_time(text: str) -> int:
    """Parse the timestamps clients put in search queries and REST params."""
    text = text.strip().strip("'\"")
    if len(text) == 10:
        text += "T00:00:00"
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: str) -> tuple[str, int] | None:
    parts = value.split("/")
    if len(parts) != 5 or parts[:3] != ["gid:", "", "shopify"] or not parts[4].isdigit():
        return None
    return parts[3], int(parts[4])
