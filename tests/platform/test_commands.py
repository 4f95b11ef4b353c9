"""Management commands that take secrets ask for them instead of taking them on the command line."""

import io

from django.core.management import call_command

from accounts.models import User
from tenants.models import Tenant


def test_create_tenant_account_asks_for_the_owners_password(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-typed-passphrase-4821\n"))  # piped in
    out = io.StringIO()

    call_command(
        "create_tenant_account",
        "--name=Typed Password",
        "--slug=typedpass",
        "--owner-email=owner@typedpass.example",
        stdout=out,
    )

    assert "Created tenant typedpass" in out.getvalue()
    assert "a-typed-passphrase-4821" not in out.getvalue()
    owner = User.objects.get(email="owner@typedpass.example")
    assert owner.check_password("a-typed-passphrase-4821")
    assert Tenant.objects.filter(slug="typedpass").exists()
