"""A merchant in a real Chromium: signs in, opens every analytics page, changes the range and the
comparison, sees the charts redraw, downloads a CSV, and no script error shows up."""

import datetime as dt
import os
import random
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from accounts.services import membership_create
from analytics.services import rollups_refresh
from tests.analytics.factories import order_create, product_create, refund_create, store_create
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.conftest import PASSWORD, ensure_tenant

pytestmark = pytest.mark.browser


def _recent_orders(tenant) -> None:
    """Orders over the last 100 days, so the default ranges have something to show."""
    connection.set_tenant(tenant)
    rng = random.Random(11)
    store = store_create(domain="browser.myshopify.com")
    variants = [product_create(store, title=f"Linen shirt {n}")[1] for n in range(1, 7)]
    now = dt.datetime.now(dt.UTC)
    for n in range(160):
        at = now - dt.timedelta(hours=rng.randint(1, 24 * 100))
        order, items = order_create(
            store,
            processed_at=at,
            lines=[(rng.choice(variants), rng.randint(1, 3), "39.90", "0.00")],
            customer_id=rng.randint(1, 60),
            shipping="4.99",
            tax="3.20",
            financial_status=rng.choice(("paid", "refunded")),
            fulfillment_status=rng.choice(("fulfilled", "unfulfilled")),
        )
        if n % 9 == 0:
            refund_create(store, order=order, created_at=at, lines=[(items[0], 1, "39.90", "0")])
    rollups_refresh(store_id=store.pk)
    connection.set_schema_to_public()


@pytest.fixture
def signed_in_page(live_server, settings, transactional_db):
    require_chromium()
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright's loop, our ORM
    from playwright.sync_api import sync_playwright

    port = live_server.url.rsplit(":", 1)[1]
    settings.PUBLIC_PORT = port
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.CSRF_TRUSTED_ORIGINS = [f"http://localhost:{port}", f"http://acme.localhost:{port}"]
    tenant = ensure_tenant("acme")
    user = User.objects.create_user(email="merchant@example.com", password=PASSWORD)
    membership_create(user=user, tenant=tenant, role="analyst")
    _recent_orders(tenant)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1360, "height": 900}
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        # Failed loads are checked by URL below (the layout has no favicon yet: not ours).
        page.on(
            "console",
            lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None,
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None,
        )
        page.goto(f"http://localhost:{port}/accounts/sign-in/")
        page.fill("#id_email", user.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"http://acme.localhost:{port}/**")
        yield page, f"http://acme.localhost:{port}", errors
        browser.close()


def _chart_ids(page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('canvas[data-chart-source]')]
             .map(c => [c.dataset.chartSource, window.Chart.getChart(c)?.id ?? null]))"""
    )


def _wait_for_charts(page) -> dict:
    page.wait_for_function(
        """() => [...document.querySelectorAll('canvas[data-chart-source]')]
             .every(c => window.Chart && window.Chart.getChart(c))"""
    )
    return _chart_ids(page)


def test_a_merchant_uses_every_page(signed_in_page):
    page, origin, errors = signed_in_page

    page.goto(f"{origin}/")
    before = _wait_for_charts(page)
    assert "chart-sales" in before
    assert page.locator(".kpi").first.is_visible()
    page.screenshot(path=ARTIFACTS / "analytics-overview.png", full_page=True)

    page.select_option("#f-range", "90d")
    page.wait_for_url("**range=90d**")
    after = _wait_for_charts(page)
    assert all(after[key] != before[key] for key in before), "charts were not redrawn"
    page.select_option("#f-comparison", "previous_year")
    page.wait_for_url("**comparison=previous_year**")
    _wait_for_charts(page)
    assert page.locator("#f-range").input_value() == "90d"  # the swap kept the filter state
    page.screenshot(path=ARTIFACTS / "analytics-overview-90d.png", full_page=True)

    with page.expect_download() as download:
        page.locator("a.csv").first.click()
    csv_text = Path(download.value.path()).read_text()
    assert csv_text.startswith("metric,value,comparison")
    assert "total_sales" in csv_text

    for section in ("customers", "orders", "products"):
        page.goto(f"{origin}/{section}/?range=90d")
        _wait_for_charts(page)
        page.select_option("#f-granularity", "week")
        page.wait_for_url("**granularity=week**")
        _wait_for_charts(page)
        page.screenshot(path=ARTIFACTS / f"analytics-{section}.png", full_page=True)

    page.go_back()  # a bookmarked / pushed state reloads as it was
    page.wait_for_url("**/products/?range=90d")

    assert errors == []
