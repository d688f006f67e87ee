"""Origin counts are exact (issue 15): property tests over random sequences of products listed, delisted
(draft, archived), moved between origins, edited, and their shops suspended and approved again.

The counts are kept incrementally by the product writes themselves (the product's transaction moves it from
the count it was in to the one it belongs to), never recounted. Whatever the sequence, each county's count is
the number of listed specialties from it, as a simple model counts them, and the origin tree's prefecture and
province totals add up. Run through the services (the same calls as the API) on the in-memory fake, many
examples, and on the DynamoDB adapter on moto, a few (each provisions a fresh account).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chalicelib.domain.catalog import origin_key
from chalicelib.domain.errors import Conflict
from chalicelib.domain.identity import Actor, Role
from chalicelib.services import catalog, origins, shops
from tests.fakes import InMemoryCatalogRepository, InMemoryProvenanceRepository

SELLER = Actor("usr_seller", "seller@example.com", frozenset({Role.SELLER}))
OPERATOR = Actor("usr_operator", "operator@example.com", frozenset({Role.OPERATOR}))
ORIGINS = [
    {"province": "Xinjiang", "prefecture": "Hotan", "county": "Yutian"},
    {"province": "Xinjiang", "prefecture": "Hotan", "county": "Lop"},
    {"province": "Xinjiang", "prefecture": "Turpan", "county": "Shanshan"},
    {"province": "Gansu", "prefecture": "Jiuquan", "county": "Dunhuang"},
]
N_SHOPS = 2

operations = st.one_of(
    st.tuples(st.just("create"), st.integers(0, N_SHOPS - 1), st.integers(0, 3), st.sampled_from(["active", "draft"])),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(0, 3)),
    st.tuples(st.just("status"), st.integers(0, 50), st.sampled_from(["active", "draft"])),
    st.tuples(st.just("archive"), st.integers(0, 50)),
    st.tuples(st.just("retitle"), st.integers(0, 50)),
    st.tuples(st.just("suspend"), st.integers(0, N_SHOPS - 1)),
    st.tuples(st.just("approve"), st.integers(0, N_SHOPS - 1)),
)


@dataclass
class World:
    shop_ids: list[str] = field(default_factory=list)
    product_ids: list[str] = field(default_factory=list)
    clock: int = 0

    def now(self) -> str:
        self.clock += 1
        return f"2026-10-01T00:{self.clock // 60 % 60:02d}:{self.clock % 60:02d}.000Z"


def _attributes(where: int) -> dict:
    return {"origin": dict(ORIGINS[where]), "season_months": [9, 10, 11]}


def _model(repo) -> Counter:
    """What the counts must be: the listed specialties per origin, counted from scratch."""
    counts: Counter = Counter()
    for product_id in repo.product_ids_for_model:
        product = repo.get_product(product_id)
        if product is not None and product.is_listed:
            counts[origin_key(product.attributes["origin"])] += 1
    return counts


def run(repo, provenance, ops: list[tuple]) -> None:
    world = World()
    repo.product_ids_for_model = world.product_ids
    for n in range(N_SHOPS):
        shop = shops.open_shop(
            repo,
            SELLER,
            {"name": f"Orchard {n}", "storefront": "specialties", "region": dict(ORIGINS[n])},
            now=world.now(),
            shop_id=f"shp_{n}_{id(world)}",
        )
        shops.moderate(repo, OPERATOR, shop.shop_id, "approve", now=world.now())
        world.shop_ids.append(shop.shop_id)
    for op in ops:
        kind = op[0]
        try:
            if kind == "create":
                _, shop_n, where, status = op
                data = {
                    "title": f"Jujubes {len(world.product_ids)}",
                    "description": "",
                    "category": "dried-fruit",
                    "price_amount": 6800,
                    "currency": "CNY",
                    "stock": 10,
                    "status": status,
                    "attributes": _attributes(where),
                }
                product = catalog.add_product(
                    repo,
                    SELLER,
                    world.shop_ids[shop_n],
                    data,
                    now=world.now(),
                    product_id=f"prd_{len(world.product_ids)}_{id(world)}",
                )
                world.product_ids.append(product.product_id)
            elif kind in ("move", "status", "archive", "retitle") and world.product_ids:
                product = repo.get_product(world.product_ids[op[1] % len(world.product_ids)])
                if kind == "archive":
                    catalog.archive_product(
                        repo, SELLER, product.shop_id, product.product_id, if_match=None, now=world.now()
                    )
                    continue
                if kind == "move":
                    changes: dict = {"attributes": _attributes(op[2])}
                elif kind == "status":
                    changes = {"status": op[2]}
                else:
                    changes = {"title": product.title + " new"}
                catalog.edit_product(
                    repo, SELLER, product.shop_id, product.product_id, changes, if_match=None, now=world.now()
                )
            elif kind in ("suspend", "approve"):
                shops.moderate(repo, OPERATOR, world.shop_ids[op[1]], kind, now=world.now())
        except Conflict as exc:
            # the only refusals these sequences meet: editing an archived product, moderating a shop into the
            # state it is in already
            assert exc.code in ("product_archived", "illegal_shop_transition"), exc.code
        assert _stored_counts(provenance) == _model(repo), op
    tree = origins.origins(provenance, "specialties")
    for province in tree:
        assert province["count"] == sum(p["count"] for p in province["prefectures"])
        for prefecture in province["prefectures"]:
            assert prefecture["count"] == sum(c["count"] for c in prefecture["counties"])


def _stored_counts(provenance) -> Counter:
    return Counter({row["key"]: row["count"] for row in provenance.origin_counts("specialties") if row["count"]})


class _FakeRepo(InMemoryCatalogRepository):
    product_ids_for_model: list[str]


@settings(max_examples=200, deadline=None, database=None)
@given(ops=st.lists(operations, min_size=1, max_size=40))
def test_origin_counts_are_exact_on_the_fake(ops):
    repo = _FakeRepo()
    run(repo, InMemoryProvenanceRepository(repo), ops)


@settings(
    max_examples=6,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=16))
def test_origin_counts_are_exact_on_dynamodb(ops):
    from tests.support import moto_aws_stack

    with moto_aws_stack() as stack:  # a fresh account per example: the counts are this sequence's alone
        stack.catalog.product_ids_for_model = []
        run(stack.catalog, stack.provenance, ops)
