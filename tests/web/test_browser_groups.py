"""Buy together in a real browser (issue 19): the demo buyer starts a group on a b2b product and shares its link;
a newcomer opens the shared link, registers from it (the referral code rides along), joins the group and sees
the progress bar move; the page carries Open Graph tags and share links, no third-party script. Screenshots
under test-artifacts/screenshots/ (group-*.png)."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
import uuid
from urllib.parse import urlparse

import pytest

from devtools.local_stack import LocalStackProcess
from devtools.seed import BUYER
from devtools.seed import PASSWORD as DEMO_PASSWORD
from tests.web.test_browser import AUDIT, CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, TIMEOUT_MS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    stack = LocalStackProcess(log_path=tmp_path_factory.mktemp("groups") / "local_stack.log")
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


def shot(page, name: str) -> None:
    assert page.evaluate(AUDIT) == [], f"accessibility problems on {page.url}"
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_newcomer_joins_a_group_from_its_shared_link(browser, local_stack):
    token = api(local_stack, "POST", "/v1/auth/login", body={"email": BUYER, "password": DEMO_PASSWORD})["access_token"]
    products = api(local_stack, "GET", "/v1/storefronts/b2b/products?limit=20")["items"]
    product = products[0]
    deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).isoformat(timespec="seconds").replace("+00:00", "Z")
    group = api(
        local_stack, "POST", "/v1/group-buys", token, {"product_id": product["product_id"], "deadline": deadline}
    )
    shared = api(local_stack, "GET", f"/v1/group-buys/{group['group_id']}", token)["share_url"]
    assert "?ref=" in shared
    link = urlparse(shared)

    context = browser.new_context(base_url=local_stack.url, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{link.path}?{link.query}")
    assert page.locator("h1").inner_text().startswith("Group buy:")
    assert page.locator('meta[property="og:title"]').get_attribute("content").startswith("Group buy:")
    assert page.locator('meta[property="product:price:currency"]').get_attribute("content") == "CNY"
    assert page.locator("script").count() == 0
    assert (
        page.get_by_role("link", name="Share on Telegram").get_attribute("href").startswith("https://t.me/share/url?")
    )
    assert page.locator("#group-progress").get_attribute("value") == "0"
    shot(page, "group-01-shared-link")

    page.get_by_role("link", name="New here? Register to join").click()
    page.wait_for_url(re.compile(r"/register\?"))
    page.get_by_label("Email").fill(f"newcomer-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Password").fill("Bazaar-demo-1")
    shot(page, "group-02-register")
    page.get_by_role("button", name=re.compile("Create|Register")).click()
    page.wait_for_url(re.compile(rf"/groups/{group['group_id']}"))

    step = group["product"]["order_multiple"]
    page.get_by_label(re.compile("^Quantity")).fill(str(step))
    page.get_by_label("Full name").fill("Newcomer Buyer")
    page.get_by_label("Phone").fill("+86 998 1234 5678")
    page.get_by_label("Address", exact=True).fill("3 Jiefang Road")
    page.get_by_label("City").fill("Kashgar")
    page.get_by_label("Province or region").fill("Xinjiang")
    page.get_by_label("Postal code").fill("844000")
    shot(page, "group-03-join-form")
    page.get_by_role("button", name="Join the group").click()
    page.wait_for_url(re.compile(r"done=joined"))
    assert "You joined the group." in page.locator("main").inner_text()
    assert page.locator("#group-progress").get_attribute("value") != "0"
    assert page.get_by_role("button", name="Withdraw").count() == 1
    shot(page, "group-04-joined")
    context.close()
    assert errors == []
