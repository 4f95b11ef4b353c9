"""`make demo`: migrates, creates the demo workspace and runs web, worker and beat until Ctrl-C.

Runs under xeno.devservers, so DATABASE_URL and REDIS_URL are always set here.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
PORT = os.environ.get("DEMO_PORT", "8000")
DEMO_EMAIL = "demo@xeno.local"
DEMO_PASSWORD = "xeno-demo-2026"  # noqa: S105 - the documented demo login
DEMO_SLUG = "demo"


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


def _start(env: dict[str, str]) -> list[subprocess.Popen]:
    python = sys.executable
    commands = {
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


def _interrupt_on_sigterm() -> None:
    """Treats SIGTERM (a supervisor or `kill`) like Ctrl-C, so that cleanup runs either way."""

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main() -> None:
    _interrupt_on_sigterm()
    env = _demo_environment()
    _prepare(env)
    processes = _start(env)
    _say("")
    _say(f"Xeno is running:  http://{DEMO_SLUG}.localhost:{PORT}/")
    _say(f"sign in as        {DEMO_EMAIL} / {DEMO_PASSWORD}")
    _say(f"main host         http://localhost:{PORT}/   (Ctrl-C stops everything)")
    _say("")
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(1)
        _say("a process stopped; shutting down")
    except KeyboardInterrupt:
        _say("stopping ...")
    finally:
        _stop(processes)


if __name__ == "__main__":
    main()
