"""Cursor pagination over sorted (sort value, index) keys, as Shopify connections behave."""

from __future__ import annotations

import base64
import bisect
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .executor import FieldError

MAX_PAGE = 250
INFINITY = float("inf")


@dataclass(slots=True)
class Page:
    items: list
    cursors: list[str]
    has_next: bool
    has_previous: bool


class IndexKeys(Sequence):
    """Keys for collections already in sort order (ids grow with creation): (index, index)."""

    def __init__(self, length: int) -> None:
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [(i, i) for i in range(*position.indices(self.length))]
        if position < 0:
            position += self.length
        if not 0 <= position < self.length:
            raise IndexError(position)
        return (position, position)


def encode_cursor(record_id: int, key: tuple[int, int]) -> str:
    payload = json.dumps({"last_id": record_id, "last_value": key[0], "k": list(key)})
    return base64.urlsafe_b64encode(payload.encode()).decode()


def decode_cursor(cursor: str) -> tuple[int, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, index = json.loads(base64.urlsafe_b64decode(padded))["k"]
        return int(value), int(index)
    except (ValueError, KeyError, TypeError) as error:
        raise FieldError(f"Invalid cursor for current pagination sort: {cursor}") from error


def check_window(args: dict, field_name: str, required: bool = True) -> None:
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        if required:
            raise FieldError(
                "you must provide one of first or last",
                {"code": "BAD_REQUEST"},
            )
        return
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            raise FieldError(
                f"The {name} argument on the '{field_name}' field must be between 0 and "
                f"{MAX_PAGE}.",
                {"code": "BAD_REQUEST"},
            )


def paginate(
    keys: Sequence,
    fetch: Callable[[int], object],
    record_id: Callable[[object], int],
    args: dict,
    accept: Callable[[int], bool] | None = None,
    bounds: tuple[int | None, int | None] = (None, None),
    cursors: bool = True,
) -> Page:
    """One page of a connection. `bounds` limits the sort value when the filter is on it."""
    reverse = bool(args.get("reverse"))
    first, last = args.get("first"), args.get("last")
    after = decode_cursor(args["after"]) if args.get("after") else None
    before = decode_cursor(args["before"]) if args.get("before") else None
    if last is not None and first is None:
        picked = _take(keys, before, not reverse, last, accept, bounds, stop=after)
        more = len(picked) > last
        picked = picked[:last][::-1]
        has_next, has_previous = before is not None, more
    else:
        picked = _take(keys, after, reverse, first, accept, bounds, stop=before)
        more = first is not None and len(picked) > first
        picked = picked[:first] if first is not None else picked
        has_next, has_previous = more, after is not None
    items = [fetch(key[1]) for key in picked]
    # Bulk exports skip cursors: they are never read and cost a JSON dump per record.
    encoded = (
        [encode_cursor(record_id(i), k) for i, k in zip(items, picked, strict=True)]
        if cursors
        else []
    )
    return Page(items, encoded, has_next, has_previous)


def _take(keys, start, descending, limit, accept, bounds, stop) -> list:
    wanted = None if limit is None else limit + 1
    picked = []
    for key in _walk(keys, start, descending, bounds):
        if stop is not None and (key <= stop if descending else key >= stop):
            break
        if accept is None or accept(key[1]):
            picked.append(key)
            if wanted is not None and len(picked) >= wanted:
                break
    return picked


def _walk(keys, start, descending: bool, bounds) -> Iterator[tuple[int, int]]:
    low, high = bounds
    if not descending:
        position = bisect.bisect_right(keys, start) if start else 0
        if low is not None:
            position = max(position, bisect.bisect_left(keys, (low, -1)))
        for at in range(position, len(keys)):
            key = keys[at]
            if high is not None and key[0] > high:
                return
            yield key
    else:
        position = bisect.bisect_left(keys, start) - 1 if start else len(keys) - 1
        if high is not None:
            position = min(position, bisect.bisect_right(keys, (high, INFINITY)) - 1)
        for at in range(position, -1, -1):
            key = keys[at]
            if low is not None and key[0] < low:
                return
            yield key
