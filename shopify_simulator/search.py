"""Shopify's `query:` search syntax, reduced to what sync clients use: time and id ranges."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from .wire import parse_time

RANGE_FIELDS = {"updated_at", "created_at", "processed_at", "id"}
_TERM = re.compile(r"^(?P<field>[a-z_]+):(?P<op><=|>=|<|>|=)?(?P<value>.+)$")


@dataclass
class SearchFilter:
    """Inclusive [low, high] bounds per field; unknown terms are ignored as Shopify does."""

    bounds: dict[str, list] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def bound(self, name: str) -> tuple[int | None, int | None]:
        low, high = self.bounds.get(name, (None, None))
        return low, high

    def matches(self, values: dict[str, int]) -> bool:
        for name, (low, high) in self.bounds.items():
            value = values[name]
            if (low is not None and value < low) or (high is not None and value > high):
                return False
        return True

    def tighten(self, name: str, low: int | None = None, high: int | None = None) -> None:
        current = self.bounds.setdefault(name, [None, None])
        if low is not None:
            current[0] = low if current[0] is None else max(current[0], low)
        if high is not None:
            current[1] = high if current[1] is None else min(current[1], high)


def parse_search(query: str | None) -> SearchFilter:
    result = SearchFilter()
    if not query:
        return result
    try:
        tokens = shlex.split(query, posix=True)
    except ValueError:
        tokens = query.split()
    for token in tokens:
        if token.upper() in ("AND", "OR", "NOT"):
            continue
        match = _TERM.match(token)
        if not match or match["field"] not in RANGE_FIELDS:
            result.ignored.append(token)
            continue
        name = "created_at" if match["field"] == "processed_at" else match["field"]
        raw = match["value"]
        try:
            value = int(raw) if name == "id" else parse_time(raw)
        except ValueError:
            result.ignored.append(token)
            continue
        op = match["op"] or "="
        if op == ">":
            result.tighten(name, low=value + 1)
        elif op == ">=":
            result.tighten(name, low=value)
        elif op == "<":
            result.tighten(name, high=value - 1)
        elif op == "<=":
            result.tighten(name, high=value)
        else:
            result.tighten(name, low=value, high=value)
    return result
