"""The staff admin: tenants with their stores and figures, in few queries; tenant actions."""

from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import AuditEvent
from shopify_sync.models import Store, SyncRun
from tenants.models import Tenant


@pytest.fixture
def staff_client(make_member):
    staff = make_member(None, None, email="staff-admin@xeno.test")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    return client


def test_the_tenant_list_shows_stores_sync_and_errors_in_few_queries(
    staff_client, tenant_a, tenant_b, django_assert_max_num_queries
):
    with schema_context(tenant_a.schema_name):
        store = Store.objects.create(shop_domain="admin-view.myshopify.com")
        SyncRun.objects.create(
            store=store, kind="full", status="succeeded", finished_at=timezone.now()
        )
        SyncRun.objects.create(
            store=store, kind="incremental", status="failed", error_message="Shop <unreachable>"
        )

    with django_assert_max_num_queries(14):
        page = staff_client.get("/admin/tenants/tenant/")

    assert page.status_code == 200
    assert "admin-view.myshopify.com (active)" in page.text
    assert "Shop &lt;unreachable&gt;" in page.text
    assert "Globex Outfitters" in page.text


def test_the_admin_is_for_staff_only(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, "owner"))

    assert client.get("/admin/tenants/tenant/")["Location"].startswith("/admin/login/")


def test_staff_pause_a_tenant(staff_client, tenant_a):
    staff_client.post(
        "/admin/tenants/tenant/", {"action": "pause", "_selected_action": [tenant_a.pk]}
    )

    assert Tenant.objects.get(pk=tenant_a.pk).is_paused
    assert AuditEvent.objects.filter(tenant_id=tenant_a.pk, action="tenant.paused").exists()


def test_staff_trigger_a_sync_and_retry_failed_runs(staff_client, tenant_a):
    with schema_context(tenant_a.schema_name):
        store = Store.objects.create(shop_domain="admin-sync.myshopify.com")
        SyncRun.objects.create(store=store, kind="full", resources=["orders"], status="failed")

    with mock.patch("shopify_sync.services.tenant_task_enqueue") as enqueue:
        staff_client.post(
            "/admin/tenants/tenant/",
            {"action": "retry_failed_runs", "_selected_action": [tenant_a.pk]},
        )
        staff_client.post(
            "/admin/tenants/tenant/",
            {"action": "trigger_sync", "_selected_action": [tenant_a.pk]},
        )

    with schema_context(tenant_a.schema_name):
        runs = list(
            SyncRun.objects.filter(store=store).order_by("pk").values_list("kind", "status")
        )
    # The retry queues the failed full sync again; the triggered incremental sync is not a
    # duplicate of it only for resources the retry does not cover.
    assert runs[:2] == [("full", "failed"), ("full", "queued")]
    assert enqueue.called
    assert AuditEvent.objects.filter(tenant_id=tenant_a.pk, action="sync.requested").exists()


def test_staff_cannot_delete_tenants_from_the_admin(staff_client, tenant_a):
    response = staff_client.get(f"/admin/tenants/tenant/{tenant_a.pk}/delete/")

    assert response.status_code in (302, 403)
    assert Tenant.objects.filter(pk=tenant_a.pk).exists()


def test_beat_schedules_are_in_the_admin(staff_client):
    page = staff_client.get("/admin/django_celery_beat/periodictask/")

    assert page.status_code == 200
    assert "tenants: nightly data retention" in page.text


def test_staff_see_memberships_and_shop_routing_but_change_them_only_through_the_services(
    staff_client, tenant_a, make_member
):
    from accounts.models import Membership

    owner = make_member(tenant_a, "owner")
    membership = Membership.objects.get(user=owner, tenant=tenant_a)

    assert staff_client.get("/admin/accounts/membership/").status_code == 200
    assert staff_client.get("/admin/accounts/membership/add/").status_code == 403
    page = staff_client.get(f"/admin/accounts/membership/{membership.pk}/change/")
    assert page.status_code == 200 and 'name="role"' not in page.text
    assert staff_client.get("/admin/tenants/connectedshop/add/").status_code == 403
    tenant_page = staff_client.get(f"/admin/tenants/tenant/{tenant_a.pk}/change/")
    assert 'name="slug"' not in tenant_page.text
