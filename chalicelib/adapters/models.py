"""PynamoDB models. Table names and endpoints are bound at start-up by `bind_models` (never at import).

docs/data-model.md describes each table and access pattern; tests/integration/test_infra_agreement.py
checks these models against infra/data-stack.json.
"""

from __future__ import annotations

from functools import lru_cache

from pynamodb.attributes import BooleanAttribute, JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model


class _Unbound:
    table_name = None  # set by bind_models
    region = None
    host = None


class ShopOwnerIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "owner-index"
        projection = AllProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ShopStatusIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "status-index"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ShopStorefrontIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "storefront-status-index"
        projection = AllProjection()

    storefront_status = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ShopModel(Model):
    class Meta(_Unbound):
        pass

    shop_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    slug = UnicodeAttribute()
    storefront = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    region = JSONAttribute()
    status = UnicodeAttribute()
    storefront_status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_key = UnicodeAttribute()
    version = NumberAttribute(default=0)
    export_markets = ListAttribute(of=UnicodeAttribute, null=True)  # issue 12: foreign markets it sells to
    managed_by = UnicodeAttribute(null=True)  # issue 11: the partner managing a producer's shop

    owner_index = ShopOwnerIndex()
    status_index = ShopStatusIndex()
    storefront_index = ShopStorefrontIndex()


class ProductShopIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "shop-index"
        projection = AllProjection()

    shop_id = UnicodeAttribute(hash_key=True)
    shop_sort = UnicodeAttribute(range_key=True)


class ProductSeasonIndex(GlobalSecondaryIndex):
    """Sparse (issue 15): products with a harvest calendar, by the day their season next changes. Keys only,
    so sales (stock updates) never write to it; the season schedule reads the keys and then the products."""

    class Meta:
        index_name = "season-index"
        projection = KeysOnlyProjection()

    season_due = UnicodeAttribute(hash_key=True)
    season_next = UnicodeAttribute(range_key=True)


class ProductModel(Model):
    class Meta(_Unbound):
        pass

    product_id = UnicodeAttribute(hash_key=True)
    shop_id = UnicodeAttribute()
    shop_sort = UnicodeAttribute()  # "live#<created_at>#<id>" or "archived#..."
    storefront = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    category = UnicodeAttribute()
    price_amount = NumberAttribute()
    currency = UnicodeAttribute()
    stock = NumberAttribute()
    status = UnicodeAttribute()
    attributes = JSONAttribute()
    shop = JSONAttribute()
    media = JSONAttribute(default=list)
    listing_keys = ListAttribute(of=UnicodeAttribute, default=list)
    listing_digest = UnicodeAttribute(null=True)  # what the listing entries hold (Product.listing_content_digest)
    # Top-level copies for checkout's transaction conditions (JSON attributes cannot be conditioned on):
    listed = BooleanAttribute(null=True)  # active product of an active shop
    price_fp = UnicodeAttribute(null=True)  # Product.price_fingerprint
    rating_count = NumberAttribute(null=True)  # issue 13: visible reviews (ADDed by the review's transaction)
    rating_total = NumberAttribute(null=True)  # their ratings' sum
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=0)
    # issue 15: a verified geographic indication (set by operators), the season flag its listings were written
    # with, the origin count it is counted in; `season_due` = "due" + `season_next` key the season-index
    gi = JSONAttribute(null=True)
    in_season = BooleanAttribute(null=True)
    origin_key = UnicodeAttribute(null=True)
    season_due = UnicodeAttribute(null=True)
    season_next = UnicodeAttribute(null=True)
    # issue 12: shipping data for export ({"weight_g", "hs_code"}) and the seller's translations by language
    shipping = JSONAttribute(null=True)
    translations = JSONAttribute(null=True)

    shop_index = ProductShopIndex()
    season_index = ProductSeasonIndex()


class ListingPriceIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "price-index"
        projection = AllProjection()

    facet = UnicodeAttribute(hash_key=True)
    price_key = UnicodeAttribute(range_key=True)


class ListingModel(Model):
    """One storefront entry per (product, facet): every page is one Query of one facet partition."""

    class Meta(_Unbound):
        pass

    facet = UnicodeAttribute(hash_key=True)
    newest_key = UnicodeAttribute(range_key=True)  # "<created_at>#<product_id>"
    # "<amount, 15 digits>#<product_id>"; absent on a maker's profile entry (issue 15), which is not priced
    price_key = UnicodeAttribute(null=True)
    product_id = UnicodeAttribute()
    words = ListAttribute(of=UnicodeAttribute, default=list)
    card = JSONAttribute()

    price_index = ListingPriceIndex()


class UniqueModel(Model):
    """Claims on unique values (a shop slug within a storefront), written in the same transaction."""

    class Meta(_Unbound):
        pass

    key = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()
    created_at = UnicodeAttribute()
    digest = UnicodeAttribute(null=True)  # idempotency: hash of the request that claimed the key
    result = JSONAttribute(null=True)  # idempotency: what that request answered
    expires_at = NumberAttribute(null=True)  # TTL (epoch seconds) of claims that lapse; reads ignore lapsed ones


class MediaModel(Model):
    """Uploads announced but not yet verified; verified media live on the product."""

    class Meta(_Unbound):
        pass

    media_id = UnicodeAttribute(hash_key=True)
    shop_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    key = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    created_at = UnicodeAttribute()


class CartModel(Model):
    """A buyer's cart: one item, lines keyed by product id."""

    class Meta(_Unbound):
        pass

    buyer_id = UnicodeAttribute(hash_key=True)
    lines = JSONAttribute(default=dict)  # {product_id: {"quantity": int, "added_at": str}}
    updated_at = UnicodeAttribute()
    version = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)  # TTL: 90 days after the last change; reads treat it as empty after


class OrderBuyerIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "buyer-index"
        projection = AllProjection()

    buyer_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OrderShopIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "shop-index"
        projection = AllProjection()

    shop_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OrderShopStatusIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "shop-status-index"
        projection = AllProjection()

    shop_status = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OrderDueIndex(GlobalSecondaryIndex):
    """Legacy (before issue 9): delivered orders by the time their return window closes, all under the one
    partition "due". No longer written; the completion job drains what is left (see schedule-index)."""

    class Meta:
        index_name = "due-index"
        projection = AllProjection()

    due_key = UnicodeAttribute(hash_key=True)
    window_closes = UnicodeAttribute(range_key=True)


class OrderCountyStatusIndex(GlobalSecondaryIndex):
    """Sparse: orders collected at a village, by county and status, in the order they entered it (issue 10)."""

    class Meta:
        index_name = "county-status-index"
        projection = AllProjection()

    county_status = UnicodeAttribute(hash_key=True)
    status_key = UnicodeAttribute(range_key=True)


class OrderVillageStatusIndex(GlobalSecondaryIndex):
    """Sparse: orders collected at a village, by village and status; at the county, those on no manifest
    first (`village_sort` "open#..."), then those on one ("manifest#<id>#...")."""

    class Meta:
        index_name = "village-status-index"
        projection = AllProjection()

    village_status = UnicodeAttribute(hash_key=True)
    village_sort = UnicodeAttribute(range_key=True)


class OrderTrackingIndex(GlobalSecondaryIndex):
    """Sparse: shipped orders collected at a village, by "<county_id>#<TRACKING NUMBER>" (county scans)."""

    class Meta:
        index_name = "tracking-index"
        projection = AllProjection()

    tracking_key = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class OrderScheduleIndex(GlobalSecondaryIndex):
    """Sparse: orders some scheduled job must act on, by when. `schedule_key` = "<job>#<shard 00-15>" (jobs:
    "expire" for unpaid card/bank-transfer orders, "complete" for delivered, paid orders, "refund" for provider
    refunds to retry), so no job writes one hot partition; `due_at` = when the job is due."""

    class Meta:
        index_name = "schedule-index"
        projection = AllProjection()

    schedule_key = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class OrderModel(Model):
    class Meta(_Unbound):
        pass

    order_id = UnicodeAttribute(hash_key=True)
    buyer_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    shop_status = UnicodeAttribute()  # "<shop_id>#<status>"
    created_key = UnicodeAttribute()  # "<created_at>#<order_id>"
    due_key = UnicodeAttribute(null=True)  # legacy (due-index): "due" on delivered orders written before issue 9
    window_closes = UnicodeAttribute(null=True)
    schedule_key = UnicodeAttribute(null=True)  # "<job>#<shard>" while a scheduled job is due on the order
    due_at = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    body = JSONAttribute()  # the whole order (lines, delivery, timeline, refunds, ...)
    version = NumberAttribute(default=1)
    # pickup orders only (issue 10)
    county_status = UnicodeAttribute(null=True)  # "<county_id>#<status>"
    status_key = UnicodeAttribute(null=True)  # "<entered the status at>#<order_id>"
    village_status = UnicodeAttribute(null=True)  # "<village_id>#<status>"
    village_sort = UnicodeAttribute(null=True)
    tracking_key = UnicodeAttribute(null=True)  # "<county_id>#<TRACKING NUMBER>" once shipped

    buyer_index = OrderBuyerIndex()
    shop_index = OrderShopIndex()
    shop_status_index = OrderShopStatusIndex()
    due_index = OrderDueIndex()
    county_status_index = OrderCountyStatusIndex()
    village_status_index = OrderVillageStatusIndex()
    tracking_index = OrderTrackingIndex()
    schedule_index = OrderScheduleIndex()


class ReturnShopIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "shop-index"
        projection = AllProjection()

    shop_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ReturnLegIndex(GlobalSecondaryIndex):
    """Sparse: returns opened at a village, by "<village or county id>#<leg>"; waiting ones first
    (`leg_sort` "open#..."), then those on a manifest (issue 10)."""

    class Meta:
        index_name = "leg-index"
        projection = AllProjection()

    network_leg = UnicodeAttribute(hash_key=True)
    leg_sort = UnicodeAttribute(range_key=True)


class ReturnModel(Model):
    class Meta(_Unbound):
        pass

    return_id = UnicodeAttribute(hash_key=True)
    shop_id = UnicodeAttribute()
    created_key = UnicodeAttribute()
    status = UnicodeAttribute()
    body = JSONAttribute()
    version = NumberAttribute(default=1)
    network_leg = UnicodeAttribute(null=True)
    leg_sort = UnicodeAttribute(null=True)

    shop_index = ReturnShopIndex()
    leg_index = ReturnLegIndex()


class NotificationModel(Model):
    class Meta(_Unbound):
        pass

    user_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)  # "<created_at>#<event_id>": an event notifies once
    body = JSONAttribute()
    expires_at = NumberAttribute(null=True)  # TTL: 180 days; reads skip older ones


class OrderHistoryModel(Model):
    """Timeline entries of an order older than the newest ones the order item keeps (domain.orders.
    TIMELINE_ON_ORDER): moved here, one item per entry, in the same transaction that pushes them off the order."""

    class Meta(_Unbound):
        pass

    order_id = UnicodeAttribute(hash_key=True)
    seq = UnicodeAttribute(range_key=True)  # the entry's position in the order's whole history, 8 digits
    buyer_id = UnicodeAttribute()
    seller_id = UnicodeAttribute()
    entry = JSONAttribute()


class OutboxPendingIndex(GlobalSecondaryIndex):
    """Sparse: outbox items not yet published, by shard and age (the sweeper's read)."""

    class Meta:
        index_name = "pending-index"
        projection = AllProjection()

    pending_shard = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OutboxModel(Model):
    """The transactional outbox: each item is the events of one committed change, written in the change's own
    transaction. The table's stream relays new items to the queue (chalicelib/events/outbox.py); the sweeper
    republishes whatever is still pending. adapters/outbox.py reads and writes them as raw items."""

    class Meta(_Unbound):
        pass

    outbox_id = UnicodeAttribute(hash_key=True)
    events = JSONAttribute()  # a list of event objects
    created_at = UnicodeAttribute()
    pending_shard = UnicodeAttribute(null=True)  # "00"-"15" until published
    published_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL (epoch seconds), set once published

    pending_index = OutboxPendingIndex()


class LedgerModel(Model):
    """The double-entry ledger (docs/ledger.md): one table, items told apart by their keys.

    `posting#<posting_id>` / `posting`: the posting as applied (`body` JSON, `digest`): its idempotency claim.
    `acct#<account>#<currency>` / `balance`: a running balance (`balance`, `seq`, `booked_at`).
    `acct#<account>#<currency>` / `e#<booked_at>#<seq or posting id>`: one entry (`amount`, `balance_after`, ...).
    `acct#<account>#<currency>#s<nn>` / `balance`: one shard of a system account's balance.
    chalicelib/adapters/ledger.py reads and writes them as raw items (amounts stay exact ints).
    """

    class Meta(_Unbound):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class NetworkListIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "list-index"
        projection = AllProjection()

    list_pk = UnicodeAttribute(hash_key=True)
    list_sk = UnicodeAttribute(range_key=True)


class NetworkList2Index(GlobalSecondaryIndex):
    class Meta:
        index_name = "list2-index"
        projection = AllProjection()

    list2_pk = UnicodeAttribute(hash_key=True)
    list2_sk = UnicodeAttribute(range_key=True)


class NetworkModel(Model):
    """The rural service network (issue 10), items told apart by their keys (docs/data-model.md):

    `county#<id>` / `county`: a county centre (list: `counties`);
    `village#<id>` / `village`: a village centre (list: `county#<id>#villages`);
    `member#<user_id>` / `county` | `village`: where a county staff member works, which village a partner runs;
    `manifest#<id>` / `#manifest`: a manifest's header (lists: its county's and its village's, by direction and
    status); `manifest#<id>` / `line#<item id>`: one parcel on it.
    chalicelib/adapters/network.py reads and writes them as raw items.
    """

    class Meta(_Unbound):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    list_pk = UnicodeAttribute(null=True)
    list_sk = UnicodeAttribute(null=True)
    list2_pk = UnicodeAttribute(null=True)
    list2_sk = UnicodeAttribute(null=True)

    list_index = NetworkListIndex()
    list2_index = NetworkList2Index()


class FinanceOpenIndex(GlobalSecondaryIndex):
    """Sparse: payouts not finished yet (pending or sent), oldest first: the payout run and the status poll."""

    class Meta:
        index_name = "open-index"
        projection = AllProjection()

    open_key = UnicodeAttribute(hash_key=True)
    open_sort = UnicodeAttribute(range_key=True)


class FinanceListIndex(GlobalSecondaryIndex):
    """Sparse: the small directories operators page through, one partition each (issue 12: `carriers`, newest
    first by `<created_at>#<carrier_id>`)."""

    class Meta:
        index_name = "list-index"
        projection = AllProjection()

    list_key = UnicodeAttribute(hash_key=True)
    list_sort = UnicodeAttribute(range_key=True)


class FinanceModel(Model):
    """Sellers' money besides the ledger (docs/data-model.md): items told apart by their keys.

    `commission` / `<storefront>[#<market>]`: a commission rule and its terms over time.
    `shop#<shop_id>` / `account`: the shop's payout details.  `shop#<shop_id>` / `payout#<run_id>`: a payout.
    `run#<run_id>` / `run`: what a payout run did. adapters/finance.py reads and writes them raw.
    """

    class Meta(_Unbound):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    open_key = UnicodeAttribute(null=True)  # "open" while a payout is pending or sent
    open_sort = UnicodeAttribute(null=True)  # "<created_at>#<payout_id>"

    open_index = FinanceOpenIndex()
    list_key = UnicodeAttribute(null=True)  # "carriers" on a carrier (issue 12)
    list_sort = UnicodeAttribute(null=True)  # "<created_at>#<carrier_id>"
    list_index = FinanceListIndex()


class AggregateModel(Model):
    """Dashboard counters (domain/dashboards.py) and the claims of the events already counted
    (`event#<event_id>` / `applied`, with `expires_at` for the table's time to live)."""

    class Meta(_Unbound):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class _TradeIndex(GlobalSecondaryIndex):
    class Meta:
        projection = AllProjection()


class TradeGsi1(_TradeIndex):
    class Meta(_TradeIndex.Meta):
        index_name = "gsi1"

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class TradeGsi2(_TradeIndex):
    class Meta(_TradeIndex.Meta):
        index_name = "gsi2"

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class TradeGsi3(_TradeIndex):
    class Meta(_TradeIndex.Meta):
        index_name = "gsi3"

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class TradeDueIndex(_TradeIndex):
    """Sparse: what expires (an RFQ's deadline, a quote's validity, an invoice's due date) by UTC day."""

    class Meta(_TradeIndex.Meta):
        index_name = "due-index"

    due_pk = UnicodeAttribute(hash_key=True)
    due_sk = UnicodeAttribute(range_key=True)


class TradeModel(Model):
    """Bulk trade (issue 14, docs/data-model.md "Trade"): one table, items told apart by their keys.

    `biz#<id>` / `business` and `upload#<media_id>`; `supplier#<shop_id>` / `supplier`; `rfq#<id>` / `rfq`, its
    quotes `quote#<quote_id>` and their messages `msg#<quote_id>#<at>#<id>` in the RFQ's partition;
    `invoice#<id>` / `invoice`. Indexes gsi1-gsi3 serve the lists (which item puts what in them:
    chalicelib/adapters/trade.py), `due-index` the expiry jobs. Read and written raw by adapters/trade.py.
    """

    class Meta(_Unbound):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    due_pk = UnicodeAttribute(null=True)
    due_sk = UnicodeAttribute(null=True)

    gsi1 = TradeGsi1()
    gsi2 = TradeGsi2()
    gsi3 = TradeGsi3()
    due_index = TradeDueIndex()


class ProvenanceOwnerIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "owner-index"
        projection = AllProjection()

    owner_key = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ProvenanceQueueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "queue-index"
        projection = AllProjection()

    queue_key = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ProvenanceModel(Model):
    """Makers, geographic-indication claims, the files behind them and origin counts (issue 15): one table,
    items told apart by their keys (docs/data-model.md, Provenance). chalicelib/adapters/provenance.py reads
    and writes them as raw items; the catalog's product transaction updates origin counts through this model.

    `maker#<id>` / `maker`, `gi-claim#<id>` / `claim`, `gi-product#<product_id>` / `hold`, `upload#<id>` /
    `upload`: `body` (JSON), `version`; `origin#<storefront>` / `<province>|<prefecture>|<county>`: `count`.
    """

    class Meta(_Unbound):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    owner_key = UnicodeAttribute(null=True)  # "<shop_id>#maker" | "<shop_id>#gi-claim": a shop's makers, claims
    queue_key = UnicodeAttribute(null=True)  # "gi-claim#<status>": the operators' queue
    created_key = UnicodeAttribute(null=True)
    body = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    count = NumberAttribute(null=True)
    province = UnicodeAttribute(null=True)
    prefecture = UnicodeAttribute(null=True)
    county = UnicodeAttribute(null=True)

    owner_index = ProvenanceOwnerIndex()
    queue_index = ProvenanceQueueIndex()


class TrustIndex1(GlobalSecondaryIndex):
    class Meta:
        index_name = "g1-index"
        projection = AllProjection()

    g1pk = UnicodeAttribute(hash_key=True)
    g1sk = UnicodeAttribute(range_key=True)


class TrustIndex2(GlobalSecondaryIndex):
    class Meta:
        index_name = "g2-index"
        projection = AllProjection()

    g2pk = UnicodeAttribute(hash_key=True)
    g2sk = UnicodeAttribute(range_key=True)


class TrustIndex3(GlobalSecondaryIndex):
    class Meta:
        index_name = "g3-index"
        projection = AllProjection()

    g3pk = UnicodeAttribute(hash_key=True)
    g3sk = UnicodeAttribute(range_key=True)


class TrustIndex4(GlobalSecondaryIndex):
    class Meta:
        index_name = "g4-index"
        projection = AllProjection()

    g4pk = UnicodeAttribute(hash_key=True)
    g4sk = UnicodeAttribute(range_key=True)


class TrustIndex5(GlobalSecondaryIndex):
    class Meta:
        index_name = "g5-index"
        projection = AllProjection()

    g5pk = UnicodeAttribute(hash_key=True)
    g5sk = UnicodeAttribute(range_key=True)


class TrustModel(Model):
    """Buyer trust (issue 13; docs/data-model.md, adapters/trust.py): disputes, reviews, rating aggregates,
    points lots and rules, told apart by their keys; five generic sparse indexes (g1..g5)."""

    class Meta(_Unbound):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    g1pk = UnicodeAttribute(null=True)
    g1sk = UnicodeAttribute(null=True)
    g2pk = UnicodeAttribute(null=True)
    g2sk = UnicodeAttribute(null=True)
    g3pk = UnicodeAttribute(null=True)
    g3sk = UnicodeAttribute(null=True)
    g4pk = UnicodeAttribute(null=True)
    g4sk = UnicodeAttribute(null=True)
    g5pk = UnicodeAttribute(null=True)
    g5sk = UnicodeAttribute(null=True)

    g1_index = TrustIndex1()
    g2_index = TrustIndex2()
    g3_index = TrustIndex3()
    g4_index = TrustIndex4()
    g5_index = TrustIndex5()


MODELS_BY_SETTING = {
    "shops_table": ShopModel,
    "products_table": ProductModel,
    "listings_table": ListingModel,
    "uniques_table": UniqueModel,
    "media_table": MediaModel,
    "carts_table": CartModel,
    "orders_table": OrderModel,
    "returns_table": ReturnModel,
    "notifications_table": NotificationModel,
    "ledger_table": LedgerModel,
    "network_table": NetworkModel,
    "outbox_table": OutboxModel,
    "order_history_table": OrderHistoryModel,
    "finance_table": FinanceModel,
    "aggregates_table": AggregateModel,
    "provenance_table": ProvenanceModel,
    "trade_table": TradeModel,
    "trust_table": TrustModel,
}


def bind_models(settings) -> None:
    for setting, model in MODELS_BY_SETTING.items():
        binding = (getattr(settings, setting), settings.region, settings.endpoint_url)
        if (model.Meta.table_name, model.Meta.region, model.Meta.host) == binding:
            continue  # already bound: keep the connection (and its HTTP client)
        model.Meta.table_name, model.Meta.region, model.Meta.host = binding
        model._connection = None


@lru_cache(maxsize=4)
def shared_connection(region: str, host: str | None):
    """One PynamoDB Connection (one botocore client per thread) per endpoint, for raw and transactional calls."""
    from pynamodb.connection import Connection

    return Connection(region=region, host=host)
