"""Every answer from a web route is HTML: the HTTP middleware of the web pages (paths outside the JSON API).

Page handlers render their own error pages (web/routing.py). What reaches a web path without a handler's
say - text in the query or path that is not valid Unicode (400, api/text.py), Chalice's own 405 (a method
the page does not take), 415 (a POST that is not a form), an OPTIONS request, a body over the limit - is
answered with the friendly error page of that status, keeping headers such as `Allow`; a redirect or an
empty answer is labelled `text/html`, never Chalice's default `application/json`. Registered after
api/middleware.py (app.py), so it runs inside it: the house JSON errors stay the API's.
"""

from __future__ import annotations

from chalice import Blueprint

from ..api.http import MAX_BODY_BYTES, is_api_path
from ..api.text import is_valid_text

bp = Blueprint(__name__)

HTML = "text/html; charset=utf-8"
_KEPT_HEADERS = ("allow", "retry-after", "location")


def _content_type(headers: dict) -> str:
    return next((v for k, v in headers.items() if k.lower() == "content-type"), "")


@bp.middleware("http")
def html_answers(event, get_response):
    if is_api_path(event.path):
        return get_response(event)
    from .routing import error_page_for

    if len(event.raw_body or b"") > MAX_BODY_BYTES:
        return error_page_for(event, 413)
    params = [*(event.query_params or {}).values(), *(event.uri_params or {}).values()]
    if not all(is_valid_text(value) for value in params if isinstance(value, str)):
        return error_page_for(event, 400)  # api/text.py: a lone surrogate in the query or the path
    response = get_response(event)
    content_type = _content_type(response.headers)
    if response.status_code >= 400 and not content_type.startswith("text/html"):
        page = error_page_for(event, response.status_code)
        for name, value in response.headers.items():
            if name.lower() in _KEPT_HEADERS:
                page.headers[name] = value
        return page
    if not content_type or "json" in content_type:
        response.headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
        response.headers["Content-Type"] = HTML
    return response
