"""HTML responses: Jinja2 templates (autoescaped, loaded lazily), redirects and friendly error pages."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from chalice import Response

from . import formatting, i18n
from .session import WebContext

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

_env = None
_env_lock = threading.Lock()
_static_cache: dict[str, tuple[str, str]] = {}


def environment():
    """The Jinja2 environment, built on first use (importing jinja2 is left out of the cold start)."""
    global _env
    if _env is None:
        with _env_lock:
            if _env is None:
                import jinja2

                _env = jinja2.Environment(
                    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                    autoescape=True,
                    undefined=jinja2.StrictUndefined,
                    trim_blocks=True,
                    lstrip_blocks=True,
                    auto_reload=False,  # templates ship with the code; no stat() per render
                )
    return _env


def static_file(name: str) -> tuple[str, str]:
    """(text, short content hash) of a file under static/, read once per warm Lambda."""
    if name not in _static_cache:
        text = (STATIC / name).read_text(encoding="utf-8")
        _static_cache[name] = (text, hashlib.sha256(text.encode()).hexdigest()[:10])
    return _static_cache[name]


def security_headers(ctx: WebContext) -> dict[str, str]:
    img = "img-src 'self' data: https:" + (" http:" if ctx.settings.is_local else "")
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'self'; {img}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
    }


def _headers(ctx: WebContext, extra: dict | None = None) -> dict:
    headers: dict = {
        **security_headers(ctx),
        "Cache-Control": "no-store",
        "Vary": "Cookie, Accept-Language",
        **(extra or {}),
    }
    cookies = ctx.response_cookies()
    if cookies:
        headers["Set-Cookie"] = cookies  # a list: Chalice sends one header per cookie
    return headers


def page(
    ctx: WebContext, template: str, status: int = 200, *, form_origins: tuple[str, ...] = (), **values
) -> Response:
    """`form_origins`: other origins this page's forms may post to (a presigned S3 upload, issue 13)."""
    lang = ctx.lang

    def money(price: dict | None = None, amount: int | None = None, currency: str | None = None) -> str:
        if price is not None:
            amount, currency = price["amount"], price["currency"]
        return formatting.format_money(amount, currency, lang)

    values.setdefault("title", "")
    html = (
        environment()
        .get_template(template)
        .render(
            ctx=ctx,
            lang=lang,
            html_lang=i18n.HTML_LANG[lang],
            text_direction=i18n.DIRECTION[lang],
            languages=i18n.LANGUAGE_NAMES,
            t=ctx.t,
            has_message=i18n.has,
            money=money,
            number=lambda value: formatting.format_number(value, lang),
            when=lambda value: formatting.format_datetime(value, lang),
            day=lambda value: formatting.format_date(value, lang),
            month=lambda value: formatting.month_name(value, lang),
            u=ctx.url,
            iso=formatting.isolate if i18n.DIRECTION[lang] == "rtl" else str,
            css_version=static_file("site.css")[1],
            **values,
        )
    )
    headers = _headers(ctx, {"Content-Type": "text/html; charset=utf-8", "Content-Language": i18n.HTML_LANG[lang]})
    if form_origins:
        targets = " ".join(form_origins)
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "form-action 'self'", f"form-action 'self' {targets}"
        )
    return Response(body=html, status_code=status, headers=headers)


def redirect(ctx: WebContext, path: str, params: dict | None = None) -> Response:
    """303 See Other: after a POST the browser GETs the result page (no re-post on reload)."""
    headers = _headers(ctx, {"Location": ctx.url(path, params), "Content-Type": "text/html; charset=utf-8"})
    return Response(body="", status_code=303, headers=headers)


def error_page(ctx: WebContext, status: int, message_key: str | None = None, detail: str | None = None) -> Response:
    title_key = f"error.title.{status}"
    if not i18n.has(title_key):
        title_key = "error.title.500" if status >= 500 else "error.title.400"
    if message_key is None or not i18n.has(message_key):
        message_key = {404: "error.body.404", 503: "error.body.503"}.get(status, "error.body.generic")
    headers = {"Retry-After": "1"} if status == 503 else None
    response = page(ctx, "error.html", status=status, title=ctx.t(title_key), message=ctx.t(message_key), detail=detail)
    if headers:
        response.headers.update(headers)
    return response
