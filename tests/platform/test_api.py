"""The platform API: auth, profile, tenants, users; throttling, lockout, CORS."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import Invitation, Membership
from tenants.models import Tenant
from tests.conftest import PASSWORD


@pytest.fixture
def api(db):
    return APIClient(HTTP_HOST="localhost")


def _login(api, email, password=PASSWORD):
    return api.post("/api/auth/login", {"email": email, "password": password}, format="json")


def test_register_login_refresh_and_profile(api):
    registered = api.post(
        "/api/auth/register",
        {"email": "Api.User@Example.com", "password": PASSWORD, "company_name": "Api Co"},
        format="json",
    )
    assert registered.status_code == 201, registered.content
    assert registered.json()["tenant"]["slug"] == "api-co"
    assert "password" not in registered.json()["user"]

    tokens = _login(api, "api.user@example.com").json()
    assert set(tokens) == {"access", "refresh"}
    refreshed = api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    assert api.get("/api/auth/profile").json()["email"] == "api.user@example.com"
    updated = api.put("/api/auth/profile", {"full_name": "Api User"}, format="json")
    assert updated.json()["full_name"] == "Api User"


def test_the_api_accepts_the_browser_session(api, tenant_a, make_member):
    api.force_login(make_member(tenant_a, "viewer"))

    assert api.get("/api/auth/profile").status_code == 200
    assert api.get(f"/api/tenants/{tenant_a.pk}").json()["slug"] == "acme"


def test_anonymous_calls_get_401(api, tenant_a):
    for path in ("/api/auth/profile", "/api/tenants", f"/api/tenants/{tenant_a.pk}"):
        assert api.get(path).status_code == 401, path


def test_only_staff_list_all_tenants(api, tenant_a, make_member):
    member = make_member(tenant_a, "owner")
    api.force_login(member)
    assert api.get("/api/tenants").status_code == 403

    member.is_staff = True
    member.save()
    listing = api.get("/api/tenants").json()
    assert {"count", "next", "previous", "results"} <= set(listing)
    assert "acme" in {t["slug"] for t in listing["results"]}


def test_create_a_tenant_you_own(api, make_member):
    user = make_member(None, None, email="founder@example.com")
    api.force_login(user)

    created = api.post("/api/tenants", {"name": "Founder Goods"}, format="json")
    taken = api.post("/api/tenants", {"name": "X", "slug": "acme"}, format="json")

    assert created.status_code == 201
    tenant = Tenant.objects.get(pk=created.json()["id"])
    assert Membership.objects.get(tenant=tenant, user=user).role == "owner"
    assert taken.status_code == 400 and "slug" in taken.json()


def test_update_needs_the_settings_right(api, tenant_a, make_member):
    api.force_login(make_member(tenant_a, "analyst"))
    body = {"timezone": "Europe/Paris", "currency": "EUR"}
    assert api.put(f"/api/tenants/{tenant_a.pk}", body, format="json").status_code == 403

    api.force_login(make_member(tenant_a, "admin"))
    updated = api.put(f"/api/tenants/{tenant_a.pk}", body, format="json")
    assert updated.status_code == 200 and updated.json()["currency"] == "EUR"
    bad = api.put(f"/api/tenants/{tenant_a.pk}", {**body, "timezone": "Nowhere"}, format="json")
    assert bad.status_code == 400 and "timezone" in bad.json()


def test_users_list_and_invite(api, tenant_a, make_member, django_capture_on_commit_callbacks):
    api.force_login(make_member(tenant_a, "admin"))

    listing = api.get(f"/api/tenants/{tenant_a.pk}/users").json()
    with django_capture_on_commit_callbacks(execute=True):
        invited = api.post(
            f"/api/tenants/{tenant_a.pk}/users",
            {"email": "api-invite@example.com", "role": "analyst"},
            format="json",
        )

    assert listing["count"] >= 1 and "email" in listing["results"][0]
    assert invited.status_code == 201
    assert Invitation.objects.filter(email="api-invite@example.com", role="analyst").exists()
    assert mail.outbox[-1].to == ["api-invite@example.com"]


def test_other_tenants_are_404_through_the_id_api(api, tenant_a, tenant_b, make_member):
    api.force_login(make_member(tenant_a, "owner"))

    for path in (f"/api/tenants/{tenant_b.pk}", f"/api/tenants/{tenant_b.pk}/users"):
        assert api.get(path).status_code == 404
    assert api.put(f"/api/tenants/{tenant_b.pk}", {}, format="json").status_code == 404
    assert api.get("/api/tenants/999999").status_code == 404


def test_unknown_fields_and_wrong_types_are_400(api, make_member):
    api.force_login(make_member(None, None, email="typo@example.com"))

    unknown = api.put("/api/auth/profile", {"full_name": "A", "is_staff": True}, format="json")
    wrong = api.post("/api/tenants", {"name": ["not", "a", "string"]}, format="json")
    not_object = api.post("/api/tenants", [1, 2], format="json")

    assert unknown.status_code == 400 and "is_staff" in unknown.json()
    assert wrong.status_code == 400 and "name" in wrong.json()
    assert not_object.status_code == 400


def test_jwt_works_on_a_tenant_host_api_too(tenant_a, make_member):
    user = make_member(tenant_a, "viewer")
    token = _login(APIClient(HTTP_HOST="localhost"), user.email).json()["access"]
    client = APIClient(HTTP_HOST="acme.localhost", HTTP_AUTHORIZATION=f"Bearer {token}")

    # Passes the membership gate (401 would mean the token was not seen); the route may 404.
    assert client.get("/api/analytics/anything").status_code != 401


def test_throttling_answers_429_with_retry_after(api, make_member, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], user="3/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    api.force_login(make_member(None, None, email="busy@example.com"))

    statuses = [api.get("/api/auth/profile").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert int(api.get("/api/auth/profile")["Retry-After"]) > 0


def test_tenant_throttle_counts_members_together(api, tenant_a, make_member, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], tenant="2/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from django.core.cache import cache

    cache.delete(f"throttle_tenant_{tenant_a.pk}")
    first, second = make_member(tenant_a, "owner"), make_member(tenant_a, "admin")

    api.force_login(first)
    assert api.get(f"/api/tenants/{tenant_a.pk}").status_code == 200
    assert api.get(f"/api/tenants/{tenant_a.pk}").status_code == 200
    api.force_login(second)
    assert api.get(f"/api/tenants/{tenant_a.pk}").status_code == 429
    cache.delete(f"throttle_tenant_{tenant_a.pk}")


def test_repeated_failed_sign_ins_lock_out_form_and_api(tenant_a, make_member, settings):
    from django.test import Client

    settings.SIGN_IN_FAILURE_LIMIT = 3
    user = make_member(tenant_a, "viewer", email="locked@example.com")
    api = APIClient(HTTP_HOST="localhost", REMOTE_ADDR="10.9.9.9")

    failures = [_login(api, user.email, "nope").status_code for _ in range(3)]
    locked = _login(api, user.email)  # the right password, but locked out

    assert failures == [401, 401, 429]
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    form = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.9.9.9").post(
        "/accounts/sign-in/", {"email": user.email, "password": PASSWORD}
    )
    assert "Too many failed sign-ins" in form.text
    # Another address is not locked out.
    assert (
        _login(APIClient(HTTP_HOST="localhost", REMOTE_ADDR="10.9.9.8"), user.email).status_code
        == 200
    )


def test_cors_only_for_configured_origins(api, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]

    allowed = api.options(
        "/api/auth/login",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )
    refused = api.options(
        "/api/auth/login",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Access-Control-Allow-Origin" not in refused
