"""Web test helpers: a small cookie-keeping client for chalice.test.Client, and buying shortcuts."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.support import PASSWORD, random_email

FORM = "application/x-www-form-urlencoded"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@dataclass
class Page:
    status: int
    headers: dict
    body: bytes
    set_cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def hidden(self, name: str) -> str:
        """The value of the first hidden input called `name` (HTML-unescaped)."""
        for found, value in _HIDDEN.findall(self.text):
            if found == name:
                return html.unescape(value)
        raise AssertionError(f"no hidden input {name!r} on the page")

    def cookie(self, name: str) -> str | None:
        """The Set-Cookie line for `name`, if this response set it."""
        return next((c for c in self.set_cookies if c.startswith(name + "=")), None)

    def __repr__(self) -> str:
        return f"<Page {self.status} {self.location or self.text[:300]!r}>"


class WebClient:
    """A browser in miniature: keeps cookies, sends forms url-encoded, never follows redirects by itself."""

    def __init__(self, client, accept_language: str = "en") -> None:
        self.client = client
        self.jar: dict[str, str] = {}
        self.accept_language = accept_language
        self.last: Page | None = None

    def request(self, method: str, path: str, data: dict | list | None = None, headers: dict | None = None) -> Page:
        hdrs = {"Accept-Language": self.accept_language}
        if self.jar:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = b""
        if data is not None:
            hdrs["Content-Type"] = FORM
            body = urlencode(data).encode()
        hdrs.update(headers or {})
        response = self.client.http.request(method, path, headers=hdrs, body=body)
        headers_lower = {}
        set_cookies: list[str] = []
        for name, value in response.headers.items():
            if name.lower() == "set-cookie":
                set_cookies.extend(value if isinstance(value, list) else [value])
            else:
                headers_lower[name.lower()] = value
        for line in set_cookies:
            jar = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value
        page = Page(response.status_code, headers_lower, response.body, set_cookies)
        self.last = page
        return page

    def get(self, path: str, **kw) -> Page:
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict | None = None, **kw) -> Page:
        return self.request("POST", path, data=data or {}, **kw)

    def submit(self, page_path: str, action: str, data: dict) -> Page:
        """GETs the page that holds the form (for its CSRF token), then posts the form to `action`."""
        page = self.get(page_path)
        assert page.status in (200, 400), page
        return self.post(action, {"csrf": page.hidden("csrf"), **data})

    def sign_in(self, email: str, password: str) -> Page:
        reply = self.submit("/signin", "/signin", {"email": email, "password": password, "next": "/"})
        assert reply.status == 303, reply
        return reply


ADDRESS = {
    "name": "Aygul Tursun",
    "phone": "+86 998 123 4567",
    "line1": "12 Id Kah Square",
    "line2": "",
    "city": "Kashgar",
    "region": "Xinjiang",
    "postal_code": "844000",
    "country": "CN",
    "payment_method": "cash_on_delivery",
}


def buyer_session(web, factory) -> str:
    """Registers a buyer through the API and signs in through the web form; returns the email."""
    email = f"web-{random_email()}"
    assert factory.api.post("/v1/auth/register", {"email": email, "password": PASSWORD, "role": "buyer"}).status == 201
    web.sign_in(email, PASSWORD)
    return email


def add_to_cart(web, product: dict, quantity: int):
    path = f"/s/{product['storefront']}/p/{product['product_id']}"
    return web.submit(
        path,
        "/cart/add",
        {
            "product_id": product["product_id"],
            "storefront": product["storefront"],
            "quantity": str(quantity),
            "next": path,
        },
    )


def place_order(web, **overrides) -> list[str]:
    page = web.get("/checkout")
    assert page.status == 200, page
    form = {**ADDRESS, **overrides, "csrf": page.hidden("csrf"), "idempotency_key": page.hidden("idempotency_key")}
    reply = web.post("/checkout", form)
    assert reply.status == 303, reply
    return parse_qs(urlsplit(reply.location).query)["orders"][0].split(",")


def text_of(page) -> str:
    """The page's visible text, roughly (tags dropped, entities left as they are)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
