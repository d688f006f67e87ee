"""Isolation for the rural service network: a county centre is its staff's, a village centre its partner's.

The routes come from the app's registry by scope (tests/api/isolation.py): every COUNTY route and every
VILLAGE route. Two complete worlds (county A with village A, county B with village B), each with parcels and
returns at every stage the routes act on, are attacked route by route: the staff of county B against county A,
the partner of village B against village A (also naming their own centre with A's manifests and parcels),
the wrong roles (partners on county routes, county staff on village routes, sellers, buyers, operators),
nobody, and a forged token. For every refused call everything stored (tests.support.Storage), the queue and
the rightful owners' own views are compared before and after: refusing is not enough, nothing may change. A
control test runs every route as its rightful caller on a fresh world, so the refusals mean something.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.api.routing import Scope
from tests.api.isolation import HEADER_VALUES, Case, cases, control_order
from tests.api.network import helpers as h
from tests.support import Storage, assert_api_error, relay_outbox

VILLAGER_CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}
COUNTY_CASES = cases(Scope.COUNTY)
VILLAGE_CASES = cases(Scope.VILLAGE)
ALL_CASES = COUNTY_CASES + VILLAGE_CASES
# Routes naming something of the centre after its id (a manifest, a return, a parcel in the body).
COUNTY_CHILD_CASES = [
    c
    for c in COUNTY_CASES
    if c.has("manifest_id", "return_id", "remittance_id") or c.spec.operation_id in ("scanParcel", "buildManifest")
]
VILLAGE_CHILD_CASES = [
    c
    for c in VILLAGE_CASES
    if c.has("manifest_id", "villager_id", "producer_id")
    or c.spec.operation_id in ("handOver", "openVillageReturn", "quoteAssistedOrder", "placeAssistedOrder")
]


@dataclass
class Centre:
    """A county with one village, and parcels and returns at every stage its routes act on."""

    api: object
    stack: object
    county: h.County
    shop: h.Shop
    buyer: str
    parcels: dict = field(default_factory=dict)  # name -> order (buyer view) or return
    manifests: dict = field(default_factory=dict)  # name -> manifest id
    villager_id: str = ""  # a villager the village's partner serves (issue 11)
    producer_id: str = ""  # a producer the village's partner sells for (issue 11)
    remittance_id: str = ""  # cash the partner sent to the county, pending (issue 11)

    @property
    def village(self) -> h.Village:
        return self.county.villages[0]

    def value(self, name: str, case: Case) -> str:
        op = case.spec.operation_id
        if name == "county_id":
            return self.county.county_id
        if name == "village_id":
            return self.village.village_id
        if name == "return_id":
            return self.parcels["return_at_county"]["return_id"]
        if name == "villager_id":
            return self.villager_id
        if name == "producer_id":
            return self.producer_id
        if name == "remittance_id":
            return self.remittance_id
        if name == "manifest_id":
            return self.manifests[
                {
                    "getCountyManifest": "inbound_ready",
                    "dispatchManifest": "inbound_ready",
                    "receiveReturnManifest": "outbound_sent",
                    "getVillageManifest": "inbound_sent",
                    "receiveManifest": "inbound_sent",
                    "dispatchReturnManifest": "outbound_ready",
                }[op]
            ]
        raise KeyError(name)

    def body(self, case: Case) -> dict | None:
        op = case.spec.operation_id
        p = self.parcels
        bodies = {
            "scanParcel": lambda: {"code": p["shipped"]["shipment"]["tracking_number"]},
            "buildManifest": lambda: {"village_id": self.village.village_id},
            "receiveReturnManifest": lambda: {"codes": [p["return_sent"]["return_id"]]},
            "forwardReturn": lambda: {"carrier": "China Post", "tracking_number": "CP987654321CN"},
            "receiveManifest": lambda: {"codes": [p["to_village"]["order_id"]]},
            "handOver": lambda: {
                "order_id": p["ready"]["order_id"],
                "pickup_code": p["ready"]["pickup"]["pickup_code"],
            },
            "openVillageReturn": lambda: {
                "order_id": p["delivered"]["order_id"],
                "lines": [{"line_id": p["delivered"]["lines"][0]["line_id"], "quantity": 1}],
            },
            "addVillager": lambda: {"name": "Intruded Villager", "consent": VILLAGER_CONSENT},
            "quoteAssistedOrder": lambda: {"villager_id": self.villager_id, "lines": self.assisted_lines()},
            "placeAssistedOrder": lambda: {
                "villager_id": self.villager_id,
                "lines": self.assisted_lines(),
                "payment": "cash_on_pickup",
            },
            "updateVillager": lambda: {"name": "Renamed Villager", "phone": None},
            "addProducer": lambda: {
                "name": "Intruded Producer",
                "consent": VILLAGER_CONSENT,
                "payout": {"method": "cash_via_partner"},
            },
            "openProducerShop": lambda: {
                "name": f"Producer shop {self.village.village_id}",
                "storefront": "handicrafts",
                "description": "Embroidered caps",
            },
            "remitCash": lambda: {"amount": 100},
            "confirmRemittance": lambda: {"amount_received": 90},
        }
        return bodies[op]() if op in bodies else None

    def assisted_lines(self) -> list[dict]:
        return [{"product_id": self.shop.product["product_id"], "quantity": 1}]

    def call(self, case: Case, token: str | None, *, path_from: Centre | None = None, body_from: Centre | None = None):
        """`case` with this centre's ids, or the path of `path_from` (another centre) and its ids in the body."""
        where = path_from or self
        values = {name: where.value(name, case) for name in case.params}
        for name in case.params:
            if name not in ("county_id", "village_id") and path_from is not None and body_from is None:
                values[name] = self.value(name, case)  # own centre in the path, this centre's child after it
        path = case.spec.path.format(**values) + case.query
        headers = {hd.name: HEADER_VALUES[hd.name] for hd in case.spec.headers if hd.required}
        return self.api.request(
            case.spec.method, path, json_body=(body_from or self).body(case), token=token, headers=headers or None
        )

    def views(self) -> dict:
        """What the county's staff and the village's partner see of everything here."""
        c, v = self.county, self.village
        paths = [
            (c.staff, f"/v1/county/{c.county_id}/parcels?status=at_county&limit=100"),
            (c.staff, f"/v1/county/{c.county_id}/returns?leg=at_county&limit=100"),
            (c.staff, f"/v1/county/{c.county_id}/manifests?direction=to_village&status=ready&limit=100"),
            (v.partner, f"/v1/villages/{v.village_id}/parcels?status=ready_for_pickup&limit=100"),
            (v.partner, f"/v1/villages/{v.village_id}/manifests?status=dispatched&limit=100"),
            (v.partner, f"/v1/villages/{v.village_id}/returns?limit=100"),
            (v.partner, f"/v1/villages/{v.village_id}/villagers?limit=100"),
            (v.partner, f"/v1/villages/{v.village_id}/villagers?q=amina&limit=100"),
            (v.partner, f"/v1/villages/{v.village_id}/producers?limit=100"),
            (v.partner, f"/v1/villages/{v.village_id}/remittances?limit=100"),
            (c.staff, f"/v1/county/{c.county_id}/remittances?status=pending&limit=100"),
        ]
        seen = {}
        for token, path in paths:
            reply = self.api.get(path, token=token)
            assert reply.status == 200, (path, reply)
            seen[path] = reply.json
        return seen


def make_centre(api, stack, factory) -> Centre:
    """Eleven parcels and four returns through the real routes, to the stages every route needs."""
    county = h.county(api, factory)
    centre = Centre(api, stack, county, h.shop(factory), factory.user("buyer"))
    v, p, m = county.villages[0], centre.parcels, centre.manifests

    def order(quantity: int = 2) -> dict:
        return h.ship(api, centre.shop, h.pickup_order(api, centre.buyer, centre.shop, v.village_id, quantity=quantity))

    def cycle(orders: list[dict]) -> str:
        for o in orders:
            assert h.scan(api, county, o["order_id"]).status == 200
        built = h.build(api, county, v.village_id)
        assert built.status == 201, built
        assert h.dispatch(api, county, built.json["manifest_id"]).status == 200
        return built.json["manifest_id"]

    def returned(o: dict) -> dict:
        reply = api.post(
            f"/v1/villages/{v.village_id}/returns",
            {"order_id": o["order_id"], "lines": [{"line_id": o["lines"][0]["line_id"], "quantity": 1}]},
            token=v.partner,
        )
        assert reply.status == 201, reply
        return reply.json

    def outbound() -> str:
        built = api.post(f"/v1/villages/{v.village_id}/manifests", token=v.partner)
        assert built.status == 201, built
        return built.json["manifest_id"]

    def send(manifest_id: str) -> None:
        sent = api.post(f"/v1/villages/{v.village_id}/manifests/{manifest_id}/dispatch", token=v.partner)
        assert sent.status == 200, sent

    first = [order() for _ in range(6)]
    m["inbound_received"] = cycle(first)
    assert h.receive(api, v, m["inbound_received"], [o["order_id"] for o in first]).status == 200
    ready = [h.buyer_order(api, centre.buyer, o["order_id"]) for o in first]
    for o in ready[:5]:
        reply = api.post(
            f"/v1/villages/{v.village_id}/handovers",
            {"order_id": o["order_id"], "pickup_code": o["pickup"]["pickup_code"]},
            token=v.partner,
        )
        assert reply.status == 200, reply
    p["ready"] = ready[5]
    p["delivered"] = h.buyer_order(api, centre.buyer, ready[0]["order_id"])

    p["return_at_county"] = returned(ready[1])
    m["outbound_received"] = outbound()
    send(m["outbound_received"])
    got = api.post(
        f"/v1/county/{county.county_id}/manifests/{m['outbound_received']}/receive",
        {"codes": [p["return_at_county"]["return_id"]]},
        token=county.staff,
    )
    assert got.status == 200, got
    p["return_sent"] = returned(ready[2])
    m["outbound_sent"] = outbound()
    send(m["outbound_sent"])
    p["return_ready"] = returned(ready[3])
    m["outbound_ready"] = outbound()
    p["return_waiting"] = returned(ready[4])

    p["to_village"] = order()
    m["inbound_sent"] = cycle([p["to_village"]])
    p["manifested"] = order()
    assert h.scan(api, county, p["manifested"]["order_id"]).status == 200
    built = h.build(api, county, v.village_id)
    assert built.status == 201, built
    m["inbound_ready"] = built.json["manifest_id"]
    p["waiting"] = order()
    assert h.scan(api, county, p["waiting"]["order_id"]).status == 200
    p["shipped"] = order()
    assert h.run_jobs(stack) == 0  # small manifests: every step ran in its request
    villager = api.post(
        f"/v1/villages/{v.village_id}/villagers",
        {"name": "Amina Rozi", "phone": "+86 998 555 0142", "consent": VILLAGER_CONSENT},
        token=v.partner,
    )
    assert villager.status == 201, villager
    centre.villager_id = villager.json["villager_id"]
    producer = api.post(
        f"/v1/villages/{v.village_id}/producers",
        {"name": "Gulnar Ismail", "consent": VILLAGER_CONSENT, "payout": {"method": "cash_via_partner"}},
        token=v.partner,
    )
    assert producer.status == 201, producer
    centre.producer_id = producer.json["producer_id"]
    # cash in the partner's drawer (as collected at handovers: tests/api/network/test_cash.py), one remittance
    from chalicelib.domain.ledger import Account, transfer

    stack.ledger.post(
        transfer(f"seed-cash:{v.village_id}", "assisted.handover", stack.clock(), source=Account.external("cash"),
                 destination=Account.village(v.village_id, "cash"), amount=100_000, currency="CNY")
    )  # fmt: skip
    sent = api.post(f"/v1/villages/{v.village_id}/remittances", {"amount": 5_000}, token=v.partner)
    assert sent.status == 201, sent
    centre.remittance_id = sent.json["remittance_id"]
    return centre


@pytest.fixture(scope="module")
def victim(api, stack, factory) -> Centre:
    return make_centre(api, stack, factory)


@pytest.fixture(scope="module")
def intruder(api, stack, factory) -> Centre:
    return make_centre(api, stack, factory)


@pytest.fixture(scope="module")
def storage(stack) -> Storage:
    return Storage(stack)


def queued(stack) -> int:
    """Order events and job steps waiting on the queue, once the outbox is relayed (as its stream does on AWS):
    both travel the outbox (issue 9), so an event or a job written by a refused request would show here."""
    relay_outbox(stack)
    sqs, url = stack.events._sqs, stack.events._url
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def assert_refused_and_unchanged(stack, storage, centres, statuses, call, *, writes: bool = True):
    """Refused with one of `statuses`, nothing of a parcel in the answer, and nothing changed: the owners'
    views, the queue and (for writes: a full scan is slow on moto) everything stored."""
    views = [c.views() for c in centres]
    events = queued(stack)  # relays the outbox first, so the snapshot is of the settled state
    before = storage.snapshot() if writes else None
    reply = call()
    assert reply.status in statuses, reply
    assert_api_error(reply, reply.status)
    assert h.PICKUP["phone"].encode() not in reply.body and h.PICKUP["name"].encode() not in reply.body
    if writes:
        assert storage.snapshot() == before, "stored state changed"
    assert queued(stack) == events, "an order event or a job was queued"
    assert [c.views() for c in centres] == views, "an owner sees a change"
    return reply


# --- another county's staff, another village's partner ---------------------------------------------------------


@pytest.mark.parametrize("case", COUNTY_CASES, ids=str)
def test_county_staff_cannot_use_another_county(stack, storage, victim, intruder, case):
    assert_refused_and_unchanged(
        stack, storage, [victim], {403, 404}, lambda: victim.call(case, intruder.county.staff),
        writes=case.writes,
    )  # fmt: skip


@pytest.mark.parametrize("case", COUNTY_CHILD_CASES, ids=str)
def test_county_staff_cannot_reach_another_countys_manifests_parcels_or_returns_through_their_own(
    stack, storage, victim, intruder, case
):
    """Their own county in the path, the victim's manifest, return or parcel after it (or in the body)."""
    assert_refused_and_unchanged(
        stack, storage, [victim], {404},
        lambda: victim.call(case, intruder.county.staff, path_from=intruder), writes=case.writes,
    )  # fmt: skip


@pytest.mark.parametrize("case", VILLAGE_CASES, ids=str)
def test_a_partner_cannot_use_another_village(stack, storage, victim, intruder, case):
    assert_refused_and_unchanged(
        stack, storage, [victim], {403, 404}, lambda: victim.call(case, intruder.village.partner),
        writes=case.writes,
    )  # fmt: skip


@pytest.mark.parametrize("case", VILLAGE_CHILD_CASES, ids=str)
def test_a_partner_cannot_reach_another_villages_manifests_or_parcels_through_their_own(
    stack, storage, victim, intruder, case
):
    assert_refused_and_unchanged(
        stack, storage, [victim], {404},
        lambda: victim.call(case, intruder.village.partner, path_from=intruder), writes=case.writes,
    )  # fmt: skip


def test_a_partner_of_another_village_of_the_same_county_is_refused_too(api, stack, factory, storage, victim):
    neighbour = h.village(api, factory, victim.county.county_id)
    for case in VILLAGE_CASES:
        assert_refused_and_unchanged(
            stack,
            storage,
            [victim],
            {403, 404},
            lambda case=case: victim.call(case, neighbour.partner),
            writes=case.writes,
        )


# --- the wrong roles, nobody ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", COUNTY_CASES, ids=str)
def test_the_countys_own_partners_cannot_call_county_routes(stack, storage, victim, case):
    assert_refused_and_unchanged(
        stack, storage, [victim], {403}, lambda: victim.call(case, victim.village.partner), writes=case.writes
    )


@pytest.mark.parametrize("case", VILLAGE_CASES, ids=str)
def test_the_villages_own_county_staff_cannot_call_village_routes(stack, storage, victim, case):
    assert_refused_and_unchanged(
        stack, storage, [victim], {403}, lambda: victim.call(case, victim.county.staff), writes=case.writes
    )


@pytest.mark.parametrize("role", ["seller", "buyer", "operator"])
@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_sellers_buyers_and_operators_cannot_call_county_or_village_routes(stack, factory, storage, victim, case, role):
    """The seller of the parcels and their buyer included."""
    token = {"seller": victim.shop.seller, "buyer": victim.buyer, "operator": factory.operator}[role]
    assert_refused_and_unchanged(stack, storage, [victim], {403}, lambda: victim.call(case, token), writes=case.writes)


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_an_anonymous_caller_is_401_everywhere(stack, storage, victim, case):
    assert_refused_and_unchanged(stack, storage, [victim], {401}, lambda: victim.call(case, None), writes=case.writes)


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_a_forged_token_is_401_everywhere(stack, storage, victim, case):
    header, payload, _ = victim.county.staff.split(".")
    forged = f"{header}.{payload}.forged"
    assert_refused_and_unchanged(stack, storage, [victim], {401}, lambda: victim.call(case, forged), writes=case.writes)


# --- control: the rightful callers get through ----------------------------------------------------------------------


def test_the_rightful_callers_get_through_on_every_route(api, stack, factory):
    fresh = make_centre(api, stack, factory)
    events = queued(stack)
    for case in control_order(ALL_CASES):
        token = fresh.county.staff if case.spec.scope is Scope.COUNTY else fresh.village.partner
        reply = fresh.call(case, token)
        assert reply.status in case.spec.responses, f"{case}: {reply}"
    assert queued(stack) > events  # the queue check above has teeth: scans, dispatches, handovers write events
