"""Buy together (issue 19): group buys on b2b products."""

from __future__ import annotations

from chalice import Blueprint, Response

from ..bootstrap import container
from ..domain.identity import Role
from ..domain.referrals import referral_code
from ..services import group_buys
from .buying import IDEMPOTENCY_KEY
from .http import ok
from .presenters import commitment_public, group_buy_public
from .routing import ANYONE, OPTIONAL_TOKEN, Budget, Call, Scope, roles, route, text

bp = Blueprint(__name__)


def _ref(actor) -> str | None:
    """A signed-in buyer's share links carry their referral code."""
    return referral_code(actor.user_id) if actor is not None and actor.has(Role.BUYER) else None


def site_url(call: Call) -> str:
    return site_url_of(call.request.headers)


def site_url_of(headers) -> str:
    """Where the shared link points: the host the caller reached (the API and the web pages share it)."""
    host = (headers.get("host") or "localhost").strip()
    local = host.startswith(("127.0.0.1", "localhost"))
    scheme = headers.get("x-forwarded-proto") or ("http" if local else "https")
    return f"{scheme}://{host}"


@route(
    bp,
    "POST",
    "/v1/group-buys",
    "startGroupBuy",
    "Start a group buy on a b2b product: others commit below the MOQ until the total reaches the target",
    tag="group-buys",
    auth=roles(Role.BUYER),
    scope=Scope.ACCOUNT,
    body="GroupBuyIn",
    responses={201: "GroupBuyPublic"},
    errors=(404, 409),
    budget=Budget(2, "one BatchGetItem (the product) + one PutItem in a transaction (the group)"),
)
def start_group_buy(call: Call) -> dict:
    c = container()
    now = c.clock()
    group = group_buys.start(
        c.group_buys,
        c.buying,
        call.actor,
        call.body.product_id,
        call.body.target_quantity,
        call.body.deadline,
        now=now,
        new_id=c.new_id,
    )
    return group_buy_public(group, now=now, base_url=site_url(call), ref=_ref(call.actor), media_url=c.media.url)


@route(
    bp,
    "GET",
    "/v1/group-buys/{group_id}",
    "getGroupBuy",
    "A group buy: the product, the committed total, the tier it reaches, the unit price, time left, your commitment",
    tag="group-buys",
    auth=OPTIONAL_TOKEN,
    scope=Scope.PUBLIC,
    responses={200: "GroupBuyPublic"},
    budget=Budget(1, "one GetItem (anonymous) or one BatchGetItem (the group and the caller's commitment)"),
)
def get_group_buy(call: Call, group_id: str) -> dict:
    c = container()
    group, mine = group_buys.view(c.group_buys, call.caller, group_id)
    return group_buy_public(
        group, now=c.clock(), base_url=site_url(call), mine=mine, ref=_ref(call.caller), media_url=c.media.url
    )


@route(
    bp,
    "GET",
    "/v1/group-buys/{group_id}/commitments",
    "listMyCommitmentsInGroup",
    "Your own commitments in this group: a buyer's one, or a village partner's for each of their villagers",
    tag="group-buys",
    auth=roles(Role.BUYER, Role.PARTNER),
    scope=Scope.ACCOUNT,
    paged=True,
    responses={200: "CommitmentsPage"},
    budget=Budget(1, "one Query of the group's partition (the caller's commitments: a key prefix)"),
)
def my_commitments_in_group(call: Call, group_id: str) -> dict:
    page = group_buys.commitments_in_group(
        container().group_buys, call.actor, group_id, call.page.limit, call.page.start
    )
    return call.page.respond(page, commitment_public)


@route(
    bp,
    "GET",
    "/v1/products/{product_id}/group-buys",
    "listProductGroupBuys",
    "The open group buys of a product, soonest deadline first",
    tag="group-buys",
    auth=ANYONE,
    scope=Scope.PUBLIC,
    paged=True,
    responses={200: "GroupBuysPage"},
    budget=Budget(1, "one Query of the Trade table's gsi1 (the product's open groups)"),
)
def product_group_buys(call: Call, product_id: str) -> dict:
    c = container()
    now, base = c.clock(), site_url(call)
    page = group_buys.product_groups(c.group_buys, product_id, call.page.limit, call.page.start)
    return call.page.respond(page, lambda g: group_buy_public(g, now=now, base_url=base, media_url=c.media.url))


@route(
    bp,
    "POST",
    "/v1/group-buys/{group_id}/commitments",
    "commitToGroupBuy",
    "Join a group buy with a quantity (below the MOQ on purpose); the group closes when the total reaches its target",
    tag="group-buys",
    auth=roles(Role.BUYER, Role.PARTNER),
    scope=Scope.ACCOUNT,
    headers=(IDEMPOTENCY_KEY,),
    body="CommitmentIn",
    responses={201: "CommitResult", 200: "CommitResult"},
    errors=(403, 404, 409, 422),
    description=(
        "A buyer commits for themself with a `delivery` address. A village partner commits for one of their "
        "villagers with `villager_id` instead (payment `cash_on_pickup` or `paid_by_partner`): the village is the "
        "one the partner runs, the villager must be that village's (404 villager_not_found otherwise), and when "
        "the group closes the villager's order is an assisted order collected at the village's pickup point "
        "(placed by the partner, with the county's service fee). A buyer holds one commitment per group, a "
        "partner one per villager. Only partners pass `villager_id` (403 partner_only)."
    ),
    response_headers=(("Idempotent-Replayed", "true when this answer is a replay"),),
    budget=Budget(
        6,
        "One BatchGetItem (group, own commitment, idempotency claim) + one GetItem (the product's stock) + one "
        "TransactWriteItems (claim, commitment, the group's counters, the shop's and the stock's ConditionChecks): 3. "
        "Reaching the target closes the group: + one Query (the commitments) + one TransactWriteItems (group, "
        "shop check, stock, orders, their events in the outbox): 5. (A group the stock or a suspended shop cannot "
        "serve fails instead: one BatchGetItem says why, one TransactWriteItems fails it with its event.) A "
        "partner's commitment for a villager: one BatchGetItem (group, commitment, claim, membership, villager) + "
        "one BatchGetItem (village, stock) + the TransactWriteItems: 3; its closing adds one BatchGetItem (the "
        "counties' fee rules): 6.",
    ),
)
def commit_to_group_buy(call: Call, group_id: str) -> Response:
    c = container()
    result, replayed = group_buys.join(
        c.group_buys,
        c.buying,
        call.actor,
        group_id,
        call.request.headers["idempotency-key"].strip(),
        call.body.model_dump(exclude_none=True),
        now=c.clock(),
        present_commitment=commitment_public,
        bank_transfer_hours=c.settings.bank_transfer_hours,
    )
    return ok(
        {**result, "replayed": replayed},
        status=200 if replayed else 201,
        headers={"Idempotent-Replayed": str(replayed).lower()},
    )


@route(
    bp,
    "DELETE",
    "/v1/group-buys/{group_id}/commitments",
    "withdrawFromGroupBuy",
    "Withdraw your commitment before the group closes (a village partner: the one for `villager_id`)",
    tag="group-buys",
    auth=roles(Role.BUYER, Role.PARTNER),
    scope=Scope.ACCOUNT,
    query=(text("villager_id", 80, "a village partner: withdraw the commitment for this villager"),),
    responses={204: None},
    errors=(403, 404, 409),
    budget=Budget(2, "one BatchGetItem (group, own commitment) + one TransactWriteItems (delete, counters)"),
)
def withdraw_from_group_buy(call: Call, group_id: str) -> None:
    c = container()
    group_buys.withdraw(c.group_buys, call.actor, group_id, now=c.clock(), villager_id=call.params["villager_id"])


@route(
    bp,
    "GET",
    "/v1/me/group-buys",
    "listMyGroupCommitments",
    "Your commitments in group buys, newest first (each names its group and the order it becomes; a village "
    "partner's: those for their villagers)",
    tag="group-buys",
    auth=roles(Role.BUYER, Role.PARTNER),
    scope=Scope.ACCOUNT,
    paged=True,
    responses={200: "CommitmentsPage"},
    budget=Budget(1, "one Query of the Trade table's gsi2 (the user's commitments)"),
)
def my_group_commitments(call: Call) -> dict:
    page = group_buys.my_commitments(container().group_buys, call.actor, call.page.limit, call.page.start)
    return call.page.respond(page, commitment_public)
