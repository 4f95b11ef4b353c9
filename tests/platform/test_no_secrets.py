"""No access token, password hash or secret key in any page, API response, admin page or log line.

Pages and admin pages come from walking both URLconfs, so new URLs are covered.
"""

import logging
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from accounts.models import User
from shopify_sync.models import Store
from tests.conftest import PASSWORD
from tests.platform.urlwalk import routes

ADMIN_OBJECT = re.compile(r"^admin/(\w+)/(\w+)/<path:object_id>/")
ENCRYPTED_TOKEN = "gAAAAABfakeEncryptedShopifyToken0123456789abcdef"


def _fill_for(tenant):
    def fill(converter, name):
        return str(tenant.pk) if name == "tenant_id" else ("1" if converter == "int" else "x")

    return fill


@pytest.fixture
def secrets_world(tenant_a, make_member):
    owner = make_member(tenant_a, "owner", email="secret-owner@example.com")
    staff = make_member(None, None, email="secret-staff@example.com")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    with schema_context(tenant_a.schema_name):
        Store.objects.create(
            shop_domain="secrets.myshopify.com",
            access_token_encrypted=ENCRYPTED_TOKEN,
            client_secret_encrypted=ENCRYPTED_TOKEN,
        )
    login = APIClient(HTTP_HOST="localhost").post(
        "/api/auth/login", {"email": owner.email, "password": PASSWORD}, format="json"
    )
    tokens = login.json()
    secrets = {
        "SECRET_KEY": settings.SECRET_KEY,
        "access token": tokens["access"],
        "refresh token": tokens["refresh"],
        "encrypted store token": ENCRYPTED_TOKEN,
        "password": PASSWORD,
    }
    for user in User.objects.all():
        secrets[f"password hash of {user.email}"] = user.password
        # The hash part alone (after the last $) must not leak either.
        secrets[f"hash digest of {user.email}"] = user.password.rsplit("$", 1)[-1]
    return owner, staff, tokens, secrets


def _leaks(text: str, secrets: dict) -> list[str]:
    return [name for name, value in secrets.items() if value and value in text]


def test_no_secret_in_pages_api_admin_or_logs(secrets_world, tenant_a, caplog):
    owner, staff, tokens, secrets = secrets_world
    caplog.set_level(logging.DEBUG)
    found = []
    tenant_client = Client(HTTP_HOST="acme.localhost")
    tenant_client.force_login(owner)
    for route in routes("xeno.urls_tenant"):
        path = route.path(_fill_for(tenant_a))
        response = tenant_client.get(path)
        body = b"".join(response) if response.streaming else response.content
        found += [f"tenant GET {path}: {n}" for n in _leaks(body.decode(errors="replace"), secrets)]

    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    admin = Client(HTTP_HOST="localhost")
    admin.force_login(staff)
    for route in routes("xeno.urls_public"):
        if route.template in ("api/auth/login", "api/auth/refresh", "api/auth/register"):
            continue  # issuing tokens is their job
        match = ADMIN_OBJECT.match(route.template)
        if match:
            model = apps.get_model(match.group(1), match.group(2))
            first = model.objects.order_by("pk").first()
            if first is None:
                continue
            path = "/" + route.template.replace("<path:object_id>", str(first.pk))
        else:
            path = route.path(_fill_for(tenant_a))
        for client in (api, admin):
            response = client.get(path)
            found += [f"main GET {path}: {n}" for n in _leaks(response.content.decode(), secrets)]

    for record in caplog.records:
        line = record.getMessage() + " " + str(getattr(record, "__dict__", ""))
        found += [f"log {record.name}: {n}" for n in _leaks(line, secrets)]
    assert not found, "\n".join(found)


def test_the_admin_user_page_does_not_show_the_hash(secrets_world):
    _owner, staff, _tokens, secrets = secrets_world
    admin = Client(HTTP_HOST="localhost")
    admin.force_login(staff)

    page = admin.get(f"/admin/accounts/user/{staff.pk}/change/")

    assert page.status_code == 200
    assert not _leaks(page.text, secrets)
