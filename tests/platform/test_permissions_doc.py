"""docs/permissions.md lists exactly the table in accounts/permissions.py."""

import re
from pathlib import Path

from accounts.models import Role
from accounts.permissions import CAPABILITY_LABELS, ROLE_CAPABILITIES

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def documented_capabilities() -> dict[str, frozenset[str]]:
    """{role: capabilities} as the doc's table states them."""
    lines = [line for line in DOC.read_text().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    roles = header[2:]
    table: dict[str, set[str]] = {role: set() for role in roles}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        code = re.sub(r"`", "", cells[1])
        for role, mark in zip(roles, cells[2:], strict=True):
            if mark == "✓":
                table[role].add(code)
    return {role: frozenset(caps) for role, caps in table.items()}


def test_the_doc_lists_exactly_the_code_table():
    assert documented_capabilities() == {
        str(role): caps for role, caps in ROLE_CAPABILITIES.items()
    }
    assert set(ROLE_CAPABILITIES) == set(Role.values)


def test_the_doc_uses_the_codes_labels():
    text = DOC.read_text()
    for capability, label in CAPABILITY_LABELS.items():
        assert f"| {label} | `{capability}` |" in text
