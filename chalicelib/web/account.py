"""Accounts in the browser: sign in, register (buyers), confirm the e-mail with its code, sign out, and the
language switch."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..api.routing import Budget
from ..bootstrap import container
from ..domain.errors import Conflict, Unauthenticated, ValidationFailed
from ..domain.identity import Role
from ..services import identity
from . import i18n, render
from .routing import Form, page
from .session import WebContext, safe_next

bp = Blueprint(__name__)


def _signin_form(ctx, status=200, errors=None, email="", next_path="/", notice=None) -> Response:
    return render.page(
        ctx,
        "signin.html",
        status=status,
        title=ctx.t("auth.signin_title"),
        errors=errors or {},
        email=email,
        next_path=next_path,
        notice=notice,
    )


@page(bp, "GET", "/signin", budget=Budget(0, "a form"))
def signin_page(ctx: WebContext) -> Response:
    next_path = safe_next(ctx.query.get("next"))
    notice = ctx.t("auth.signin_needed") if ctx.query.get("required") else None
    if ctx.query.get("confirmed"):
        notice = ctx.t("confirm.done")
    return _signin_form(ctx, next_path=next_path, notice=notice, email=ctx.query.get("email", "")[:254])


@page(bp, "POST", "/signin", budget=Budget(0, "Cognito only"))
def signin(ctx: WebContext, form: Form) -> Response:
    email, password = form.get("email").strip()[:254], form.get("password")[:128]
    next_path = safe_next(form.get("next"))
    errors = {}
    if not email:
        errors["email"] = ctx.t("form.required")
    if not password:
        errors["password"] = ctx.t("form.required")
    if errors:
        return _signin_form(ctx, 400, errors, email, next_path)
    try:
        tokens = identity.login(container().identity, email, password)
    except Unauthenticated as exc:
        if exc.code == "new_password_required":  # an account an operator made: its first sign-in
            return _new_password_form(ctx, email=email, next_path=next_path)
        if exc.code == "account_not_confirmed":
            return render.redirect(ctx, "/confirm", {"email": email, "next": next_path, "pending": "1"})
        return _signin_form(ctx, 400, {"form": ctx.t("err.credentials")}, email, next_path)
    return _signed_in(ctx, tokens, next_path)


def _signed_in(ctx: WebContext, tokens: dict, next_path: str) -> Response:
    """Partners and county staff land on their console unless they were going somewhere."""
    ctx.sign_in(tokens["access_token"], tokens["expires_in"])
    if next_path == "/":
        roles = identity.actor_from_token(container().tokens, tokens["access_token"]).roles
        if Role.PARTNER in roles:
            next_path = "/village"
        elif Role.COUNTY_STAFF in roles:
            next_path = "/county"
    return render.redirect(ctx, next_path)


def _new_password_form(ctx, status=200, errors=None, email="", next_path="/") -> Response:
    return render.page(
        ctx,
        "new_password.html",
        status=status,
        title=ctx.t("auth.new_password_title"),
        errors=errors or {},
        email=email,
        next_path=next_path,
    )


@page(bp, "POST", "/signin/new-password", budget=Budget(0, "Cognito only"))
def new_password(ctx: WebContext, form: Form) -> Response:
    """The first sign-in of a partner or county staff: their temporary password is replaced by their own."""
    email = form.get("email").strip()[:254]
    temporary, chosen = form.get("temporary_password")[:128], form.get("new_password")[:128]
    next_path = safe_next(form.get("next"))
    errors = {}
    for name, value in (("email", email), ("temporary_password", temporary), ("new_password", chosen)):
        if not value:
            errors[name] = ctx.t("form.required")
    if errors:
        return _new_password_form(ctx, 400, errors, email, next_path)
    try:
        tokens = identity.set_new_password(container().identity, email, temporary, chosen)
    except ValidationFailed:
        return _new_password_form(ctx, 400, {"new_password": ctx.t("auth.password_rules")}, email, next_path)
    except Unauthenticated:
        return _new_password_form(ctx, 400, {"form": ctx.t("err.temporary_password")}, email, next_path)
    except Conflict:  # already replaced: an ordinary sign-in
        return _signin_form(ctx, 400, {"form": ctx.t("err.password_already_set")}, email, next_path)
    return _signed_in(ctx, tokens, next_path)


def _register_form(ctx, status=200, errors=None, email="", next_path="/") -> Response:
    return render.page(
        ctx,
        "register.html",
        status=status,
        title=ctx.t("auth.register_title"),
        errors=errors or {},
        email=email,
        next_path=next_path,
    )


@page(bp, "GET", "/register", budget=Budget(0, "a form"))
def register_page(ctx: WebContext) -> Response:
    return _register_form(ctx, next_path=safe_next(ctx.query.get("next")))


@page(bp, "POST", "/register", budget=Budget(0, "Cognito only"))
def register(ctx: WebContext, form: Form) -> Response:
    email, password = form.get("email").strip()[:254], form.get("password")[:128]
    next_path = safe_next(form.get("next"))
    c = container()
    try:
        created = identity.register(c.identity, email, password, "buyer")
    except ValidationFailed as exc:
        fields = {d.get("field") for d in exc.details or []}
        errors = {}
        if "email" in fields:
            errors["email"] = ctx.t("err.email")
        if "password" in fields:
            errors["password"] = ctx.t("auth.password_rules")
        return _register_form(ctx, 400, errors or {"form": ctx.t("form.invalid")}, email, next_path)
    except Conflict:
        return _register_form(ctx, 400, {"email": ctx.t("err.email_taken")}, email, next_path)
    if not created["confirmed"]:  # dev and prod: Cognito e-mailed a code
        return render.redirect(ctx, "/confirm", {"email": created["email"], "next": next_path, "sent": "1"})
    tokens = identity.login(c.identity, email, password)
    ctx.sign_in(tokens["access_token"], tokens["expires_in"])
    return render.redirect(ctx, next_path)


def _confirm_form(ctx, status=200, errors=None, email="", next_path="/", notice=None) -> Response:
    return render.page(
        ctx,
        "confirm.html",
        status=status,
        title=ctx.t("confirm.title"),
        errors=errors or {},
        email=email,
        next_path=next_path,
        notice=notice,
    )


def _confirmed(ctx, email: str, next_path: str) -> Response:
    return render.redirect(ctx, "/signin", {"next": next_path, "email": email, "confirmed": "1"})


@page(bp, "GET", "/confirm", budget=Budget(0, "a form"))
def confirm_page(ctx: WebContext) -> Response:
    """Where registration (and a sign-in of an unconfirmed account) leads on dev and prod."""
    email = ctx.query.get("email", "")[:254]
    notice = None
    if ctx.query.get("sent"):
        notice = ctx.t("confirm.sent")
    elif ctx.query.get("pending"):
        notice = ctx.t("confirm.pending")
    return _confirm_form(ctx, email=email, next_path=safe_next(ctx.query.get("next")), notice=notice)


@page(bp, "POST", "/confirm", budget=Budget(0, "Cognito only"))
def confirm(ctx: WebContext, form: Form) -> Response:
    email, code = form.get("email").strip()[:254], form.get("code").strip()[:20]
    next_path = safe_next(form.get("next"))
    try:
        identity.confirm(container().identity, email, code)
    except ValidationFailed as exc:
        fields = {d.get("field") for d in exc.details or []}
        errors = {}
        if "email" in fields:
            errors["email"] = ctx.t("err.email")
        if "code" in fields:
            errors["code"] = ctx.t("confirm.code_expired" if exc.code == "code_expired" else "confirm.code_wrong")
        return _confirm_form(ctx, 400, errors or {"form": ctx.t("form.invalid")}, email, next_path)
    except Conflict:  # already confirmed
        pass
    return _confirmed(ctx, email, next_path)


@page(bp, "POST", "/confirm/resend", budget=Budget(0, "Cognito only"))
def resend_code(ctx: WebContext, form: Form) -> Response:
    email = form.get("email").strip()[:254]
    next_path = safe_next(form.get("next"))
    try:
        identity.resend_code(container().identity, email)
    except ValidationFailed:
        return _confirm_form(ctx, 400, {"email": ctx.t("err.email")}, email, next_path)
    except Conflict:  # already confirmed
        return _confirmed(ctx, email, next_path)
    return _confirm_form(ctx, email=email, next_path=next_path, notice=ctx.t("confirm.resent"))


@page(bp, "POST", "/signout", budget=Budget(0, "clears the cookie"))
def signout(ctx: WebContext, form: Form) -> Response:
    ctx.clear_session()
    return render.redirect(ctx, "/")


@page(bp, "POST", "/lang", budget=Budget(0, "sets the cookie"))
def choose_language(ctx: WebContext, form: Form) -> Response:
    lang = form.get("lang")
    if lang not in i18n.LANGUAGES:
        return render.error_page(ctx, 400)
    ctx.choose_language(lang)
    return render.redirect(ctx, safe_next(form.get("next")))
