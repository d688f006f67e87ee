"""Runs the `chalice` CLI in a process that dies with its parent (devtools.local_stack starts it).

    python -m devtools.chalice_child PARENT_PID [chalice arguments...]

Linux PR_SET_PDEATHSIG makes the kernel send SIGTERM when the launcher dies, even by SIGKILL, so no
`chalice local` is left holding the port. Elsewhere it is simply `chalice`.

`chalice local` is made to answer what never reaches the app the way API Gateway does with the stage's gateway
responses (infra/gateway-responses.json): an unknown path, a request line or headers over the HTTP server's
limits, an unknown method all get the house error shape instead of `{"message": ...}` or a bare HTML page.
"""

from __future__ import annotations

import os
import signal
import sys


def die_with_parent(parent_pid: int) -> bool:
    """Asks the kernel for SIGTERM when the parent dies; False if the parent is already gone."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    return os.getppid() == parent_pid


def main() -> int:
    if not die_with_parent(int(sys.argv[1])):
        return 1
    sys.argv = ["chalice", *sys.argv[2:]]
    from chalice.cli import main as chalice_main
    from chalice.local import ChaliceRequestHandler

    # API Gateway routes every method to the app; chalice local's HTTP server answers unknown methods (TRACE,
    # QUERY, ...) with a bare HTML 501. Route them through Chalice too, so they get the app's JSON 405 as on AWS.
    def any_method(handler, name: str):
        if name.startswith("do_"):
            return handler._generic_handle
        raise AttributeError(name)

    ChaliceRequestHandler.__getattr__ = any_method
    gateway_answers_like_api_gateway()
    return chalice_main()


TOO_LARGE = (413, 414, 431)


def gateway_answers_like_api_gateway() -> None:
    """Unknown paths and the HTTP server's own errors answered as API Gateway answers them on the stage."""
    from http import HTTPStatus

    from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalGateway

    from devtools.template import gateway_response

    route = LocalGateway.handle_request

    def handle_request(self, method, path, headers, body):
        try:
            return route(self, method, path, headers, body)
        except ForbiddenError:  # chalice local's "no matching route" (API Gateway's MISSING_AUTHENTICATION_TOKEN)
            signed = any(name.lower() == "authorization" for name in headers)
            kind = "INVALID_SIGNATURE" if signed else "MISSING_AUTHENTICATION_TOKEN"
            status, answer_headers, text = gateway_response(kind, "Missing Authentication Token", 403)
            return {"statusCode": status, "headers": answer_headers, "multiValueHeaders": {}, "body": text}

    def send_error(self, code, message=None, explain=None):
        """http.server's own refusals (a request line or headers over its limits, a malformed request)."""
        kind = "REQUEST_TOO_LARGE" if code in TOO_LARGE else ""
        status, headers, text = gateway_response(kind, message or HTTPStatus(code).phrase, code)
        data = text.encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response(status, message)
        self.send_header("Connection", "close")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.close_connection = True
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(data)

    LocalGateway.handle_request = handle_request
    ChaliceRequestHandler.send_error = send_error


if __name__ == "__main__":
    raise SystemExit(main())
