"""The dashboards in a real browser (issue 17): Playwright driving Debian's Chromium against the local stack with
its demo sales (`make run`'s data: weeks of orders, completions, refunds and payouts through the bank simulator).

The figures on the pages are checked against the JSON API, the charts must be drawn, and every page is saved
under test-artifacts/screenshots/ (20-29).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request

import pytest

from devtools.local_stack import LocalStackProcess
from devtools.seed import OPERATOR, SELLER
from devtools.seed import PASSWORD as DEMO_PASSWORD
from devtools.seed_money import DEMO_SHOP
from tests.web.test_browser import CHROMIUM_ARGS, SCREENSHOTS, TIMEOUT_MS, shot

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    stack = LocalStackProcess(log_path=tmp_path_factory.mktemp("dashboards") / "local_stack.log", sales=True)
    try:
        stack.start()
    except BaseException:
        stack.stop(grace=5)
        pytest.fail(f"the local stack did not start:\n{stack.log_text()[-4000:]}")
    try:
        yield stack
    finally:
        stack.stop(grace=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def api(stack, method: str, path: str, token: str | None = None, body: dict | None = None):
    request = urllib.request.Request(  # noqa: S310 - the local stack
        stack.url + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
        return json.loads(reply.read())


def token_of(stack, email: str) -> str:
    return api(stack, "POST", "/v1/auth/login", body={"email": email, "password": DEMO_PASSWORD})["access_token"]


def signed_in_page(browser, stack, email: str):
    context = browser.new_context(base_url=stack.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    return context, page


def figure(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').first.inner_text().strip()


def cny(amount: int) -> str:
    sign = "-" if amount < 0 else ""  # a refund after a payout can leave the shop owing
    return f"{sign}¥{abs(amount) // 100:,}.{abs(amount) % 100:02d}"


def test_the_seller_dashboard_shows_the_demo_sellers_money_and_sales_matching_the_api(browser, local_stack):
    token = token_of(local_stack, SELLER)
    shops = api(local_stack, "GET", "/v1/me/shops?limit=100", token)["items"]
    shop = next(s for s in shops if s["name"] == DEMO_SHOP)
    balance = api(local_stack, "GET", f"/v1/shops/{shop['shop_id']}/balance", token)
    payouts = api(local_stack, "GET", f"/v1/shops/{shop['shop_id']}/payouts", token)["items"]
    since = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=89)).isoformat()
    credits = api(local_stack, "GET", f"/v1/shops/{shop['shop_id']}/ledger?limit=100&from={since}", token)["items"]
    orders = api(local_stack, "GET", f"/v1/shops/{shop['shop_id']}/orders?limit=100", token)["items"]

    context, page = signed_in_page(browser, local_stack, SELLER)
    try:
        page.goto("/seller")
        assert page.locator("h1").inner_text() == "Seller dashboard"
        assert DEMO_SHOP in page.locator(".dash-head").inner_text()
        assert figure(page, "available") == cny(balance["available"]["amount"])
        assert figure(page, "pending") == cny(balance["pending"]["amount"])
        assert orders and figure(page, "orders-90") == str(sum(1 for o in orders if o["created_at"][:10] >= since))
        net = sum(
            e["amount"]["amount"]
            for e in credits
            if e["kind"] in ("order.completed", "order.refunded_after_completion")
        )
        assert figure(page, "net-90") == cny(net)
        to_ship = sum(
            1
            for o in orders
            if o["status"] == "paid" or (o["status"] == "pending_payment" and o["payment_method"] == "cash_on_delivery")
        )
        assert figure(page, "to-ship") == str(to_ship)

        chart = page.locator("svg.chart").first
        box = chart.bounding_box()
        assert box and box["width"] > 600 and box["height"] > 150, "the sales chart is not drawn"
        assert page.locator("svg.chart rect.bar-up").count() >= 10  # weeks of daily sales
        rows = page.locator("section[aria-labelledby=payouts-h] tbody tr")
        assert payouts and rows.count() == min(5, len(payouts))
        for row, payout in zip(rows.all(), payouts, strict=False):
            assert cny(payout["amount"]["amount"]) in row.inner_text()
        assert page.locator("section[aria-labelledby=top-h] tbody tr").count() >= 3
        shot(page, "20-seller-dashboard")

        page.get_by_role("button", name="中文").click()
        page.wait_for_url(re.compile(r"/seller"))
        assert page.locator("h1").inner_text() == "卖家看板"
        shot(page, "21-seller-dashboard-zh")
        page.get_by_role("button", name="Русский").click()
        page.wait_for_url(re.compile(r"/seller"))
        assert page.locator("h1").inner_text() == "Кабинет продавца"
        shot(page, "22-seller-dashboard-ru")
        page.get_by_role("button", name="English").click()
    finally:
        context.close()


def test_the_operator_dashboard_shows_figures_per_storefront_and_the_queues(browser, local_stack):
    token = token_of(local_stack, OPERATOR)
    pending = api(local_stack, "GET", "/v1/admin/shops?status=pending&limit=100", token)["items"]
    context, page = signed_in_page(browser, local_stack, OPERATOR)
    try:
        page.goto("/admin")
        assert page.locator("h1").inner_text() == "Operations"
        assert figure(page, "queue-shops") == str(len(pending))
        section = page.locator("section#dim-storefront, section[aria-labelledby=dim-storefront]").first
        assert section.locator("svg.chart").count() == 4  # GMV, orders, commission, refunds
        for svg in section.locator("svg.chart").all():
            box = svg.bounding_box()
            assert box and box["width"] > 250 and box["height"] > 100
        assert section.locator("polyline.series").count() == 4 * section.locator(".legend li").count()
        # the demo's weeks are all on the chart: the commission column adds up to the platform's ledger balance
        commissions = [
            int(re.sub(r"\D", "", row.locator("td").nth(2).inner_text())) for row in section.locator("tbody tr").all()
        ]
        assert sum(commissions) == int(re.sub(r"\D", "", figure(page, "commission-to-date")))
        # the demo's orders collected at village centres (issue 10) are counted under their county centre
        county = page.locator("section#dim-county, section[aria-labelledby=dim-county]").first
        assert "Shufu County Operations Centre" in county.inner_text()
        assert "No orders with a county in these weeks" not in page.locator("main").inner_text()
        shot(page, "23-operator-dashboard")
    finally:
        context.close()


def test_the_dashboards_fit_a_phone_screen(browser, local_stack):
    for email, path, name in ((SELLER, "/seller", "24-phone-seller"), (OPERATOR, "/admin", "25-phone-admin")):
        context = browser.new_context(
            base_url=local_stack.url, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            page = context.new_page()
            page.goto("/signin")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(re.compile(r"/$"))
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow}px"
            shot(page, name)
        finally:
            context.close()
