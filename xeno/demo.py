"""`make demo`: migrates, creates the demo workspace, starts a simulated Shopify with two stores
of realistic history, connects them, runs web, worker and beat, shows the first sync's progress,
and keeps time moving in the simulated stores (so webhooks and scheduled syncs bring fresh data)
until Ctrl-C.

Runs under xeno.devservers, so DATABASE_URL and REDIS_URL are always set here.
"""

import os
import random
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from xeno.devservers import interrupt_on_sigterm

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
PORT = os.environ.get("DEMO_PORT", "8000")
DEMO_EMAIL = "demo@xeno.local"
DEMO_PASSWORD = "xeno-demo-2026"  # noqa: S105 - the documented demo login
DEMO_SLUG = "demo"
SIMULATOR_PORT = os.environ.get("DEMO_SIMULATOR_PORT", "8765")
SIMULATOR_URL = f"http://127.0.0.1:{SIMULATOR_PORT}"
DEMO_SHOPS = [
    "demo-outfitters:orders=20000,customers=4000,products=250,plan=plus,history_days=730",
    "demo-europe:orders=5000,customers=1200,products=120,plan=plus,currency=EUR,"
    "timezone=Europe/Berlin,history_days=540",
]
# Not connected by the demo: for trying sign-up and onboarding as a new retailer would.
TRIAL_SHOPS = [
    f"trial-{n}:orders=3000,customers=700,products=60,plan=plus,history_days=365" for n in (1, 2, 3)
]
CONNECTED_SHOPS = ("demo-outfitters.myshopify.com", "demo-europe.myshopify.com")
ACTIVITY_EVERY_SECONDS = 30


def _persistent_secret(name: str, make) -> str:
    """A value generated once and kept under .data/, so sessions survive restarts."""
    path = DATA_DIR / name
    if not path.exists():
        DATA_DIR.mkdir(exist_ok=True)
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def _demo_environment() -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("PUBLIC_PORT", PORT)
    env.setdefault(
        "SECRET_KEY", _persistent_secret("secret_key", lambda: secrets.token_urlsafe(50))
    )
    env.setdefault(
        "FIELD_ENCRYPTION_KEY",
        _persistent_secret("field_encryption_key", lambda: Fernet.generate_key().decode()),
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", "xeno.settings")
    env.setdefault("SHOPIFY_API_BASE_URL", SIMULATOR_URL)
    env.setdefault("SHOPIFY_WEBHOOK_URL", f"http://localhost:{PORT}/webhooks/shopify/")
    return env


def _say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def _prepare(env: dict[str, str]) -> None:
    _say("migrating the database ...")
    _manage(env, "migrate_all", "-v", "0")
    _say("creating the demo workspace ...")
    os.environ.update(env)
    import django

    django.setup()
    from tenants.models import Tenant

    if not Tenant.objects.filter(slug=DEMO_SLUG).exists():
        _manage(
            env,
            "create_tenant_account",
            "--name=Demo Outfitters",
            f"--slug={DEMO_SLUG}",
            f"--owner-email={DEMO_EMAIL}",
            f"--owner-password={DEMO_PASSWORD}",
            "--timezone=America/New_York",
        )


def _simulator_call(path: str, body: dict | None = None) -> dict:
    import httpx

    if body is None:
        return httpx.get(f"{SIMULATOR_URL}{path}", timeout=30).json()
    return httpx.post(f"{SIMULATOR_URL}{path}", json=body, timeout=30).json()


def _wait_for_simulator(timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _simulator_call("/_simulator/shops")
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    raise SystemExit("the Shopify simulator did not start")


def _connect_demo_stores(env: dict[str, str]) -> None:
    from django_tenants.utils import schema_context

    from shopify_sync.models import Store
    from tenants.models import Tenant

    schema = Tenant.objects.get(slug=DEMO_SLUG).schema_name
    for shop in _simulator_call("/_simulator/shops")["shops"]:
        if shop["shop"] not in CONNECTED_SHOPS:
            continue
        with schema_context(schema):
            if Store.objects.filter(shop_domain=shop["shop"]).exists():
                continue
        _say(f"connecting {shop['shop']} (first full sync starts now) ...")
        _manage(
            env,
            "connect_store",
            f"--tenant={DEMO_SLUG}",
            f"--shop={shop['shop']}",
            f"--client-id={shop['client_id']}",
            f"--client-secret={shop['client_secret']}",
        )


def _show_first_sync_progress() -> None:
    """Prints the first syncs' progress until they finish (or the user presses Ctrl-C)."""
    from django_tenants.utils import schema_context

    from shopify_sync.models import SyncRun
    from tenants.models import Tenant

    schema = Tenant.objects.get(slug=DEMO_SLUG).schema_name
    last_line = ""
    while True:
        with schema_context(schema):
            runs = list(
                SyncRun.objects.filter(trigger=SyncRun.Trigger.ONBOARDING).select_related("store")
            )
        parts = []
        for run in runs:
            share = 100 * run.progress_done / run.progress_total if run.progress_total else 0
            filled = int(share / 5)
            parts.append(
                f"{run.store.shop_domain.split('.')[0]} [{'#' * filled}{'.' * (20 - filled)}] "
                f"{share:3.0f}% {run.status}"
            )
        line = "   ".join(parts)
        if line != last_line:
            _say(f"first sync: {line}")
            last_line = line
        if runs and all(run.status in ("succeeded", "failed") for run in runs):
            return
        time.sleep(2)


def _print_trial_shops() -> None:
    _say("")
    _say(
        f"to try onboarding yourself: create a workspace at http://localhost:{PORT}/accounts/sign-up/"
    )
    _say("and connect one of these simulated stores (Dev Dashboard app: client id and secret):")
    for shop in _simulator_call("/_simulator/shops")["shops"]:
        if shop["shop"] not in CONNECTED_SHOPS:
            _say(f"  {shop['shop']}  client id {shop['client_id']}  secret {shop['client_secret']}")
    _say("")


def _keep_time_moving() -> None:
    """New orders, customers and refunds in the simulated stores, delivered by webhooks."""
    rng = random.Random()
    for shop in _simulator_call("/_simulator/shops")["shops"]:
        if shop["shop"] not in CONNECTED_SHOPS:
            continue
        body = {
            "minutes": ACTIVITY_EVERY_SECONDS / 60,
            "orders": rng.randint(1, 3),
            "customers": rng.randint(0, 1),
            "refunds": rng.randint(0, 1),
            "customer_updates": rng.randint(0, 1),
            "fulfillments": rng.randint(0, 2),
        }
        _simulator_call(f"/_simulator/{shop['shop']}/advance", body)


def _start(env: dict[str, str]) -> list[subprocess.Popen]:
    python = sys.executable
    shop_args = [arg for shop in DEMO_SHOPS + TRIAL_SHOPS for arg in ("--shop", shop)]
    commands = {
        "Shopify simulator": [
            python,
            "-m",
            "shopify_simulator",
            "--port",
            SIMULATOR_PORT,
            "--seed",
            "42",
            *shop_args,
        ],
        "web": [python, "manage.py", "runserver", f"0.0.0.0:{PORT}", "--noreload"],
        "worker": [python, "-m", "celery", "-A", "xeno", "worker", "-l", "warning", "-c", "2"],
        "beat": [python, "-m", "celery", "-A", "xeno", "beat", "-l", "warning"],
    }
    processes = []
    for name, command in commands.items():
        _say(f"starting {name}")
        # Own process groups: Ctrl-C reaches us once, and we stop the children in order.
        processes.append(subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True))
    return processes


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    interrupt_on_sigterm()
    env = _demo_environment()
    _prepare(env)
    processes = _start(env)
    try:
        _wait_for_simulator()
        _connect_demo_stores(env)
        _say("")
        _say(f"Xeno is running:  http://{DEMO_SLUG}.localhost:{PORT}/")
        _say(f"sign in as        {DEMO_EMAIL} / {DEMO_PASSWORD}")
        _say(f"main host         http://localhost:{PORT}/   (Ctrl-C stops everything)")
        _say("")
        _show_first_sync_progress()
        _print_trial_shops()
        _say("first sync done; new orders arrive every 30 seconds (webhooks + scheduled syncs)")
        next_activity = time.monotonic() + ACTIVITY_EVERY_SECONDS
        while all(process.poll() is None for process in processes):
            time.sleep(1)
            if time.monotonic() >= next_activity:
                _keep_time_moving()
                next_activity = time.monotonic() + ACTIVITY_EVERY_SECONDS
        _say("a process stopped; shutting down")
    except KeyboardInterrupt:
        _say("stopping ...")
    finally:
        _stop(processes)


if __name__ == "__main__":
    main()
