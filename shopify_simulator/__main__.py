"""python -m shopify_simulator --port 8765 --seed 42 --shop acme:orders=20000 --shop globex"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from .simulator import Simulator

DEFAULT_SHOP = "acme:customers=2000,products=300,orders=20000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shopify_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--shop", action="append", default=[], help="name:key=value,...")
    parser.add_argument("--token-ttl", type=float, default=None, help="seconds; default 24 h / 1 h")
    parser.add_argument("--webhook-retry-delay", type=float, default=1.0)
    parser.add_argument("--webhook-max-attempts", type=int, default=8)
    parser.add_argument("--webhook-failure-limit", type=int, default=8)
    parser.add_argument("--anchor", type=int, default=None, help="epoch seconds history ends at")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    simulator = Simulator(
        args.shop or [DEFAULT_SHOP],
        seed=args.seed,
        token_ttl=args.token_ttl,
        webhook_retry_delay=args.webhook_retry_delay,
        webhook_max_attempts=args.webhook_max_attempts,
        webhook_failure_limit=args.webhook_failure_limit,
        anchor=args.anchor,
    )
    base_url = simulator.start(args.host, args.port)
    elapsed = time.perf_counter() - started
    print(f"shopify_simulator listening on {base_url} (ready in {elapsed:.1f}s)", flush=True)
    for shop in simulator.shops.values():
        c, stats = shop.config, shop.state.stats()
        print(
            f"{c.domain} admin={base_url}/{c.domain} token={c.token} client_id={c.client_id} "
            f"client_secret={c.client_secret} webhook_secret={c.webhook_secret} plan={c.plan} "
            f"orders={stats['orders']} customers={stats['customers']} products={stats['products']}",
            flush=True,
        )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    simulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
