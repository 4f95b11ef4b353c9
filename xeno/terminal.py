"""Secrets typed at a terminal by management commands, so they stay out of the shell's history."""

import getpass
import sys


def secret_read(*, label: str) -> str:
    """A secret typed without echo, or one line of standard input when it is piped in."""
    if sys.stdin.isatty():
        return getpass.getpass(f"{label}: ").strip()
    return sys.stdin.readline().strip()
