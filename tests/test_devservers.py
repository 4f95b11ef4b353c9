"""`python -m xeno.devservers -- <command>` (what `make demo` and `make test` run under)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import signal, sys, time
from pathlib import Path
def stop(signum, frame):
    Path(sys.argv[1]).write_text("stopped cleanly")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
Path(sys.argv[1]).with_suffix(".ready").write_text("")
time.sleep(60)
"""


def test_a_sigterm_to_the_wrapper_reaches_its_command(tmp_path):
    marker = tmp_path / "child.txt"
    # Services given, so that none is started: only the passing on of the signal is tested.
    env = {**os.environ, "DATABASE_URL": "postgres://unused", "REDIS_URL": "redis://unused"}
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "xeno.devservers", "--", sys.executable, "-c", CHILD, str(marker)],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while not marker.with_suffix(".ready").exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    wrapper.send_signal(signal.SIGTERM)  # a supervisor stopping `make demo`, not a terminal

    assert wrapper.wait(timeout=30) == 0
    assert marker.read_text() == "stopped cleanly"  # not killed after the 20 s of grace
