"""Cold start, bulk export time and peak RSS of the Shopify simulator on a 100k-order shop.

Usage: .venv/bin/python bench/simulator_start.py [--orders 100000] [--port 8799]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

import httpx

BULK_QUERY = """
{ orders { edges { node {
  id name createdAt updatedAt processedAt cancelledAt test displayFinancialStatus
  displayFulfillmentStatus currencyCode
  totalPriceSet { shopMoney { amount currencyCode } }
  subtotalPriceSet { shopMoney { amount } } totalTaxSet { shopMoney { amount } }
  totalDiscountsSet { shopMoney { amount } } totalRefundedSet { shopMoney { amount } }
  customer { id } refunds { id createdAt totalRefundedSet { shopMoney { amount } } }
  lineItems { edges { node { id sku quantity currentQuantity variant { id } product { id }
    originalUnitPriceSet { shopMoney { amount } } } } }
} } } }
"""


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        match = re.search(r"VmHWM:\s+(\d+) kB", status.read())
    return int(match.group(1)) / 1024 if match else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    spec = f"big:orders={args.orders},customers={args.orders // 5},products=1000"
    command = [sys.executable, "-m", "shopify_simulator", "--port", str(args.port), "--shop", spec]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        cold_start = time.perf_counter() - started
        token = re.search(r"token=(\S+)", lines[1]).group(1)
        base = f"http://127.0.0.1:{args.port}/big.myshopify.com/admin/api/2025-10/graphql.json"
        headers = {"X-Shopify-Access-Token": token}
        with httpx.Client(headers=headers, timeout=120) as client:
            bulk_started = time.perf_counter()
            mutation = (
                "mutation($q: String!) { bulkOperationRunQuery(query: $q) "
                "{ bulkOperation { id } userErrors { message } } }"
            )
            client.post(
                base, json={"query": mutation, "variables": {"q": BULK_QUERY}}
            ).raise_for_status()
            poll = "{ currentBulkOperation { status objectCount fileSize url } }"
            while True:
                op = client.post(base, json={"query": poll}).json()["data"]["currentBulkOperation"]
                if op["status"] not in ("CREATED", "RUNNING"):
                    break
                time.sleep(0.25)
            completed = time.perf_counter() - bulk_started
            size = 0
            with client.stream("GET", op["url"]) as response:
                for chunk in response.iter_bytes():
                    size += len(chunk)
            downloaded = time.perf_counter() - bulk_started
        print(f"orders:                 {args.orders}")
        print(f"cold start:             {cold_start:.1f} s")
        print(
            f"bulk export completed:  {completed:.1f} s "
            f"({op['status']}, {op['objectCount']} objects)"
        )
        print(f"bulk export downloaded: {downloaded:.1f} s ({size / 1e6:.1f} MB)")
        print(f"peak RSS:               {peak_rss_mb(process.pid):.0f} MB")
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
