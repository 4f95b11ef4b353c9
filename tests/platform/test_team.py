"""Invitations, the members page, ownership and password reset."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Membership, User
from tests.conftest import PASSWORD


def _invite(client, email="new.person@example.com", role="viewer"):
    return client.post("/settings/team/invite/", {"email": email, "role": role})


def _link_from_outbox() -> str:
    return re.search(r"http://localhost/accounts/invitations/\S+/", mail.outbox[-1].body).group(0)


@pytest.fixture
def owner_client(tenant_a, make_member, client_for):
    owner = make_member(tenant_a, "owner")
    return client_for(owner, tenant_a)


def test_owner_invites_by_email_and_a_new_person_accepts(
    owner_client, tenant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(owner_client)

    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new.person@example.com"]
    link = _link_from_outbox()
    visitor = Client(HTTP_HOST="localhost")
    page = visitor.get(urlsplit(link).path)
    assert "Join Acme Retail" in page.text
    accepted = visitor.post(urlsplit(link).path, {"full_name": "New", "password": PASSWORD})

    assert urlsplit(accepted["Location"]).hostname == "acme.localhost"
    user = User.objects.get(email="new.person@example.com")
    assert Membership.objects.get(user=user, tenant=tenant_a).role == "viewer"
    assert AuditEvent.objects.filter(tenant_id=tenant_a.pk, action="member.joined").exists()
    # Single use: the link does not work a second time.
    assert Client(HTTP_HOST="localhost").get(urlsplit(link).path).status_code == 404


def test_an_existing_user_signs_in_then_accepts(
    owner_client, tenant_a, make_member, django_capture_on_commit_callbacks
):
    existing = make_member(None, None, email="existing@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, email="existing@example.com", role="analyst")
    path = urlsplit(_link_from_outbox()).path

    visitor = Client(HTTP_HOST="localhost")
    assert "Sign in to accept" in visitor.get(path).text
    signed_in = visitor.post(
        "/accounts/sign-in/", {"email": existing.email, "password": PASSWORD, "next": path}
    )
    assert signed_in["Location"] == path
    visitor.post(path)

    assert Membership.objects.get(user=existing, tenant=tenant_a).role == "analyst"


def test_only_the_invited_address_may_accept(
    owner_client, tenant_a, make_member, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(owner_client, email="invited@example.com")
    intruder = client_for(make_member(None, None, email="intruder@example.com"))

    response = intruder.post(urlsplit(_link_from_outbox()).path)

    assert response.status_code == 403
    assert not Membership.objects.filter(tenant=tenant_a, user__email="intruder@example.com")


def test_expired_forged_and_revoked_links_are_refused(owner_client, tenant_a):
    _invite(owner_client, email="late@example.com")
    invitation = Invitation.objects.get(email="late@example.com")
    from accounts.invitations import invitation_token

    path = f"/accounts/invitations/{invitation_token(invitation)}/"
    visitor = Client(HTTP_HOST="localhost")
    assert visitor.get(path).status_code == 200
    assert visitor.get(path[:-3] + "xx/").status_code == 404

    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))
    assert visitor.get(path).status_code == 404

    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(1))
    owner_client.post(f"/settings/team/invitations/{invitation.pk}/revoke/")
    assert visitor.get(path).status_code == 404


def test_owners_cannot_be_invited_and_members_not_twice(owner_client, tenant_a, make_member):
    make_member(tenant_a, "viewer", email="member@example.com")

    as_owner = _invite(owner_client, email="x@example.com", role="owner")
    twice = owner_client.post(
        "/settings/team/invite/",
        {"email": "member@example.com", "role": "viewer"},
        HTTP_HX_REQUEST="true",
    )

    assert as_owner.status_code == 302
    assert not Invitation.objects.filter(email="x@example.com").exists()
    assert twice.status_code == 400
    assert "already a member" in twice.text


def test_the_members_page_lists_members_and_changes_roles(owner_client, tenant_a, make_member):
    viewer = make_member(tenant_a, "viewer")
    membership = Membership.objects.get(user=viewer, tenant=tenant_a)

    page = owner_client.get("/settings/team/")
    changed = owner_client.post(
        f"/settings/team/members/{membership.pk}/role/", {"role": "analyst"}, HTTP_HX_REQUEST="true"
    )

    assert viewer.email in page.text
    assert changed.status_code == 200
    membership.refresh_from_db()
    assert membership.role == "analyst"
    assert AuditEvent.objects.filter(action="member.role_changed", target=viewer.email).exists()


def test_the_owner_cannot_be_demoted_or_removed_by_an_admin(tenant_a, make_member, client_for):
    owner = make_member(tenant_a, "owner")
    admin = client_for(make_member(tenant_a, "admin"), tenant_a)
    owner_membership = Membership.objects.get(user=owner, tenant=tenant_a)

    admin.post(f"/settings/team/members/{owner_membership.pk}/role/", {"role": "viewer"})
    admin.post(f"/settings/team/members/{owner_membership.pk}/remove/")
    transfer = admin.post(f"/settings/team/members/{owner_membership.pk}/transfer/")

    owner_membership.refresh_from_db()
    assert owner_membership.role == "owner"
    assert transfer.status_code == 403


def test_the_owner_transfers_ownership_and_one_owner_remains(owner_client, tenant_a, make_member):
    admin = make_member(tenant_a, "admin")
    target = Membership.objects.get(user=admin, tenant=tenant_a)

    owner_client.post(f"/settings/team/members/{target.pk}/transfer/")

    roles = dict(Membership.objects.filter(tenant=tenant_a).values_list("user__email", "role"))
    assert roles[admin.email] == "owner"
    assert list(roles.values()).count("owner") == 1
    assert roles["owner-acme@example.com"] == "admin"


def test_removing_a_member_revokes_access(owner_client, tenant_a, make_member, client_for):
    analyst = make_member(tenant_a, "analyst")
    membership = Membership.objects.get(user=analyst, tenant=tenant_a)

    owner_client.post(f"/settings/team/members/{membership.pk}/remove/")

    assert client_for(analyst, tenant_a).get("/").status_code == 404


def test_password_reset_by_email(make_member, tenant_a):
    user = make_member(tenant_a, "viewer")
    client = Client(HTTP_HOST="localhost")

    sent = client.post("/accounts/password-reset/", {"email": user.email})
    assert sent["Location"] == "/accounts/password-reset/sent/"
    link = re.search(r"http://localhost\S*/password-reset/\S+/\S+/", mail.outbox[-1].body).group(0)
    form = client.get(urlsplit(link).path, follow=True)
    assert "Choose a new password" in form.text
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-Passw0rd-2026", "new_password2": "a-new-Passw0rd-2026"},
    )

    assert done["Location"] == "/accounts/password-reset/complete/"
    user.refresh_from_db()
    assert user.check_password("a-new-Passw0rd-2026")
