"""Who may open a tenant's pages: members by role; everybody else learns nothing."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.conftest import PASSWORD

TENANT_PAGES = ["/", "/customers/", "/orders/", "/products/"]


@pytest.mark.parametrize("role", ["owner", "admin", "analyst", "viewer"])
def test_every_role_opens_the_analytics_pages_of_its_tenant(
    tenant_a, make_member, client_for, role
):
    client = client_for(make_member(tenant_a, role), tenant_a)

    for path in TENANT_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Acme Retail" in response.text


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("admin", 200), ("analyst", 403), ("viewer", 403)]
)
def test_only_owners_and_admins_open_settings(tenant_a, make_member, client_for, role, status):
    client = client_for(make_member(tenant_a, role), tenant_a)

    response = client.get("/settings/")

    assert response.status_code == status
    if status == 403:
        assert "cannot manage stores and settings" in response.text


def test_a_member_of_another_tenant_gets_404_not_403(tenant_a, tenant_b, make_member, client_for):
    outsider = make_member(tenant_b, "owner")
    client = client_for(outsider, tenant_a)

    for path in [*TENANT_PAGES, "/settings/", "/api/anything/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Acme" not in response.text


def test_platform_staff_are_not_routed_into_tenant_pages(tenant_a, make_member, client_for):
    staff = make_member(None, None, email="staff@xeno.test")
    staff.is_staff = staff.is_superuser = True
    staff.save()

    assert client_for(staff, tenant_a).get("/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_on_the_main_host(tenant_a, client_for):
    response = client_for(None, tenant_a).get("/orders/")

    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.hostname == "localhost"
    assert target.path == "/accounts/sign-in/"
    assert parse_qs(target.query)["next"] == ["http://acme.localhost/orders/"]


def test_anonymous_api_requests_on_a_tenant_host_get_401(tenant_a, client_for):
    assert client_for(None, tenant_a).get("/api/analytics/dashboard").status_code == 401


def test_an_unknown_tenant_host_is_404(db):
    assert Client(HTTP_HOST="nosuchshop.localhost").get("/").status_code == 404


def _sign_in_on_main_host(email: str, next_url: str = "") -> tuple[Client, str]:
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/accounts/sign-in/", {"email": email, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    return client, response["Location"]


def test_signing_in_on_the_main_host_lands_on_the_tenant_signed_in(tenant_a, make_member):
    user = make_member(tenant_a, "analyst", email="ana@acme.test")

    _main, location = _sign_in_on_main_host(user.email, "http://acme.localhost/orders/")

    handoff = urlsplit(location)
    assert handoff.hostname == "acme.localhost"
    assert handoff.path == "/auth/handoff/"
    tenant_client = Client(HTTP_HOST="acme.localhost")
    landing = tenant_client.get(handoff.path + "?" + handoff.query)
    assert landing.status_code == 302
    assert landing["Location"] == "/orders/"
    assert tenant_client.get("/orders/").status_code == 200

    # The token is single use: a second redemption signs nobody in.
    replay = Client(HTTP_HOST="acme.localhost")
    replay.get(handoff.path + "?" + handoff.query)
    assert replay.get("/orders/").status_code == 302


def test_a_handoff_token_for_one_tenant_does_not_open_another(tenant_a, tenant_b, make_member):
    user = make_member(tenant_a, "owner", email="both@acme.test")
    make_member(tenant_b, "viewer", email="both@acme.test")
    _main, location = _sign_in_on_main_host(user.email, "http://acme.localhost/")

    globex = Client(HTTP_HOST="globex.localhost")
    globex.get("/auth/handoff/?" + urlsplit(location).query)

    assert globex.get("/").status_code == 302  # still anonymous on globex


def test_wrong_password_is_refused_with_a_message(tenant_a, make_member):
    user = make_member(tenant_a, "owner")
    response = Client(HTTP_HOST="localhost").post(
        "/accounts/sign-in/", {"email": user.email, "password": "wrong"}
    )

    assert response.status_code == 200
    assert "do not match" in response.text


def test_the_main_host_lists_a_users_workspaces(tenant_a, tenant_b, make_member, client_for):
    user = make_member(tenant_a, "owner", email="multi@example.com")
    make_member(tenant_b, "viewer", email="multi@example.com")

    page = client_for(user).get("/")

    assert "Acme Retail" in page.text and "Globex Outfitters" in page.text


def test_passwords_are_hashed_with_argon2(make_member, tenant_a):
    assert make_member(tenant_a, "viewer").password.startswith("argon2")
