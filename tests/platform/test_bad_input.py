"""Forms and API refuse bad input with messages, never a 500; hostile names are stored as typed
and shown escaped."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Membership
from tenants.models import Tenant
from tests.platform.conftest import sign_up_data

HOSTILE = "<script>alert(1)</script>'; DROP TABLE accounts_user;--"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("company_name", "x" * 101, "at most 100 characters"),
        ("company_name", "   ", "This field is required"),
        ("email", "not-an-email", "valid email"),
        ("email", "a" * 250 + "@x.io", "at most 254 characters"),
        ("password", "p" * 129, "at most 128 characters"),
        ("full_name", "n" * 151, "at most 150 characters"),
    ],
)
def test_sign_up_refuses_bad_input_with_a_message(main_client, field, value, message):
    response = main_client.post("/accounts/sign-up/", sign_up_data(**{field: value}))

    assert response.status_code == 400
    assert message in response.text
    assert not Tenant.objects.filter(name=sign_up_data()["company_name"]).exists()


def test_a_hostile_company_name_is_stored_as_typed_and_shown_escaped(main_client):
    response = main_client.post(
        "/accounts/sign-up/", sign_up_data(company_name=HOSTILE, full_name=HOSTILE)
    )

    assert response.status_code == 302
    tenant = Tenant.objects.get(name=HOSTILE)
    assert tenant.slug.startswith("scriptalert1script-drop-table")
    owner = Membership.objects.get(tenant=tenant).user
    for client, path in (
        (main_client, "/"),
        (_tenant_client(owner, tenant), "/settings/"),
        (_tenant_client(owner, tenant), "/settings/team/"),
        (_tenant_client(owner, tenant), "/settings/audit/"),
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert(1)</script>" not in page.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text, path


def _tenant_client(user, tenant):
    client = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "data",
    [
        {"timezone": "x" * 65, "currency": "USD"},
        {"timezone": "UTC", "currency": "<b>"},
        {"timezone": "UTC", "currency": "USD", "data_retention_months": "twelve"},
        {"timezone": "UTC", "currency": "USD", "data_retention_months": "-1"},
        {"timezone": "UTC", "currency": "USD", "data_retention_months": "99999999999999999999"},
        {},
    ],
)
def test_settings_refuse_bad_input(tenant_a, make_member, client_for, data):
    response = client_for(make_member(tenant_a, "owner"), tenant_a).post("/settings/", data)

    assert response.status_code == 400
    assert 'class="errorlist"' in response.text


def test_invitations_refuse_bad_input(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, "owner"), tenant_a)

    for data in ({"email": "x" * 300, "role": "viewer"}, {"email": "a@b.co", "role": "god"}, {}):
        response = client.post("/settings/team/invite/", data, HTTP_HX_REQUEST="true")
        assert response.status_code == 400, data
        assert "errorlist" in response.text


def test_non_numeric_ids_in_urls_are_404_not_500(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, "owner"), tenant_a)

    assert client.post("/settings/team/members/abc/remove/").status_code == 404
    assert client.post("/settings/team/members/99999999999999999999/remove/").status_code == 404


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("/api/tenants", "post", {"name": "n" * 101}, "name"),
        ("/api/tenants", "post", {"name": "Shop", "currency": 12}, "currency"),
        ("/api/tenants", "post", {"name": "Shop", "timezone": "Mars/Base"}, "timezone"),
        ("/api/tenants", "post", {"name": "Shop", "slug": "Bad Slug!"}, "slug"),
        ("/api/tenants", "post", {"name": "Shop", "owner": 1}, "owner"),
        ("/api/auth/profile", "put", {"full_name": "n" * 151}, "full_name"),
        ("/api/auth/profile", "put", {"full_name": None}, "full_name"),
    ],
)
def test_api_refuses_bad_input_with_field_messages(make_member, path, method, body, field):
    api = APIClient(HTTP_HOST="localhost")
    api.force_login(make_member(None, None, email="bad-input@example.com"))

    response = getattr(api, method)(path, body, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_api_refuses_malformed_json(make_member):
    api = APIClient(HTTP_HOST="localhost")
    api.force_login(make_member(None, None, email="json@example.com"))

    response = api.post("/api/tenants", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_register_refuses_bad_input(db):
    api = APIClient(HTTP_HOST="localhost")

    weak = api.post("/api/auth/register", {"email": "w@x.io", "password": "123"}, format="json")
    typed = api.post("/api/auth/register", {"email": 5, "password": []}, format="json")

    assert weak.status_code == 400 and "password" in weak.json()
    assert typed.status_code == 400 and {"email", "password"} <= set(typed.json())
