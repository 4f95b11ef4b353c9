"""What browser tests share: Debian's Chromium (playwright cannot download browsers here), its
flags for this closed network, and where screenshots go."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skips loudly without Chromium; in CI (CI=true) that is a failure instead."""
    if Path(CHROMIUM).exists():
        return
    message = (
        f"!!! BROWSER TESTS DID NOT RUN: no Chromium at {CHROMIUM}. "
        "Install Debian's `chromium` package to run them. !!!"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
