"""The audit log: what is recorded, who sees it, and that it outlives the tenant."""

import pytest
from django.test import Client

from accounts.models import AuditEvent
from accounts.services import audit_record
from tenants.services import tenant_create
from tests.conftest import PASSWORD


def test_sign_in_and_failed_sign_in_are_recorded_in_the_users_tenants(tenant_a, make_member):
    user = make_member(tenant_a, "viewer")
    client = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.1.2.3")

    client.post("/accounts/sign-in/", {"email": user.email, "password": "wrong"})
    client.post("/accounts/sign-in/", {"email": user.email, "password": PASSWORD})

    actions = list(
        AuditEvent.objects.filter(tenant_id=tenant_a.pk).values_list("action", "target", "ip")
    )
    assert ("auth.sign_in_failed", user.email, "10.1.2.3") in actions
    assert ("auth.sign_in", user.email, "10.1.2.3") in actions


@pytest.mark.parametrize(("role", "status"), [("owner", 200), ("admin", 200), ("analyst", 403)])
def test_owners_and_admins_see_the_audit_log(tenant_a, make_member, client_for, role, status):
    audit_record(tenant=tenant_a, actor=None, action="data.exported", target="<b>x</b>")

    page = client_for(make_member(tenant_a, role), tenant_a).get("/settings/audit/")

    assert page.status_code == status
    if status == 200:
        assert "data.exported" in page.text
        assert "&lt;b&gt;x&lt;/b&gt;" in page.text


def test_the_audit_log_is_per_tenant(tenant_a, tenant_b, make_member, client_for):
    audit_record(tenant=tenant_b, actor=None, action="member.invited", target="secret@globex.x")

    page = client_for(make_member(tenant_a, "owner"), tenant_a).get("/settings/audit/")

    assert "secret@globex.x" not in page.text


def test_the_filter_partial(tenant_a, make_member, client_for):
    audit_record(tenant=tenant_a, actor=None, action="member.invited", target="m@x.io")
    audit_record(tenant=tenant_a, actor=None, action="data.exported", target="zip")
    client = client_for(make_member(tenant_a, "owner"), tenant_a)

    partial = client.get("/settings/audit/?action=member.", HTTP_HX_REQUEST="true")

    assert "m@x.io" in partial.text and "data.exported" not in partial.text
    assert "<html" not in partial.text


def test_the_audit_event_of_a_deletion_outlives_the_tenant(db, make_member, client_for):
    tenant = tenant_create(name="Doomed Shop", slug="doomed-shop")
    owner = make_member(tenant, "owner", email="doomed@example.com")

    response = client_for(owner, tenant).post("/settings/delete/", {"confirm_name": "Doomed Shop"})

    assert response.status_code == 302
    event = AuditEvent.objects.get(tenant_slug="doomed-shop", action="tenant.deleted")
    assert event.actor_email == "doomed@example.com"
