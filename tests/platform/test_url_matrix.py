"""Every URL pattern of both hosts, discovered from the resolvers, against every kind of caller.

- a member of tenant A gets 404 for everything of tenant B: on B's host, and through the main
  host's id-based API (patterns with `<int:tenant_id>`);
- each role gets exactly what docs/permissions.md grants: the capability a URL needs is recorded
  while the owner calls it (from accounts.access), then every role must get 403 exactly when the
  doc's table denies that capability;
- anonymous callers are sent to sign-in (pages) or get 401 (API).

Only the main-host URLs in PUBLIC are reachable without signing in; a new public URL must be
added there deliberately, anything else is checked automatically.
"""

from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django_tenants.utils import schema_context

import accounts.access
from accounts.invitations import invitation_create
from accounts.models import Membership, User
from accounts.services import membership_create
from shopify_sync.models import Store
from tests.platform.test_permissions_doc import documented_capabilities
from tests.platform.urlwalk import routes

# Main-host URLs open to anonymous visitors (by route prefix). Everything else must refuse them.
PUBLIC = (
    "",
    "accounts/sign-in/",
    "accounts/sign-out/",
    "accounts/sign-up/",
    "accounts/invitations/",
    "accounts/password-reset/",
    "api/auth/register",
    "api/auth/login",
    "api/auth/refresh",
    "api/schema/",
    "api/docs/",
    "webhooks/",
    "admin/login/",
    "admin/logout/",
)
# Tenant-host URLs open without a session (the sign-in hand-off verifies its own token).
TENANT_OPEN = ("auth/handoff/",)
METHODS = ("get", "post", "put")
ROLES = ("owner", "admin", "analyst", "viewer")


def _is_public(template: str) -> bool:
    return template == "" or any(p and template.startswith(p) for p in PUBLIC)


class World:
    """Two tenants with members of every role and one object of each kind in each."""

    def __init__(self, tenant_a, tenant_b):
        self.a, self.b = tenant_a, tenant_b
        self.members = {}
        for tenant in (tenant_a, tenant_b):
            for role in ROLES:
                user = User.objects.create(email=f"{role}@{tenant.slug}.matrix")
                membership_create(user=user, tenant=tenant, role=role)
                self.members[tenant.slug, role] = user
        self.victim = {}
        self.invitation = {}
        self.store = {}
        for tenant in (tenant_a, tenant_b):
            user = User.objects.create(email=f"victim@{tenant.slug}.matrix")
            self.victim[tenant.slug] = membership_create(user=user, tenant=tenant, role="viewer")
            self.invitation[tenant.slug] = invitation_create(
                tenant=tenant,
                email=f"invitee@{tenant.slug}.matrix",
                role="viewer",
                invited_by=self.members[tenant.slug, "owner"],
            )
            with schema_context(tenant.schema_name):
                self.store[tenant.slug] = Store.objects.create(
                    shop_domain=f"matrix-{tenant.slug}.myshopify.com"
                )

    def filler(self, tenant):
        """Parameter values naming `tenant`'s objects."""

        def fill(converter: str, name: str) -> str:
            if name == "tenant_id":
                return str(tenant.pk)
            if name == "membership_id":
                return str(self.victim[tenant.slug].pk)
            if name == "invitation_id":
                return str(self.invitation[tenant.slug].pk)
            if name == "slug":
                return tenant.slug
            if converter == "int" or name.endswith("_id") or name == "object_id":
                return str(self.store[tenant.slug].pk)
            if converter == "uuid":
                return "00000000-0000-0000-0000-000000000000"
            return "x"

        return fill


@pytest.fixture
def world(tenant_a, tenant_b):
    return World(tenant_a, tenant_b)


def _client(user, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    if user is not None:
        client.force_login(user)
    return client


@contextmanager
def _rolled_back():
    """Each probe's writes are undone, so that no probe changes what the next one sees."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _call(client, method: str, path: str):
    with _rolled_back():
        response = getattr(client, method)(path, {} if method == "get" else None)
    if getattr(response, "file_to_stream", None) is not None:  # downloads: release the file
        response.file_to_stream.close()
    return response


@contextmanager
def _recording_capabilities():
    asked: list[str] = []
    original = accounts.access.require_capability

    def record(membership, capability):
        asked.append(capability)
        return original(membership, capability)

    accounts.access.require_capability = record
    try:
        yield asked
    finally:
        accounts.access.require_capability = original


def _is_sign_in_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    target = urlsplit(response["Location"])
    return target.path in ("/accounts/sign-in/", "/admin/login/") and target.hostname in (
        None,
        "localhost",
    )


TENANT_ROUTES = routes("xeno.urls_tenant")
MAIN_ROUTES = routes("xeno.urls_public")
ID_ROUTES = [r for r in MAIN_ROUTES if "<int:tenant_id>" in r.template]


def test_the_walk_finds_the_known_urls():
    assert {"settings/team/", "settings/", "sync/", ""} <= {r.template for r in TENANT_ROUTES}
    assert {r.template for r in ID_ROUTES} >= {
        "api/tenants/<int:tenant_id>",
        "api/tenants/<int:tenant_id>/users",
    }


def test_a_member_of_a_gets_404_for_everything_on_bs_host(world):
    failures = []
    for role in ROLES:
        client = _client(world.members["acme", role], "globex.localhost")
        for route in TENANT_ROUTES:
            if route.template.startswith(TENANT_OPEN):
                continue
            path = route.path(world.filler(world.b))
            for method in METHODS:
                response = _call(client, method, path)
                if response.status_code != 404 or "Globex" in response.text:
                    failures.append(f"{role} {method.upper()} {path}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_member_of_a_gets_404_for_b_through_the_id_api(world):
    failures = []
    for role in ROLES:
        client = _client(world.members["acme", role], "localhost")
        for route in ID_ROUTES:
            path = route.path(world.filler(world.b))
            statuses = {m: _call(client, m, path).status_code for m in METHODS}
            # A method the view does not have may answer 405 (it reveals nothing); every
            # method it has must answer 404.
            if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
                failures.append(f"{role} {path}: {statuses}")
    assert not failures, "\n".join(failures)


def _role_matrix(world, host: str, route_list) -> tuple[list[str], dict]:
    documented = documented_capabilities()
    failures, checked = [], {}
    for route in route_list:
        path = route.path(world.filler(world.a))
        for method in METHODS:
            with _recording_capabilities() as asked:
                owner_status = _call(
                    _client(world.members["acme", "owner"], host), method, path
                ).status_code
            if owner_status == 405:
                continue
            if owner_status in (401, 403):
                failures.append(f"owner {method.upper()} {path}: {owner_status}")
                continue
            needed = set(asked)
            checked[method.upper(), path] = sorted(needed)
            for role in ROLES[1:]:
                status = _call(_client(world.members["acme", role], host), method, path).status_code
                denied = not needed <= documented[role]
                if denied != (status == 403):
                    failures.append(
                        f"{role} {method.upper()} {path}: {status}, needs {sorted(needed)}"
                    )
    return failures, checked


def test_each_role_gets_exactly_what_the_permissions_doc_grants_on_the_tenant_host(world):
    routes_ = [r for r in TENANT_ROUTES if not r.template.startswith(TENANT_OPEN)]
    failures, checked = _role_matrix(world, "acme.localhost", routes_)
    assert not failures, "\n".join(failures)
    # The recording works: the team page is known to need manage_members.
    assert checked["GET", "/settings/team/"] == ["manage_members"]


def test_each_role_gets_exactly_what_the_permissions_doc_grants_through_the_id_api(world):
    failures, checked = _role_matrix(world, "localhost", ID_ROUTES)
    assert not failures, "\n".join(failures)
    assert checked["PUT", f"/api/tenants/{world.a.pk}"] == ["manage_stores"]


def test_anonymous_callers_are_sent_to_sign_in_or_get_401(world):
    failures = []
    cases = [("acme.localhost", r) for r in TENANT_ROUTES if not r.template.startswith(TENANT_OPEN)]
    cases += [("localhost", r) for r in MAIN_ROUTES if not _is_public(r.template)]
    for host, route in cases:
        path = route.path(world.filler(world.a))
        for method in METHODS:
            response = _call(Client(HTTP_HOST=host), method, path)
            if path.startswith("/api/"):
                ok = response.status_code in (401, 405) and "Acme" not in response.text
            else:
                ok = _is_sign_in_redirect(response) or response.status_code == 405
            if not ok:
                failures.append(f"{host} {method.upper()} {path}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_signed_in_non_staff_cannot_use_the_admin(world):
    client = _client(world.members["acme", "owner"], "localhost")
    failures = []
    for route in MAIN_ROUTES:
        if not route.template.startswith("admin/") or _is_public(route.template):
            continue
        path = route.path(world.filler(world.a))
        response = _call(client, "get", path)
        if not _is_sign_in_redirect(response):
            failures.append(f"GET {path}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_public_urls_answer_without_errors_and_reveal_no_tenant(world):
    for route in MAIN_ROUTES:
        if not _is_public(route.template):
            continue
        path = route.path(world.filler(world.b))
        for method in METHODS:
            response = _call(Client(HTTP_HOST="localhost"), method, path)
            assert response.status_code < 500, f"{method.upper()} {path}"
            if route.template != "accounts/open/<slug:slug>/":
                assert b"Globex" not in response.content, f"{method.upper()} {path}"


def test_the_handoff_without_a_valid_token_signs_nobody_in(world):
    response = Client(HTTP_HOST="acme.localhost").get("/auth/handoff/?token=forged")

    assert _is_sign_in_redirect(response)


def test_membership_lookups_outside_the_tenant_are_404(world):
    # The members page of A must not act on B's membership ids, even for A's owner.
    client = _client(world.members["acme", "owner"], "acme.localhost")
    b_membership = world.victim["globex"].pk

    response = client.post(f"/settings/team/members/{b_membership}/remove/")

    assert response.status_code == 404
    assert Membership.objects.filter(pk=b_membership).exists()
