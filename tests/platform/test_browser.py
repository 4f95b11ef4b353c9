"""In a real Chromium: a founder signs up, connects a (simulated) Shopify store from the onboarding
wizard and watches its first sync, invites a teammate; the teammate accepts, signs in, sees the
store's data as a viewer and cannot open Settings. Screenshots go to test-artifacts/."""

import os
import re

import pytest
from django.core import mail

from tenants.models import Tenant
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def shopify(settings, transactional_db):
    """A simulated store with recent history, and a real worker to run its first sync."""
    from celery.contrib.testing.worker import start_worker

    from shopify_simulator.testing import run_simulator
    from xeno.celery import app

    shop = "boutique:orders=300,customers=100,products=20,plan=enterprise,history_days=90"
    with run_simulator([shop], seed=5) as simulator:
        settings.SHOPIFY_API_BASE_URL = simulator.base_url
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15):
            yield simulator


@pytest.fixture
def browser(live_server, settings, transactional_db):
    require_chromium()
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's loop, our ORM
    from playwright.sync_api import sync_playwright

    port = live_server.url.rsplit(":", 1)[1]
    settings.PUBLIC_PORT = port
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.CSRF_TRUSTED_ORIGINS = [f"http://localhost:{port}", f"http://*.localhost:{port}"]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium, port
        chromium.close()
    for tenant in Tenant.objects.filter(slug="browser-boutique"):
        tenant.delete(force_drop=True)


def _page(chromium, errors: list[str]):
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}")
        if (r.status >= 500 or r.status == 404) and not r.url.endswith("/favicon.ico")
        else None,
    )
    return page


def test_sign_up_connect_a_store_invite_and_a_viewer_teammate(browser, shopify):
    chromium, port = browser
    store = shopify.info("boutique")
    main, tenant_origin = f"http://localhost:{port}", f"http://browser-boutique.localhost:{port}"
    errors: list[str] = []
    founder = _page(chromium, errors)

    founder.goto(f"{main}/accounts/sign-up/")
    founder.fill("#id_company_name", "Browser Boutique")
    founder.wait_for_selector("#workspace-address strong")
    assert "browser-boutique.localhost" in founder.inner_text("#workspace-address")
    founder.fill("#id_full_name", "Fran Founder")
    founder.fill("#id_email", "fran@boutique.example")
    founder.fill("#id_password", "short")
    founder.click("button[type=submit]")
    founder.wait_for_selector(".errorlist")
    founder.screenshot(path=ARTIFACTS / "platform-sign-up-error.png", full_page=True)
    founder.fill("#id_password", PASSWORD)
    founder.click("button[type=submit]")

    founder.wait_for_url(f"{tenant_origin}/settings/welcome/")
    founder.screenshot(path=ARTIFACTS / "platform-welcome.png", full_page=True)

    founder.click("#wizard-connect-store")
    founder.wait_for_url(f"{tenant_origin}/sync/connect/")
    founder.fill("#id_shop_domain", "boutique")
    founder.fill("#id_client_id", store.client_id)
    founder.fill("#id_client_secret", store.client_secret)
    founder.screenshot(path=ARTIFACTS / "platform-connect-store.png", full_page=True)
    founder.click("text=Connect and start the first sync")
    founder.wait_for_url(f"{tenant_origin}/sync/")
    assert "is connected; its first sync is running" in founder.inner_text("main")
    # The store's panel polls itself until the first sync is done.
    founder.wait_for_selector(".badge.run-succeeded", timeout=60_000)
    founder.screenshot(path=ARTIFACTS / "platform-first-sync-done.png", full_page=True)
    assert store.client_secret not in founder.content()

    founder.goto(f"{tenant_origin}/settings/welcome/")

    founder.click("text=Invite teammates")
    founder.wait_for_url(f"{tenant_origin}/settings/team/")
    founder.fill("#id_invite_email", "tina@boutique.example")
    founder.select_option("#id_invite_role", "viewer")
    founder.click("text=Send invitation")
    founder.wait_for_selector("text=Pending invitations")
    founder.screenshot(path=ARTIFACTS / "platform-team.png", full_page=True)

    link = re.search(r"http://localhost:\d+/accounts/invitations/\S+/", mail.outbox[-1].body)
    teammate = _page(chromium, errors)
    teammate.goto(link.group(0))
    teammate.screenshot(path=ARTIFACTS / "platform-invitation.png", full_page=True)
    teammate.fill("#id_full_name", "Tina Teammate")
    teammate.fill("#id_password", PASSWORD)
    teammate.click("button[type=submit]")
    teammate.wait_for_url(f"{tenant_origin}/")

    # Signs out, then signs in again from the main host.
    teammate.click("text=Sign out")
    teammate.wait_for_url(f"{main}/")
    teammate.goto(f"{main}/accounts/sign-in/")
    teammate.fill("#id_email", "tina@boutique.example")
    teammate.fill("#id_password", PASSWORD)
    teammate.click("button[type=submit]")
    teammate.wait_for_url(f"{tenant_origin}/")
    sidebar = teammate.inner_text("nav.sidebar")
    assert "Viewer" in sidebar and "Overview" in sidebar
    assert "Settings" not in sidebar and "Team" not in sidebar
    assert "No orders in this range" not in teammate.inner_text("main")  # the store's data
    teammate.screenshot(path=ARTIFACTS / "platform-viewer-overview.png", full_page=True)

    response = teammate.goto(f"{tenant_origin}/settings/")
    assert response.status == 403
    assert "cannot manage stores and settings" in teammate.inner_text("main")
    teammate.screenshot(path=ARTIFACTS / "platform-viewer-settings-403.png", full_page=True)

    founder.goto(f"{tenant_origin}/settings/audit/")
    assert "member.joined" in founder.inner_text("main")
    founder.screenshot(path=ARTIFACTS / "platform-audit-log.png", full_page=True)
    founder.goto(f"{tenant_origin}/settings/")
    founder.screenshot(path=ARTIFACTS / "platform-settings.png", full_page=True)
    assert not errors, errors
