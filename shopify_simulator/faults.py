"""Failures on demand: 5xx responses, slowness, forced throttling, failing bulk exports."""

from __future__ import annotations

import random
import threading

ERROR_STATUSES = (500, 502, 503, 504)
ERROR_BODIES = {
    500: {"errors": "Internal Server Error"},
    502: {"errors": "Bad Gateway"},
    503: {"errors": "Service Unavailable"},
    504: {"errors": "Gateway Timeout"},
}


class Faults:
    """Per-shop fault switches; the RNG is seeded so a run fails at the same requests again."""

    def __init__(self, config, seed: int) -> None:
        self.error_rate = config.fail_rate
        self.slow_ms = config.slow_ms
        self.throttle_next = config.throttle_burst
        self.rng = random.Random(seed)
        self.lock = threading.Lock()

    def take_forced_throttle(self) -> bool:
        with self.lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                return True
            return False

    def roll_error(self) -> int | None:
        with self.lock:
            if self.error_rate and self.rng.random() < self.error_rate:
                return self.rng.choice(ERROR_STATUSES)
            return None

    def as_dict(self) -> dict:
        return {
            "error_rate": self.error_rate,
            "slow_ms": self.slow_ms,
            "throttle_next": self.throttle_next,
        }
