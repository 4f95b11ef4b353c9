"""When things happen: order timestamps with growth, weekly and seasonal cycles."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from .wire import zone

WEEKDAY_FACTOR = (1.0, 0.95, 0.95, 1.0, 1.1, 1.3, 1.2)  # Monday first
MONTH_FACTOR = (0.8, 0.75, 0.85, 0.9, 0.95, 0.9, 0.9, 0.95, 0.95, 1.0, 1.35, 1.7)
# Shoppers buy in the evening more than at 4 a.m.; local hours 0..23.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4)
GROWTH = 1.5  # the last day sells (1 + GROWTH) times the first day


def black_friday(year: int) -> date:
    first = date(year, 11, 1)
    first_friday = first + timedelta(days=(4 - first.weekday()) % 7)
    return first_friday + timedelta(weeks=3)


def day_weight(day: date, position: float) -> float:
    weight = (1 + GROWTH * position) * WEEKDAY_FACTOR[day.weekday()]
    weight *= MONTH_FACTOR[day.month - 1]
    offset = (day - black_friday(day.year)).days
    if offset == 0:
        weight *= 4.0
    elif 1 <= offset <= 3:
        weight *= 2.5  # the weekend through Cyber Monday
    return weight


def sample_times(count: int, start: int, end: int, tz_name: str, seed: int) -> list[int]:
    """`count` sorted epoch seconds in [start, end], distributed like a growing store's orders."""
    if count <= 0:
        return []
    tz = zone(tz_name)
    first = datetime.fromtimestamp(start, tz).date()
    last = datetime.fromtimestamp(end, tz).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    span = max(len(days) - 1, 1)
    weights = [day_weight(day, n / span) for n, day in enumerate(days)]
    total = sum(weights)
    rng = random.Random(seed)
    # Largest-remainder allocation keeps the total exact and the outcome deterministic.
    exact = [count * w / total for w in weights]
    per_day = [int(x) for x in exact]
    by_remainder = sorted(range(len(days)), key=lambda n: exact[n] - per_day[n], reverse=True)
    for n in by_remainder[: count - sum(per_day)]:
        per_day[n] += 1
    hours = range(24)
    times: list[int] = []
    for day, n_orders in zip(days, per_day, strict=True):
        if not n_orders:
            continue
        midnight = int(datetime.combine(day, time(), tz).timestamp())
        lo, hi = max(midnight, start), min(midnight + 86399, end)
        picked = rng.choices(hours, HOUR_WEIGHTS, k=n_orders)
        for hour in picked:
            ts = midnight + hour * 3600 + rng.randrange(3600)
            if not lo <= ts <= hi:
                ts = rng.randint(lo, hi)
            times.append(ts)
    times.sort()
    return times
