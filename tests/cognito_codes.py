"""Cognito's sign-up confirmation codes, on moto (which has none).

moto 5.2's SignUp mails no code, its ConfirmSignUp confirms whatever code it is given, and it does not implement
ResendConfirmationCode. Inside `confirmation_codes()`, moto behaves as Cognito does for these three calls, so
the confirmation flow can be tested through the API against moto:

- SignUp of an unconfirmed user "mails" a fresh six-digit code: it lands in the returned `Mailbox`, as the
  e-mail a person would read (`mailbox.code_for(email)`);
- ConfirmSignUp refuses a wrong code (CodeMismatchException) and an already confirmed user
  (NotAuthorizedException), and confirms with the right one, which it then forgets;
- ResendConfirmationCode mails a new code (the old one stops working), refuses a confirmed user
  (InvalidParameterException) and an unknown one (UserNotFoundException).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    sent: list[tuple[str, str]] = field(default_factory=list)  # (email, code), oldest first

    def code_for(self, email: str) -> str:
        return next(code for to, code in reversed(self.sent) if to == email)

    def count_for(self, email: str) -> int:
        return sum(1 for to, _ in self.sent if to == email)


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain[:1]}***"


@contextlib.contextmanager
def confirmation_codes() -> Iterator[Mailbox]:
    from moto.cognitoidp import responses
    from moto.cognitoidp.exceptions import (
        CodeMismatchException,
        InvalidParameterException,
        NotAuthorizedError,
        UserNotFoundError,
    )
    from moto.cognitoidp.models import UserStatus
    from moto.core.responses import ActionResult

    mailbox = Mailbox()
    handler = responses.CognitoIdpResponse
    sign_up, confirm_sign_up = handler.sign_up, handler.confirm_sign_up

    def _user(self, *, must_exist: bool = True):
        client_id, username = self._get_param("ClientId"), self._get_param("Username")
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool = next(p for p in backend.user_pools.values() if client_id in p.clients)
        user = pool._get_user(username)
        if user is None and must_exist:
            raise UserNotFoundError("Username/client id combination not found.")
        return user

    def _mail(user) -> None:
        user.confirmation_code = f"{secrets.randbelow(10**6):06d}"
        mailbox.sent.append((user.attribute_lookup.get("email", user.username), user.confirmation_code))

    def patched_sign_up(self):
        result = sign_up(self)
        user = _user(self)
        if user.status is UserStatus.UNCONFIRMED:
            _mail(user)
        return result

    def patched_confirm_sign_up(self):
        user = _user(self)
        if user.status is UserStatus.CONFIRMED:
            raise NotAuthorizedError("User cannot be confirmed. Current status is CONFIRMED")
        if not user.confirmation_code or self._get_param("ConfirmationCode") != user.confirmation_code:
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        user.confirmation_code = None
        return confirm_sign_up(self)

    def resend_confirmation_code(self):
        user = _user(self)
        if user.status is UserStatus.CONFIRMED:
            raise InvalidParameterException("User is already confirmed.")
        _mail(user)
        email = user.attribute_lookup.get("email", user.username)
        return ActionResult(
            {
                "CodeDeliveryDetails": {
                    "Destination": _masked(email),
                    "DeliveryMedium": "EMAIL",
                    "AttributeName": "email",
                }
            }
        )

    handler.sign_up = patched_sign_up  # type: ignore[method-assign]
    handler.confirm_sign_up = patched_confirm_sign_up  # type: ignore[method-assign]
    handler.resend_confirmation_code = resend_confirmation_code  # type: ignore[attr-defined]
    try:
        yield mailbox
    finally:
        handler.sign_up, handler.confirm_sign_up = sign_up, confirm_sign_up  # type: ignore[method-assign]
        del handler.resend_confirmation_code  # type: ignore[attr-defined]
