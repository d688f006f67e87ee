"""Request schemas (pydantic). Unknown fields are rejected; lengths and ranges are enforced here. Every request
schema carries an example (`json_schema_extra`): the OpenAPI document shows it and the isolation matrices send it.

Storefront-specific product attributes are checked by domain/storefronts.py, the one home of those rules.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    RootModel,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    Tag,
    model_validator,
)

Storefront = Literal["b2b", "handicrafts", "specialties"]
Name = Field(min_length=1, max_length=120)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class RegisterIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "aygul@example.com", "password": "Bazaar-demo-1", "role": "seller"}]}
    )

    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=128)
    role: Literal["buyer", "seller"]
    referral_code: StrictStr | None = Field(
        default=None, pattern=r"^[0-9a-fA-F]{32}$", description="issue 19: the `ref` of the share link a buyer came by"
    )


class LoginIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "aygul@example.com", "password": "Bazaar-demo-1"}]}
    )

    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=128)


class Region(Strict):
    province: StrictStr = Field(min_length=1, max_length=60)
    prefecture: StrictStr = Field(min_length=1, max_length=60)
    county: StrictStr = Field(min_length=1, max_length=60)


class ShopCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Kashgar Silk House",
                    "storefront": "handicrafts",
                    "description": "Hand-woven atlas silk since 1990",
                    "region": {"province": "Xinjiang", "prefecture": "Kashgar", "county": "Shufu"},
                }
            ]
        }
    )

    name: StrictStr = Field(min_length=1, max_length=80, pattern=r"\S")
    storefront: Storefront
    description: StrictStr = Field(default="", max_length=2000)
    region: Region
    slug: StrictStr | None = Field(default=None, min_length=1, max_length=60)


class ShopUpdate(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"description": "Hand-woven atlas silk and doppa caps"}]})

    name: StrictStr | None = Field(default=None, min_length=1, max_length=80, pattern=r"\S")
    description: StrictStr | None = Field(default=None, max_length=2000)
    region: Region | None = None
    export_markets: list[Literal["ru"]] | None = Field(
        default=None,
        max_length=5,
        description="issue 12: foreign markets to sell to; a product is sold there once it has `shipping`",
    )


class Price(Strict):
    amount: StrictInt = Field(ge=1, le=10**12, description="integer minor units (fen for CNY)")
    currency: StrictStr = Field(pattern=r"^[A-Z]{3}$")


class Shipping(Strict):
    """Issue 12: what exporting a product needs (customs declaration, parcel weight)."""

    weight_g: StrictInt = Field(ge=1, le=31_000, description="grams per unit")
    hs_code: StrictStr = Field(pattern=r"^\d{6,10}$", description="Harmonized System code, 6-10 digits")


class Translation(Strict):
    title: StrictStr = Field(min_length=1, max_length=120, pattern=r"\S")
    description: StrictStr = Field(default="", max_length=5000)


Language = Literal["ru", "zh", "ug", "en"]


class ProductCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Atlas silk scarf",
                    "description": "Hand-woven ikat silk.",
                    "category": "textiles",
                    "price": {"amount": 15900, "currency": "CNY"},
                    "stock": 25,
                    "status": "active",
                    "attributes": {"maker": "Aygul Tursun", "made_to_order": False, "materials": ["silk"]},
                }
            ]
        }
    )

    title: StrictStr = Field(min_length=1, max_length=120, pattern=r"\S")
    description: StrictStr = Field(default="", max_length=5000)
    category: StrictStr = Field(min_length=1, max_length=40)
    price: Price
    stock: StrictInt = Field(ge=0, le=1_000_000_000)
    status: Literal["draft", "active"] = "draft"
    attributes: dict[str, Any]
    shipping: Shipping | None = Field(default=None, description="issue 12: needed to be sold abroad")
    translations: dict[Language, Translation] | None = Field(
        default=None, description="issue 12: title and description by language (ru, zh, ug, en)"
    )

    def fields(self) -> dict:
        return {
            "title": self.title.strip(),
            "description": self.description.strip(),
            "category": self.category,
            "price_amount": self.price.amount,
            "currency": self.price.currency,
            "stock": self.stock,
            "status": self.status,
            "attributes": self.attributes,
            "shipping": self.shipping.model_dump() if self.shipping else None,
            "translations": {k: v.model_dump() for k, v in (self.translations or {}).items()},
        }


class ProductUpdate(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"title": "Atlas silk scarf, indigo", "stock": 12}]})

    title: StrictStr | None = Field(default=None, min_length=1, max_length=120, pattern=r"\S")
    description: StrictStr | None = Field(default=None, max_length=5000)
    category: StrictStr | None = Field(default=None, min_length=1, max_length=40)
    price: Price | None = None
    stock: StrictInt | None = Field(default=None, ge=0, le=1_000_000_000)
    status: Literal["draft", "active"] | None = None
    attributes: dict[str, Any] | None = None
    shipping: Shipping | None = Field(default=None, description="issue 12: needed to be sold abroad")
    translations: dict[Language, Translation] | None = Field(
        default=None, description="issue 12: replaces the translations (an empty object removes them)"
    )

    def changes(self) -> dict:
        data = self.model_dump(exclude_unset=True, exclude_none=True)
        out = {k: v for k, v in data.items() if k != "price"}
        if "title" in out:
            out["title"] = out["title"].strip()
        if self.price is not None:
            out["price_amount"] = self.price.amount
            out["currency"] = self.price.currency
        return out


class MediaCreate(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"content_type": "image/png", "size": 48213}]})

    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size: StrictInt = Field(ge=1, le=10 * 1024 * 1024)


# --- response schemas (documented in the OpenAPI contract; tests validate every response against them) ---


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Public):
    field: str
    message: str
    code: str | None = Field(default=None, description="machine-readable reason, where there is one")


class ErrorInfo(Public):
    code: str = Field(description="stable machine-readable code, e.g. slug_taken, stale_product")
    message: str
    details: list[ErrorDetail] | None = None


class ErrorBody(Public):
    error: ErrorInfo


class UserPublic(Public):
    user_id: str
    email: str
    roles: list[Literal["buyer", "seller", "operator", "partner", "county_staff"]]


class TokenPublic(Public):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int


class RegionPublic(Public):
    province: str
    prefecture: str
    county: str


class ShopPublic(Public):
    shop_id: str
    name: str
    slug: str
    storefront: Storefront
    description: str
    region: RegionPublic
    status: Literal["pending", "active", "suspended"]
    created_at: str
    updated_at: str | None = Field(default=None, description="owner and operators only")
    owner_id: str | None = Field(default=None, description="owner and operators only")
    export_markets: list[str] = Field(default_factory=list, description="foreign markets it sells to (issue 12)")
    managed_by: str | None = Field(
        default=None, description="owner and operators only: the village partner managing a producer's shop (issue 11)"
    )


class ShopsPage(Public):
    items: list[ShopPublic]
    next_cursor: str | None


class Money(Public):
    amount: int = Field(description="integer minor units")
    currency: str


class MediaPublic(Public):
    media_id: str
    url: str = Field(description="the original; a stable, cacheable URL (no signature)")
    thumbnail_url: str
    medium_url: str | None = Field(description="the mid-size WebP rendition (null on older pictures)")
    content_type: str
    width: int
    height: int
    thumbnail_width: int | None = Field(default=None, description="pixels; for srcset")
    medium_width: int | None = Field(default=None, description="pixels; for srcset")


class ShopSummary(Public):
    shop_id: str
    name: str
    slug: str
    region: RegionPublic | None = None


class ShippingPublic(Public):
    weight_g: int
    hs_code: str


class TranslationPublic(Public):
    title: str
    description: str


class FxTag(Public):
    rate_id: str
    rate: str = Field(description="decimal string: 1 CNY = rate RUB")
    as_of: str


class RatingBrief(Public):
    average: str = Field(description='one decimal, e.g. "4.3"')
    count: int


class ProductPublic(Public):
    product_id: str
    shop_id: str
    storefront: Storefront
    title: str
    description: str
    category: str
    price: Money
    stock: int
    in_stock: bool
    attributes: dict[str, Any]
    media: list[MediaPublic]
    created_at: str
    updated_at: str
    status: Literal["draft", "active", "archived"] | None = Field(default=None, description="owner view only")
    version: int | None = Field(default=None, description="owner view only; also the ETag")
    listed: bool | None = Field(default=None, description="owner view only: visible in its storefront")
    shop: ShopSummary | None = Field(default=None, description="storefront view only")
    prefecture: str | None = Field(default=None, description="storefront view only")
    gi: GiBadgePublic | None = Field(default=None, description="a verified geographic indication")
    season: SeasonPublic | None = Field(default=None, description="storefront view: in season today?")
    estimated_ship_date: str | None = Field(default=None, description="storefront view: if ordered today")
    # issue 12
    shipping: ShippingPublic | None = Field(default=None, description="weight and HS code, needed to export")
    translations: dict[str, TranslationPublic] = Field(default_factory=dict, description="by language")
    markets: list[str] = Field(default_factory=list, description="foreign markets it is sold in")
    language: str | None = Field(default=None, description="storefront view: the language shown (None: original)")
    base_price: Money | None = Field(default=None, description="in a foreign market: the CNY price converted")
    fx: FxTag | None = Field(default=None, description="in a foreign market: the rate `price` was converted at")
    delivery_promise: DeliveryPromisePublic | None = Field(
        default=None, description="in a foreign market: delivered by, for the buyer's `city`"
    )
    rating: RatingBrief | None = Field(default=None, description="issue 13: visible reviews' average and count")


class ProductsPage(Public):
    items: list[ProductPublic]
    next_cursor: str | None


class ProductCard(Public):
    product_id: str
    storefront: Storefront
    title: str
    category: str
    prefecture: str
    price: Money
    in_stock: bool = Field(description="cards show only this; the product page has the exact stock")
    shop: ShopSummary
    thumbnail_url: str | None
    medium_url: str | None = Field(default=None, description="the first picture's mid-size rendition")
    created_at: str
    b2b: dict[str, Any] | None = None
    handicrafts: dict[str, Any] | None = None
    specialties: dict[str, Any] | None = None
    gi: GiBadgePublic | None = Field(default=None, description="a verified geographic indication")
    season: SeasonPublic | None = Field(default=None, description="in season, pre-sale or out of season today")
    base_price: Money | None = Field(default=None, description="market=ru: the CNY price it was converted from")
    fx: FxTag | None = Field(default=None, description="market=ru: the rate `price` was converted at")
    rating: RatingBrief | None = None  # issue 13: only on products with reviews


class CardsPage(Public):
    items: list[ProductCard]
    next_cursor: str | None


class PresignedPost(Public):
    url: str
    fields: dict[str, str]


class UploadTicket(Public):
    media_id: str
    upload: PresignedPost
    expires_in: int


class StorefrontPublic(Public):
    storefront: Storefront
    name: str
    description: str
    currency: str
    categories: list[str]
    return_window_days: int


class StorefrontList(Public):
    items: list[StorefrontPublic]


# --- buying: requests -------------------------------------------------------------------------------


class CartItemPut(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"quantity": 2}]})

    quantity: StrictInt = Field(ge=0, le=1_000_000, description="0 removes the line")
    personalisation: dict[Annotated[str, Field(max_length=30)], Annotated[StrictStr, Field(max_length=500)]] | None = (
        Field(
            default=None,
            max_length=5,
            description="the buyer's values for the product's personalisation fields (issue 15): a line is the "
            "product with these values, so two personalisations of one product are two lines; 0 removes the line "
            "with these values",
        )
    )
    sample: StrictBool = Field(
        default=False, description="issue 14: a sample of a b2b product that offers one (below the MOQ)"
    )
    market: Literal["cn", "ru"] | None = Field(
        default=None,
        description="issue 12: the market the buyer shops in: the line records the rate its price was shown at",
    )


class Address(Strict):
    name: StrictStr = Field(min_length=1, max_length=100, pattern=r"\S")
    phone: StrictStr = Field(min_length=5, max_length=30, pattern=r"^\+?[0-9][0-9 ()-]{3,28}[0-9]$")
    lines: list[Annotated[StrictStr, Field(min_length=1, max_length=120)]] = Field(min_length=1, max_length=3)
    city: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    region: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    postal_code: StrictStr = Field(min_length=2, max_length=20, pattern=r"^[A-Za-z0-9 -]+$")
    country: StrictStr = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class PickupDelivery(Strict):
    """Collect at a village service centre (issue 10): the centre, and who collects (name and phone)."""

    pickup_point: StrictStr = Field(
        min_length=1,
        max_length=80,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="a village_id of GET /v1/counties/{county_id}/villages",
    )
    name: StrictStr = Field(min_length=1, max_length=100, pattern=r"\S")
    phone: StrictStr = Field(min_length=5, max_length=30, pattern=r"^\+?[0-9][0-9 ()-]{3,28}[0-9]$")


def _delivery_kind(value: Any) -> str:
    """Which shape a delivery is (JSON in, or a model out): the errors then speak of that shape only."""
    pickup = isinstance(value, PickupDelivery) or (isinstance(value, dict) and "pickup_point" in value)
    return "~pickup" if pickup else "~address"


class CheckoutIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "delivery": {
                        "name": "Dilnur Abdulla",
                        "phone": "+86 998 555 0142",
                        "lines": ["7 Jiefang North Road"],
                        "city": "Kashgar",
                        "region": "Xinjiang",
                        "postal_code": "844000",
                        "country": "CN",
                    },
                    "payment_method": "cash_on_delivery",
                }
            ]
        }
    )

    delivery: Annotated[
        Annotated[Address, Tag("~address")] | Annotated[PickupDelivery, Tag("~pickup")],
        Discriminator(_delivery_kind),
    ] = Field(description="an address, or a village service centre to collect at: {pickup_point, name, phone}")
    # Issue 13: points to spend (1 point = 0.01 of the currency; at most 25 % of each order's goods).
    points_to_redeem: StrictInt = Field(default=0, ge=0, le=1_000_000_000)
    payment_method: Literal["cash_on_delivery", "bank_transfer", "card", "net_terms", "mir_card", "sbp"] = Field(
        description="net_terms: a verified business with a credit line, b2b orders within its available credit"
    )
    invoice: InvoiceDetailsIn | None = Field(
        default=None, description="b2b: invoice to this company (default: the buyer's verified business)"
    )
    market: Literal["cn", "ru"] | None = Field(
        default=None,
        description="issue 12: `ru` charges RUB at the rate in force, fixed on the orders (delivery to RU; "
        "cash on delivery); a rate changed since the cart showed the prices is 409 price_changed",
    )
    accept_duty: StrictBool = Field(
        default=False,
        description="issue 12: the buyer accepts the estimated import duty of parcels over the duty-free "
        "allowance (ru: EUR 200 / 31 kg per parcel); without it such a checkout is 409 duty_acceptance_required",
    )
    coupon_code: StrictStr | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9-]+$",
        description="issue 12: one of your coupons (GET /v1/me/coupons), in its currency (market=ru, Mir card or "
        "SBP): spread over the checkout's orders by what each is charged, at least 1.00 left on each; spent once",
    )


class ShipIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"carrier": "China Post", "tracking_number": "CP123456789CN"}]}
    )

    carrier: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    tracking_number: StrictStr = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9-]+$")


class ReturnLineIn(Strict):
    line_id: StrictStr = Field(min_length=1, max_length=80)
    quantity: StrictInt = Field(ge=1, le=1_000_000)


class ReturnIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"lines": [{"line_id": "ord_01HX7Q-1", "quantity": 1}], "reason": "too small"}]}
    )

    lines: list[ReturnLineIn] = Field(min_length=1, max_length=40)
    reason: StrictStr | None = Field(default=None, max_length=500)


class PaymentCard(BaseModel):
    """The paying card as the provider reports it: its BIN (first 6-8 digits), never the full number."""

    model_config = ConfigDict(extra="ignore")

    bin: str | None = Field(default=None, pattern=r"^\d{6,8}$")


class PaymentEventIn(BaseModel):
    model_config = ConfigDict(
        extra="ignore",  # providers add fields over time
        json_schema_extra={
            "examples": [
                {
                    "event_id": "evt_3f9a2c",
                    "type": "payment.succeeded",
                    "order_id": "ord_01HX7Q",
                    "amount": {"amount": 31800, "currency": "CNY"},
                    "payment_id": "pay_9c1e4b",
                }
            ]
        },
    )

    event_id: StrictStr = Field(min_length=1, max_length=100)
    type: StrictStr = Field(min_length=1, max_length=60)
    order_id: StrictStr = Field(min_length=1, max_length=80)
    amount: Price
    payment_id: StrictStr | None = Field(
        default=None, min_length=1, max_length=100, description="the provider's payment id (refunds name it)"
    )
    card: PaymentCard | None = None  # issue 13: the card's BIN (the partner bank's points bonus)


# --- buying: responses ------------------------------------------------------------------------------


class Problem(Public):
    code: str
    message: str


class CartLine(Public):
    product_id: str
    title: str | None
    quantity: int
    unit_price: Money | None
    line_total: Money | None
    available: bool
    stock: int
    problems: list[Problem]
    line_id: str | None = Field(
        default=None, description="a personalised line's id (the product id and a digest of its values)"
    )
    personalisation: dict[str, str] | None = Field(default=None, description="a personalised line's values")
    presale: PresalePublic | None = Field(default=None, description="on pre-sale: its ship date and deposit")
    sample: bool = False
    price_changed: bool | None = Field(
        default=None, description="market=ru: shown at another rate when set; the next checkout says so once"
    )


class CartShop(Public):
    shop_id: str | None
    shop_name: str | None
    storefront: str | None
    lines: list[CartLine]
    subtotal: Money
    estimated_ship_date: str | None = Field(
        default=None, description="made to order or pre-sale: this shop's order ships by then (issue 15)"
    )


class CartPublic(Public):
    shops: list[CartShop]
    total: Money
    line_count: int
    can_checkout: bool
    market: str | None = Field(default=None, description="issue 12: the market the prices are shown in")
    base_total: Money | None = Field(default=None, description="market=ru: the total in CNY")
    fx: FxTag | None = Field(default=None, description="market=ru: the rate the prices are converted at")


class OrderShop(Public):
    shop_id: str
    name: str


class OrderLinePublic(Public):
    line_id: str
    product_id: str
    title: str
    quantity: int
    unit_price: Money
    line_total: Money
    returned_quantity: int
    attributes: dict[str, Any]
    personalisation: dict[str, str] = Field(default_factory=dict, description="the buyer's values, as ordered")
    estimated_ship_date: str | None = Field(default=None, description="the day the seller ships this line by")
    presale: PresalePublic | None = None
    sample: bool = Field(default=False, description="issue 14: a sample, at the sample price")


class RefundPublic(Public):
    return_id: str = Field(description='what it is for: a return\'s id, "cancellation" or "late-payment:<payment id>"')
    amount: Money
    at: str
    status: Literal["recorded", "pending", "issued"] = Field(
        description="card money goes back through the payment provider: pending until it confirms (issued)"
    )
    refund_id: str | None = Field(description="the payment provider's refund id, once issued")
    charged: Money | None = Field(
        default=None,
        description="issue 12: only on an order of a foreign market: what it gives back in the currency the buyer "
        "was charged (fixed when recorded; an order's refunds add up exactly to its charge)",
    )


class TimelineEntryPublic(Public):
    at: str
    actor: str = Field(description="the role: buyer, seller, operator, payments, system, county_staff or partner")
    actor_id: str | None = Field(description="the user who did it (none for the payment provider and scheduled jobs)")
    action: str
    status: str
    note: str | None
    seq: int = Field(description="its position in the order's whole history (1: placed)")


class TimelinePage(Public):
    items: list[TimelineEntryPublic]
    next_cursor: str | None


class Shipment(Public):
    carrier: str
    tracking_number: str
    shipped_at: str


class CustomsLinePublic(Public):
    line_id: str
    hs_code: str
    description: str
    quantity: int
    value: Money
    weight_g: int


class CustomsPublic(Public):
    lines: list[CustomsLinePublic]
    value: Money
    value_eur: Money
    weight_g: int
    allowance: dict[str, Any] = Field(description="the duty-free allowance per parcel: value (EUR) and weight_g")
    over_allowance: bool
    duty_estimate: Money = Field(description="estimated import duty, paid on import, in the market's currency")
    duty_eur: Money
    duty_accepted: bool
    eur_rate_id: str
    eur_rate: str


class CustomsDeclarationPublic(Public):
    order_id: str
    shop: OrderShop
    created_at: str
    consignee: dict[str, Any]
    customs: CustomsPublic


class OrderMarketPublic(Public):
    market: str
    currency: str
    rate_id: str
    rate: str = Field(description="decimal string: 1 CNY = rate RUB, fixed when the order was placed")
    as_of: str
    total: Money = Field(description="what the buyer is charged (less a coupon)")
    base_total: Money = Field(description="the same goods in CNY: what the seller is settled on")
    goods_total: Money | None = Field(default=None, description="issue 12: the goods before the coupon")
    refunded: Money | None = Field(default=None, description="what the refunds gave back of the charge so far")
    lines: dict[str, dict[str, Money]] = Field(description="line_id -> unit_price and line_total in the currency")


class PickupPublic(Public):
    """Where a pickup order is collected (issue 10); the seller ships it to `ship_to`, its county centre."""

    village_id: str
    centre: str
    village: str
    address: str
    hours: str
    county_id: str
    county_name: str
    ship_to: str = Field(description="the county centre's address: where the seller sends the parcel")
    ready_at: str | None
    pickup_code: str | None = Field(
        default=None, description="buyer view only, once ready: show it at the centre to collect"
    )


OrderStatus = Literal[
    "pending_payment", "paid", "shipped", "delivered", "completed", "cancelled",
    "at_county", "to_village", "ready_for_pickup", "missing",
]  # fmt: skip


class OrderPublic(Public):
    order_id: str
    checkout_id: str
    shop: OrderShop
    storefront: Storefront
    status: OrderStatus
    lines: list[OrderLinePublic]
    total: Money
    refunded: Money
    refunds: list[RefundPublic]
    payment_method: Literal["cash_on_delivery", "bank_transfer", "card", "net_terms", "mir_card", "sbp"]
    paid_at: str | None
    shipment: Shipment | None
    delivered_at: str | None
    return_window_closes: str | None
    delivery: dict[str, Any]
    timeline: list[TimelineEntryPublic] = Field(
        description="the newest 20 entries; GET .../timeline pages through all of them"
    )
    timeline_total: int = Field(description="how many entries the whole history holds")
    payment_due_by: str | None = Field(
        description="an unpaid card or bank-transfer order is cancelled at this time (its stock comes back)"
    )
    created_at: str
    updated_at: str
    version: int = Field(description="also sent as ETag; send it as If-Match to change the order only as you saw it")
    market: OrderMarketPublic | None = Field(
        default=None, description="issue 12: a foreign market's order: the charge in its currency at the fixed rate"
    )
    customs: CustomsPublic | None = Field(default=None, description="issue 12: the parcel's customs declaration")
    delivery_promise: DeliveryPromisePublic | None = Field(default=None, description="issue 12: delivered by")
    tracking: list[TrackingPublic] = Field(default_factory=list, description="issue 12: the parcel's events")
    buyer_id: str | None = Field(default=None, description="seller view only")
    pickup: PickupPublic | None = Field(default=None, description="collected at a village service centre")
    # Issue 13: points redeemed at checkout (each worth one minor unit off the goods; amount_due is net of them)
    points_redeemed: int = 0
    estimated_ship_date: str | None = Field(
        default=None, description="the latest ship date of its lines: the seller is not late before it"
    )
    amount_due: Money | None = Field(default=None, description="what the next payment must be (0 once paid)")
    deposit: DepositPublic | None = Field(default=None, description="a pre-sale paid in two payments")
    business: BusinessBadge | None = Field(default=None, description="the buyer's verified business (b2b)")
    invoice_details: dict[str, Any] | None = Field(
        default=None, description="what the seller invoices: company_title, tax_id (b2b)"
    )
    rfq: dict[str, str] | None = Field(default=None, description="the RFQ and quote an order comes from")
    invoice_id: str | None = Field(default=None, description="net terms: the invoice issued when it shipped")
    group: dict[str, str] | None = Field(default=None, description="issue 19: the group buy it comes from")
    coupon: OrderCouponPublic | None = Field(default=None, description="issue 12: a coupon spent on this order")
    carrier: OrderCarrierPublic | None = Field(default=None, description="issue 12: the carrier it was handed to")


class OrdersPage(Public):
    items: list[OrderPublic]
    next_cursor: str | None


class RuPaymentPublic(Public):
    order_id: str
    amount: Money
    payment_id: str | None
    payment_url: str | None = Field(description="the acquirer's hosted payment page (Mir card; SBP QR code)")
    sbp_payload: str | None = Field(default=None, description="SBP: the QR code's payload (a qr.nspk.ru link)")
    error: str | None = Field(default=None, description="the acquirer could not be reached: POST .../payment")


class CheckoutResult(Public):
    checkout_id: str
    orders: list[OrderPublic]
    total: Money
    replayed: bool
    charged: Money | None = Field(default=None, description="market=ru: what the buyer pays, in RUB")
    fx: FxTag | None = Field(default=None, description="market=ru: the rate fixed on the orders")
    payments: list[RuPaymentPublic] | None = Field(
        default=None, description="market=ru by Mir card or SBP: where to pay each order (the acquirer's page)"
    )
    points_redeemed: int | None = None  # issue 13
    amount_due: Money | None = None  # the total less the points redeemed
    coupon: CheckoutCouponPublic | None = Field(default=None, description="issue 12: the coupon spent")


class ReturnLinePublic(Public):
    line_id: str
    product_id: str
    quantity: int
    refund: Money = Field(description="this line's value at the prices paid (what the buyer gets back: `refund`)")


class ReturnPublic(Public):
    return_id: str
    order_id: str
    shop_id: str
    status: Literal["requested", "received"]
    reason: str | None
    lines: list[ReturnLinePublic]
    refund: Money = Field(
        description="what the buyer gets back: the returned goods' value less the platform-funded discounts' "
        "(coupon, points) share of them, as far as the money received covers it (the rule the refund is paid by); "
        "an estimate while `refund_is_estimate`, the refund itself once the goods are back"
    )
    refund_is_estimate: bool = Field(
        description="true until the goods are back: other returns received first or money received meanwhile "
        "can still move the refund"
    )
    goods_value: Money = Field(description="the value of the returned lines at the prices paid")
    refunded: Money | None = Field(
        description="what was refunded when the goods came back (only money that was received); null until then"
    )
    outcome: Literal["awaiting_goods", "refunded", "nothing_to_refund"] = Field(
        description='"nothing_to_refund": goods back, nothing was paid (an unpaid cash-on-delivery order)'
    )
    created_at: str
    updated_at: str
    leg: str | None = Field(
        default=None, description="opened at a village: where the parcel is (at_village ... to_seller)"
    )
    version: int = Field(description="send it as If-Match to receive the return only as you saw it")


class ReturnsPage(Public):
    items: list[ReturnPublic]
    next_cursor: str | None


class NotificationPublic(Public):
    notification_id: str
    type: str
    order_id: str | None = Field(default=None, description="order notifications")
    payout_id: str | None = Field(default=None, description="payout notifications (issue 17)")
    shop_id: str
    message: str
    at: str
    rfq_id: str | None = None  # issue 14: quotes, RFQs, invoices
    quote_id: str | None = None
    invoice_id: str | None = None
    group_id: str | None = None  # issue 19: group buys
    villager_id: str | None = Field(default=None, description="a group buy's order for this villager (a partner's)")


class NotificationsPage(Public):
    items: list[NotificationPublic]
    next_cursor: str | None


class WebhookResult(Public):
    status: Literal["applied", "duplicate", "ignored", "refunding"]


# --- the rural service network (issue 10): requests -----------------------------------------------------------

PlaceText = Field(min_length=1, max_length=120, pattern=r"\S")
Id = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_-]+$")


class CountyIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Shufu County Operations Centre",
                    "province": "Xinjiang",
                    "prefecture": "Kashgar",
                    "county": "Shufu",
                    "address": "18 Tuanjie Road, Tokzak Town, Shufu County",
                }
            ]
        }
    )

    name: StrictStr = PlaceText
    province: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    prefecture: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    county: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    address: StrictStr = Field(min_length=1, max_length=200, pattern=r"\S")


class StaffIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "gulnar@shufu.example.com"}]})

    email: StrictStr = Field(max_length=254)


class VillageIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Yengisar Village Service Centre",
                    "village": "Yengisar",
                    "address": "3 Bazaar Street, Yengisar Village",
                    "hours": "09:00-21:00 daily",
                    "partner_email": "memet@yengisar.example.com",
                }
            ]
        }
    )

    name: StrictStr = PlaceText
    village: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    address: StrictStr = Field(min_length=1, max_length=200, pattern=r"\S")
    hours: StrictStr = Field(
        min_length=1, max_length=100, pattern=r"\S", description="opening hours, as people read them"
    )
    partner_email: StrictStr = Field(max_length=254, description="the partner running it; an account is created if new")


class NewPasswordIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "memet@yengisar.example.com",
                    "temporary_password": "Xq3vR8tLm2Pa9wKd",
                    "new_password": "Bazaar-village-7",
                }
            ]
        }
    )

    email: StrictStr = Field(max_length=254)
    temporary_password: StrictStr = Field(max_length=128)
    new_password: StrictStr = Field(max_length=128)


class ScanIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "CP123456789CN"}]})

    code: StrictStr = Field(
        min_length=1,
        max_length=80,
        pattern=r"^\s*[A-Za-z0-9_-]+\s*$",
        description="the order id or its tracking number",
    )


class ManifestIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"village_id": "vil_01HX7Q"}]})

    village_id: StrictStr = Id


class ReceiveIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"codes": ["CP123456789CN", "ord_01HX7Q"]}]})

    codes: list[Annotated[StrictStr, Field(min_length=1, max_length=80, pattern=r"^\s*[A-Za-z0-9_-]+\s*$")]] = Field(
        max_length=5000, description="the parcels scanned on arrival (ids or tracking numbers); may be empty"
    )


class HandoverIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"order_id": "ord_01HX7Q", "pickup_code": "482913"},
                {"order_id": "ord_01HX7Q", "villager_present": True, "villager_id": "vgr_01HX7Q"},
            ]
        }
    )

    order_id: StrictStr = Id
    pickup_code: StrictStr | None = Field(
        default=None, pattern=r"^[0-9]{6}$", description="the 6 digits the buyer shows"
    )
    # issue 11: an order the partner placed for a villager is handed over without a code to that villager
    villager_present: StrictBool = Field(default=False, description="the villager the order is for is here")
    villager_id: StrictStr | None = Field(default=None, min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_-]+$")


class VillageReturnIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"order_id": "ord_01HX7Q", "lines": [{"line_id": "ord_01HX7Q-1", "quantity": 1}], "reason": "too small"}
            ]
        }
    )

    order_id: StrictStr = Id
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=40)
    reason: StrictStr | None = Field(default=None, max_length=500)


class ForwardIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"carrier": "China Post", "tracking_number": "CP987654321CN"}]}
    )

    carrier: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    tracking_number: StrictStr = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9-]+$")


# --- the rural service network: responses ---------------------------------------------------------------------


class CountyPublic(Public):
    county_id: str
    name: str
    province: str
    prefecture: str
    county: str
    address: str
    created_at: str


class CountiesPage(Public):
    items: list[CountyPublic]
    next_cursor: str | None


class PartnerAccount(Public):
    user_id: str
    email: str
    temporary_password: str | None = Field(description="only when the account was created now; shown once")


class VillagePublic(Public):
    village_id: str
    county_id: str
    county_name: str
    name: str
    village: str
    address: str
    hours: str
    created_at: str
    partner: PartnerAccount | None = Field(default=None, description="operators only")


class VillagesPage(Public):
    items: list[VillagePublic]
    next_cursor: str | None


class StaffPublic(Public):
    county_id: str
    user_id: str
    email: str
    role: Literal["county_staff"]
    temporary_password: str | None = Field(description="only when the account was created now; shown once")
    newly_bound: bool


class Recipient(Public):
    name: str
    phone_last4: str = Field(description="the last four digits only")


class ParcelLine(Public):
    line_id: str
    title: str
    quantity: int
    returned_quantity: int


class ParcelStep(Public):
    at: str
    action: str
    status: str


class ParcelPublic(Public):
    """An order as a county centre or a village partner sees it: never the full phone, the address, the
    buyer, their other orders, or the pickup code."""

    order_id: str
    status: OrderStatus
    status_since: str
    county_id: str
    village_id: str
    village_name: str
    shop_name: str
    recipient: Recipient
    carrier: str | None
    tracking_number: str | None
    manifest_id: str | None
    payment_method: Literal["cash_on_delivery", "bank_transfer", "card"]
    paid: bool
    total: Money
    lines: list[ParcelLine]
    steps: list[ParcelStep]
    delivered_at: str | None
    return_window_closes: str | None
    handover_locked_until: str | None
    assisted: AssistedPublic | None = Field(
        default=None, description="issue 11: placed by the village's partner for a villager"
    )


class ParcelsPage(Public):
    items: list[ParcelPublic]
    next_cursor: str | None


class ScanResult(Public):
    already: bool = Field(description="true: the parcel had been scanned in before; nothing changed")
    parcel: ParcelPublic


ManifestStatus = Literal["building", "ready", "dispatching", "dispatched", "receiving", "received"]


class ManifestPublic(Public):
    manifest_id: str
    direction: Literal["to_village", "to_county"]
    county_id: str
    county_name: str
    village_id: str
    village_name: str
    status: ManifestStatus
    parcel_count: int
    received_count: int
    missing_count: int
    created_at: str
    updated_at: str
    dispatched_at: str | None
    received_at: str | None


class ManifestsPage(Public):
    items: list[ManifestPublic]
    next_cursor: str | None


class ManifestLinePublic(Public):
    item_id: str
    order_id: str
    return_id: str | None
    tracking_number: str | None
    recipient: Recipient
    shop_name: str
    state: Literal["listed", "received", "missing"]


class ManifestPage(Public):
    manifest: ManifestPublic | None = Field(description="the header, on the first page only")
    items: list[ManifestLinePublic]
    next_cursor: str | None


class Forwarding(Public):
    carrier: str
    tracking_number: str
    forwarded_at: str


class NetworkReturnPublic(Public):
    """A return opened at a village, as the county centre and the partner see it."""

    return_id: str
    order_id: str
    status: Literal["requested", "received"]
    leg: Literal["at_village", "to_county", "at_county", "missing", "to_seller"]
    village_id: str
    village_name: str
    county_id: str
    shop_name: str
    recipient: Recipient
    lines: list[ReturnLinePublic]
    refund: Money = Field(description="what the buyer gets back (an estimate until the seller has the goods)")
    reason: str | None
    manifest_id: str | None
    forwarding: Forwarding | None
    created_at: str
    updated_at: str


class NetworkReturnsPage(Public):
    items: list[NetworkReturnPublic]
    next_cursor: str | None


# --- account confirmation (issue 9): Cognito's e-mailed code on dev and prod ------------------------------


class ConfirmIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "aygul@example.com", "code": "123456"}]})

    email: StrictStr = Field(max_length=254)
    code: StrictStr = Field(min_length=1, max_length=10, description="the code e-mailed at registration")


class ResendCodeIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "aygul@example.com"}]})

    email: StrictStr = Field(max_length=254)


class RegistrationPublic(Public):
    user_id: str
    email: str
    roles: list[Literal["buyer", "seller", "operator"]]
    confirmed: bool = Field(
        description="false on dev/prod until the e-mailed code is confirmed (POST /v1/auth/confirm); "
        "local stages create accounts confirmed"
    )
    code_sent_to: str | None = Field(description="where the code went, masked (null when none was sent)")


class ConfirmationPublic(Public):
    email: str
    confirmed: Literal[True]


class CodeSentPublic(Public):
    email: str
    code_sent_to: str | None = Field(
        description="where the new code went, masked; null when no code was sent (unknown account)"
    )


# --- sellers' money (issue 17) -------------------------------------------------------------------------------


class MoneyIn(Strict):
    amount: StrictInt = Field(ge=0, le=10**12, description="integer minor units (fen for CNY)")
    currency: StrictStr = Field(pattern=r"^[A-Z]{3}$")


class CommissionIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"percent_bp": 800, "min_amount": {"amount": 100, "currency": "CNY"}}]}
    )

    percent_bp: StrictInt = Field(ge=0, le=5_000, description="basis points of the goods value: 800 = 8 %")
    min_amount: MoneyIn = Field(description="the least commission per order, in the storefront's currency")


class PayoutAccountIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "holder_name": "Aygul Tursun",
                    "bank_name": "Agricultural Bank of China, Kashgar branch",
                    "account_number": "6228 4800 1234 5678 901",
                    "bank_code": "ABOCCNBJ",
                }
            ]
        }
    )

    holder_name: StrictStr = Field(min_length=1, max_length=100, pattern=r"\S")
    bank_name: StrictStr = Field(min_length=1, max_length=100, pattern=r"\S")
    account_number: StrictStr = Field(
        min_length=8, max_length=50, description="card number or IBAN; spaces and dashes are ignored"
    )
    bank_code: StrictStr | None = Field(default=None, min_length=4, max_length=20, description="SWIFT/BIC or CNAPS")


class PayoutEventIn(BaseModel):
    model_config = ConfigDict(
        extra="ignore",  # banks add fields over time
        json_schema_extra={
            "examples": [
                {
                    "event_id": "evt_b81c",
                    "type": "transfer.paid",
                    "transfer_id": "tr_5f2a9c",
                    "reference": "po-2026W14-shp_01",
                }
            ]
        },
    )

    event_id: StrictStr = Field(min_length=1, max_length=100)
    type: StrictStr = Field(min_length=1, max_length=60)
    transfer_id: StrictStr = Field(min_length=1, max_length=100)
    reference: StrictStr = Field(min_length=1, max_length=200, description="our payout id")
    failure_reason: StrictStr | None = Field(default=None, max_length=200)


class CommissionTermsPublic(Public):
    percent_bp: int
    min_amount: Money
    effective_from: str


class CommissionPublic(Public):
    storefront: Storefront
    market: str | None
    percent_bp: int
    min_amount: Money
    effective_from: str
    default: bool = Field(description="no rule was set: the platform's default applies")
    history: list[CommissionTermsPublic] = Field(description="orders pay the terms in force when they were placed")


class CommissionsList(Public):
    items: list[CommissionPublic]


class CurrencyBalance(Public):
    currency: str
    available: Money
    pending: Money


class BalancePublic(Public):
    shop_id: str
    available: Money = Field(description="owed to you; paid out weekly above the threshold")
    pending: Money = Field(description="paid by buyers for orders not completed yet (the return window is open)")
    next_payout_at: str
    payout_threshold: Money
    other_currencies: list[CurrencyBalance]


class LedgerEntryPublic(Public):
    posting_id: str
    account: Literal["available", "pending"]
    kind: str
    reason: str
    amount: Money = Field(description="into your balance (negative: out of it)")
    balance_after: Money | None
    at: str
    booked_at: str
    order_id: str | None
    refund_id: str | None
    payout_id: str | None
    reference: str | None = Field(description="the dispute, compensation, village or producer it concerns")
    memo: str


class LedgerEntriesPage(Public):
    items: list[LedgerEntryPublic]
    next_cursor: str | None


class StatementPublic(Public):
    shop_id: str
    month: str
    currency: str
    start_at: str
    end_at: str
    opening: Money
    closing: Money
    change: Money = Field(description="closing - opening: what all the lines of the month sum to")
    items: list[LedgerEntryPublic] = Field(description="this page's lines, oldest first")
    next_cursor: str | None


class PayoutAccountPublic(Public):
    shop_id: str
    holder_name: str
    bank_name: str
    bank_code: str | None
    account_last4: str
    account_number_masked: str
    updated_at: str


class PayoutDestinationPublic(Public):
    holder_name: str | None
    bank_name: str | None
    bank_code: str | None
    account_last4: str
    account_number_masked: str


class PayoutPublic(Public):
    payout_id: str
    run_id: str
    shop_id: str
    amount: Money
    status: Literal["pending", "sent", "paid", "failed"]
    destination: PayoutDestinationPublic
    transfer_id: str | None
    failure_reason: str | None
    created_at: str
    updated_at: str
    sent_at: str | None
    paid_at: str | None
    failed_at: str | None


class PayoutsPage(Public):
    items: list[PayoutPublic]
    next_cursor: str | None


class PayoutRunPublic(Public):
    run_id: str
    started_at: str
    updated_at: str
    complete: bool = Field(description="every active shop was looked at in this pass; false: call again")
    counts: dict[str, int]


# --- bulk trade (issue 14): business buyers, RFQs, quotes, invoices --------------------------------------------

USCC = Field(min_length=18, max_length=18, description="Unified Social Credit Code (GB 32100-2015), 18 characters")
Categories = Literal["cotton-textiles", "dried-fruit", "nuts", "grain", "wool-leather", "other"]


class InvoiceDetailsIn(Strict):
    company_title: StrictStr = Field(min_length=1, max_length=120, pattern=r"\S")
    tax_id: StrictStr = USCC


class BusinessAddress(Strict):
    province: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    prefecture: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    county: StrictStr | None = Field(default=None, max_length=60)
    line: StrictStr = Field(min_length=1, max_length=200, pattern=r"\S")
    postal_code: StrictStr = Field(pattern=r"^[0-9]{6}$")


class BusinessContact(Strict):
    name: StrictStr = Field(min_length=1, max_length=100, pattern=r"\S")
    phone: StrictStr = Field(min_length=5, max_length=30, pattern=r"^\+?[0-9][0-9 ()-]{3,28}[0-9]$")
    email: StrictStr | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class BusinessIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "company_name": "Kashgar Silk Road Dried Fruit Trading Co., Ltd.",
                    "tax_id": "91350100M000100Y43",
                    "address": {
                        "province": "Xinjiang",
                        "prefecture": "Kashgar",
                        "county": "Shufu",
                        "line": "18 Jiefang South Road",
                        "postal_code": "844000",
                    },
                    "contact": {"name": "Dilnur Abdulla", "phone": "+86 998 555 0142"},
                    "documents": [],
                }
            ]
        }
    )

    company_name: StrictStr = Field(min_length=1, max_length=120, pattern=r"\S")
    tax_id: StrictStr = USCC
    address: BusinessAddress
    contact: BusinessContact
    documents: list[Annotated[StrictStr, Field(min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=10, description="media ids from POST /v1/me/business/uploads"
    )


class TradeUploadIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"content_type": "application/pdf", "size": 182044, "name": "licence.pdf"}]}
    )

    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: StrictInt = Field(ge=1, le=10 * 1024 * 1024)
    name: StrictStr = Field(min_length=1, max_length=120, pattern=r"\S")


class ReviewIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "licence checked against the registry"}]})

    reason: StrictStr | None = Field(default=None, max_length=500)


class CreditLimitIn(Strict):
    amount: StrictInt = Field(ge=0, le=10**12, description="integer minor units; 0 withdraws the credit line")
    currency: StrictStr = Field(pattern=r"^[A-Z]{3}$")


class TermsIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"terms_days": 30, "credit_limit": {"amount": 5000000, "currency": "CNY"}}]}
    )

    terms_days: Literal[30, 60]
    credit_limit: CreditLimitIn


class QuotaIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"monthly": 50}]})

    monthly: StrictInt | None = Field(ge=0, le=10_000, description="new quotes a month; null: the default (20)")


class RfqProfileIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"categories": ["dried-fruit", "nuts"]}]})

    categories: list[Categories] = Field(max_length=6, description="the categories whose RFQs the shop sees")


class DeliverTo(Strict):
    province: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")
    prefecture: StrictStr = Field(min_length=1, max_length=60, pattern=r"\S")


class RfqIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category": "dried-fruit",
                    "title": "Hotan jujubes, grade 1, 20 t",
                    "specification": "Grade 1 red jujubes, moisture under 25%, in 10 kg cartons",
                    "quantity": 2000,
                    "unit": "carton",
                    "target_unit_amount": 9000,
                    "currency": "CNY",
                    "deliver_to": {"province": "Zhejiang", "prefecture": "Hangzhou"},
                    "quote_deadline": "2030-01-15T12:00:00Z",
                }
            ]
        }
    )

    category: Categories
    title: StrictStr = Field(min_length=1, max_length=120, pattern=r"\S")
    specification: StrictStr = Field(min_length=1, max_length=5000, pattern=r"\S")
    quantity: StrictInt = Field(ge=1, le=100_000_000)
    unit: StrictStr = Field(min_length=1, max_length=20, pattern=r"\S")
    target_unit_amount: StrictInt | None = Field(default=None, ge=1, le=10**12, description="minor units")
    currency: StrictStr = Field(pattern=r"^[A-Z]{3}$")
    deliver_to: DeliverTo
    quote_deadline: StrictStr = Field(min_length=10, max_length=40, description="ISO-8601, 1 hour to 90 days out")
    attachments: list[Annotated[StrictStr, Field(min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=5, description="media ids from POST /v1/me/business/uploads"
    )


class SampleOfferIn(Strict):
    amount: StrictInt = Field(ge=1, le=10**12, description="minor units, for the whole sample")
    quantity: StrictInt = Field(ge=1, le=1_000_000)


class QuoteIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_amount": {"amount": 8600, "currency": "CNY"},
                    "moq": 500,
                    "lead_time_days": 12,
                    "valid_until": "2030-02-15T12:00:00Z",
                    "sample": {"amount": 3000, "quantity": 2},
                    "note": "Harvest of October; cold storage in Hotan.",
                }
            ]
        }
    )

    unit_amount: Price
    moq: StrictInt = Field(ge=1, le=100_000_000)
    lead_time_days: StrictInt = Field(ge=0, le=365)
    valid_until: StrictStr = Field(min_length=10, max_length=40, description="ISO-8601, at most 180 days out")
    sample: SampleOfferIn | None = None
    note: StrictStr = Field(default="", max_length=2000)
    product_id: StrictStr | None = Field(
        default=None, max_length=80, description="a catalog product of the shop: its stock goes down on acceptance"
    )


class MessageIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Can you ship in 5 kg cartons instead?"}]})

    text: StrictStr = Field(min_length=1, max_length=2000, pattern=r"\S")


class AcceptIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "quantity": 2000,
                    "delivery": {
                        "name": "Dilnur Abdulla",
                        "phone": "+86 998 555 0142",
                        "lines": ["18 Jiefang South Road"],
                        "city": "Kashgar",
                        "region": "Xinjiang",
                        "postal_code": "844000",
                        "country": "CN",
                    },
                    "payment_method": "bank_transfer",
                }
            ]
        }
    )

    quantity: StrictInt = Field(ge=1, le=100_000_000)
    delivery: Address
    payment_method: Literal["cash_on_delivery", "bank_transfer", "card", "net_terms", "mir_card", "sbp"]


class InvoicePaidIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reference": "ICBC 6222 0210 0001 2345"}]})

    reference: StrictStr | None = Field(default=None, max_length=120, description="the bank transfer's reference")


# responses


class BusinessBadge(Public):
    business_id: str
    company_name: str
    verified: bool


class DocumentPublic(Public):
    media_id: str
    name: str
    content_type: str
    size: int
    url: str | None = Field(default=None, description="operators and the RFQ's sellers: a short-lived download link")


class CreditPublic(Public):
    limit: Money
    available: Money = Field(description="limit minus what orders and open invoices use (may be negative)")
    reserved: Money = Field(description="held by orders on terms not yet invoiced")
    receivable: Money = Field(description="owed on issued invoices")


class TermsPublic(Public):
    terms_days: int
    credit_limit: Money
    set_at: str


class BusinessPublic(Public):
    business_id: str
    company_name: str
    tax_id: str
    address: dict[str, Any]
    contact: dict[str, Any]
    documents: list[DocumentPublic]
    status: Literal["pending", "verified", "rejected"]
    reason: str | None
    verified_at: str | None
    terms: TermsPublic | None
    overdue_invoices: int
    net_terms_available: bool
    credit: CreditPublic | None = Field(default=None, description="the business's own view, with net terms")
    owner_id: str | None = Field(default=None, description="operators only")
    created_at: str
    updated_at: str


class BusinessesPage(Public):
    items: list[BusinessPublic]
    next_cursor: str | None


class TradeUploadTicket(Public):
    media_id: str
    upload: PresignedPost
    expires_in: int


class SupplierPublic(Public):
    shop_id: str
    categories: list[str]
    monthly_quota: int
    quotes_used_this_month: int


class RfqPublic(Public):
    rfq_id: str
    business: BusinessBadge
    category: str
    title: str
    specification: str
    quantity: int
    unit: str
    target_unit_price: Money | None
    deliver_to: dict[str, str]
    quote_deadline: str
    attachments: list[DocumentPublic]
    status: Literal["open", "awarded", "expired", "cancelled"]
    quote_count: int
    accepted_quote_id: str | None = Field(default=None, description="the buyer's view, or the winner's")
    order_id: str | None = Field(default=None, description="the buyer's view only")
    created_at: str
    updated_at: str


class RfqsPage(Public):
    items: list[RfqPublic]
    next_cursor: str | None


class SampleOfferPublic(Public):
    price: Money
    quantity: int


class QuotePublic(Public):
    quote_id: str
    rfq_id: str
    shop: OrderShop
    unit_price: Money
    moq: int
    lead_time_days: int
    valid_until: str
    sample: SampleOfferPublic | None
    note: str
    product_id: str | None
    product_title: str | None
    status: Literal["live", "accepted", "not_selected", "expired", "withdrawn"]
    revision: int = Field(description="0 for the first version; each revision adds one")
    revisions: list[dict[str, Any]]
    created_at: str
    updated_at: str


class QuotesPage(Public):
    items: list[QuotePublic]
    next_cursor: str | None


class SellerRfqPublic(Public):
    rfq: RfqPublic
    my_quote: QuotePublic | None


class MessagePublic(Public):
    message_id: str
    quote_id: str
    author: Literal["buyer", "seller"]
    text: str
    at: str


class MessagesPage(Public):
    items: list[MessagePublic]
    next_cursor: str | None


class AcceptResult(Public):
    rfq_id: str
    quote_id: str
    order: OrderPublic
    replayed: bool


class InvoiceLinePublic(Public):
    title: str
    quantity: int
    unit: str
    unit_price: Money
    amount: Money
    vat_rate: str = Field(description="a decimal string, e.g. 0.09")
    vat: Money


class InvoicePublic(Public):
    invoice_id: str
    number: str = Field(description="the seller's sequence, without gaps")
    seller: dict[str, Any]
    order_id: str
    bill_to: dict[str, Any]
    lines: list[InvoiceLinePublic]
    total: Money
    vat: Money
    net: Money
    terms_days: int
    issued_at: str
    due_at: str
    status: Literal["open", "overdue", "paid"]
    paid_at: str | None
    payment: dict[str, Any] | None


class InvoicesPage(Public):
    items: list[InvoicePublic]
    next_cursor: str | None


# --- issue 15: makers, origins, geographic indications, harvests and pre-sale -----------------------------


class MakerCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Aygul Tursun",
                    "story": "Third-generation atlas weaver; ties and dyes every warp by hand.",
                    "workshop": "Jiya atlas workshop",
                    "region": {"province": "Xinjiang", "prefecture": "Hotan", "county": "Lop"},
                    "craft": "atlas silk weaving",
                }
            ]
        }
    )

    name: StrictStr = Field(min_length=1, max_length=100, pattern=r"\S")
    story: StrictStr = Field(default="", max_length=4000)
    workshop: StrictStr = Field(default="", max_length=200)
    region: Region
    craft: StrictStr = Field(min_length=1, max_length=80, pattern=r"\S")
    photo: StrictStr | None = Field(
        default=None, min_length=1, max_length=80, description="upload_id of a completed maker_photo upload"
    )


class MakerUpdate(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"story": "Weaving atlas since 1998."}]})

    name: StrictStr | None = Field(default=None, min_length=1, max_length=100, pattern=r"\S")
    story: StrictStr | None = Field(default=None, max_length=4000)
    workshop: StrictStr | None = Field(default=None, max_length=200)
    region: Region | None = None
    craft: StrictStr | None = Field(default=None, min_length=1, max_length=80, pattern=r"\S")
    photo: StrictStr | None = Field(default=None, min_length=1, max_length=80)


class ShopUploadCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"purpose": "gi_document", "content_type": "application/pdf", "size": 182044}]}
    )

    purpose: Literal["maker_photo", "gi_document"]
    content_type: Literal["image/jpeg", "image/png", "image/webp", "application/pdf"]
    size: StrictInt = Field(ge=1, le=10 * 1024 * 1024)


class GiClaimCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "product_ids": ["prd_01HX7Q"],
                    "register": "CNIPA",
                    "registration_number": "AGI2011-01-0522",
                    "protected_name": "Hotan jujube (和田大枣)",
                    "document": "upl_01HX7Q",
                }
            ]
        }
    )

    product_ids: list[Annotated[StrictStr, Field(min_length=1, max_length=80)]] = Field(min_length=1, max_length=20)
    # "register" is a name pydantic keeps for itself: the field is register_, sent and documented as "register"
    register_: Literal["CNIPA", "MARA", "other"] = Field(alias="register")
    registration_number: StrictStr = Field(min_length=1, max_length=60, pattern=r"^[\w./() -]+$")
    protected_name: StrictStr = Field(min_length=1, max_length=120, pattern=r"\S")
    document: StrictStr = Field(min_length=1, max_length=80, description="upload_id of a completed gi_document")


class GiDecisionIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "The registration number is not CNIPA's."}]})

    reason: StrictStr = Field(min_length=1, max_length=500, pattern=r"\S")


class PresalePublic(Public):
    ships_from: str
    deposit_percent: int | None = None


class HarvestWindowPublic(Public):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str


class SeasonPublic(Public):
    state: Literal["in_season", "presale", "out_of_season"]
    season_months: list[int]
    harvest_window: HarvestWindowPublic | None = None
    ships_from: str | None = Field(default=None, description="pre-sale: orders ship from this day")
    deposit_percent: int | None = Field(default=None, description="pre-sale: the share paid now")


class GiBadgePublic(Public):
    protected_name: str
    register_: str = Field(alias="register")
    registration_number: str | None = None


class DepositPublic(Public):
    deposit: Money
    balance: Money
    deposit_paid_at: str | None


class FilePublic(Public):
    url: str
    content_type: str
    thumbnail_url: str | None = None
    medium_url: str | None = None
    width: int | None = None
    height: int | None = None


class MakerPublic(Public):
    maker_id: str
    shop_id: str
    name: str
    story: str
    workshop: str
    region: RegionPublic
    craft: str
    photo: FilePublic | None
    created_at: str | None = Field(default=None, description="owner view only")
    updated_at: str
    version: int | None = Field(default=None, description="owner view only")


class MakersPage(Public):
    items: list[MakerPublic]
    next_cursor: str | None


class MakerPagePublic(Public):
    maker: MakerPublic | None = Field(description="the maker, on the first page (null on the pages after it)")
    items: list[ProductCard]
    next_cursor: str | None


class ShopUploadTicket(Public):
    upload_id: str
    upload: PresignedPost
    expires_in: int


class ShopUploadPublic(Public):
    upload_id: str
    purpose: Literal["maker_photo", "gi_document"]
    status: Literal["pending", "ready"]
    file: FilePublic | None


class GiClaimPublic(Public):
    claim_id: str
    shop_id: str
    product_ids: list[str]
    register_: Literal["CNIPA", "MARA", "other"] = Field(alias="register")
    registration_number: str
    protected_name: str
    document: FilePublic
    status: Literal["pending", "verified", "rejected", "revoked"]
    created_at: str
    updated_at: str
    decided_at: str | None
    reason: str | None


class GiClaimsPage(Public):
    items: list[GiClaimPublic]
    next_cursor: str | None


class CountyCount(Public):
    county: str
    count: int


class PrefectureCount(Public):
    prefecture: str
    count: int
    counties: list[CountyCount]


class ProvinceCount(Public):
    province: str
    count: int
    prefectures: list[PrefectureCount]


class OriginsPublic(Public):
    storefront: Storefront
    items: list[ProvinceCount] = Field(description="provinces -> prefectures -> counties with live product counts")


# --- issue 12: markets -------------------------------------------------------------------------------


class MarketPublic(Public):
    market: str
    currency: str
    languages: list[str]


class FxRateIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rate": "12.8345", "as_of": "2026-11-30T09:00:00Z"}]})

    rate: StrictStr = Field(
        pattern=r"^\d{1,6}(\.\d{1,8})?$", description="a decimal string (never a float): 1 base = rate quote"
    )
    as_of: StrictStr | None = Field(
        default=None,
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$",
        description="UTC ISO-8601; default now",
    )


class FxRatePublic(Public):
    rate_id: str
    pair: str
    rate: str
    as_of: str
    recorded_at: str
    recorded_by: str


class FxRatesPage(Public):
    items: list[FxRatePublic]
    next_cursor: str | None


class MarketList(RootModel[list[MarketPublic]]):
    """A bare list, as the issue asks: [{"market", "currency", "languages"}]."""


class RuNotificationIn(BaseModel):
    """The acquirer's notification (its fields as it sends them; unknown ones are kept for the Token)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "TerminalKey": "BazaarLocal",
                    "OrderId": "ord_1",
                    "Success": True,
                    "Status": "CONFIRMED",
                    "PaymentId": 1000001,
                    "ErrorCode": "0",
                    "Amount": 205339,
                    "Token": "0" * 64,
                }
            ]
        },
    )

    TerminalKey: StrictStr = Field(max_length=40)
    OrderId: StrictStr = Field(max_length=60)
    Status: StrictStr = Field(max_length=40)
    PaymentId: StrictInt | StrictStr
    Token: StrictStr = Field(max_length=64)


class RuNotificationAnswer(Public):
    status: str


# --- issue 12: the delivery promise ----------------------------------------------------------------


class ZoneIn(Strict):
    zone: StrictStr = Field(min_length=1, max_length=30, pattern=r"^[a-z0-9][a-z0-9-]*$")
    cities: list[Annotated[StrictStr, Field(min_length=1, max_length=60)]] | None = Field(
        default=None, max_length=200, description="none: every city not in another zone"
    )
    promise_days: StrictInt = Field(ge=1, le=120)


class ZonesIn(RootModel[Annotated[list[ZoneIn], Field(min_length=1, max_length=20)]]):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                [
                    {
                        "zone": "core",
                        "cities": ["Moscow", "Saint Petersburg", "Novosibirsk", "Yekaterinburg", "Kazan"],
                        "promise_days": 15,
                    },
                    {"zone": "rest", "promise_days": 30},
                ]
            ]
        }
    )


class CompensationIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"type": "points", "value": 500}]})

    type: Literal["points", "coupon", "percent_refund"] = Field(description="coupon: not available yet (400)")
    value: StrictInt = Field(ge=1, le=1_000_000, description="points, or the percent of the order refunded")
    funded_by: Literal["platform", "seller"] = Field(
        default="platform", description="percent_refund: who pays it (the seller: debited through the ledger)"
    )


class ZonePublic(Public):
    zone: str
    cities: list[str] | None = None
    promise_days: int


class DeliveryTermsPublic(Public):
    zones: list[ZonePublic]
    compensation: dict[str, Any] | None


def _real_utc_time(value: str) -> str:
    """A time of the right shape that is also a real date and time (not 2026-02-30T25:00:00Z)."""
    import datetime as dt

    dt.datetime.fromisoformat(value.replace("Z", "+00:00"))  # ValueError -> a 400 naming the field
    return value


class TrackingIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"event": "handed_to_carrier", "at": "2026-11-30T08:00:00Z", "location": "Urumqi"}]
        }
    )

    event: Literal[
        "handed_to_carrier", "export_customs", "import_customs", "arrived_in_city", "delivery_attempt", "delivered"
    ]
    at: Annotated[StrictStr, AfterValidator(_real_utc_time)] = Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$", description="UTC"
    )
    location: StrictStr | None = Field(default=None, min_length=1, max_length=100)
    carrier_id: StrictStr | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="issue 12, handed_to_carrier only: the registered carrier, which may then post this "
        "parcel's events itself",
    )
    tracking_number: StrictStr | None = Field(default=None, min_length=1, max_length=60, pattern=r"^[A-Za-z0-9-]+$")


class TrackingPublic(Public):
    event: str
    at: str
    location: str | None = None
    recorded_at: str


class DeliveryPromisePublic(Public):
    zone: str
    city: str | None
    promise_days: int
    processing_days: int
    status: Literal["open", "kept", "compensated", "void"] | None = None
    promised_by: str | None = Field(default=None, description="the day it is promised by (set when paid)")
    delivered_by: str | None = Field(default=None, description="product page: if bought and paid today")
    compensation: dict[str, Any] | None = None
    void_reason: str | None = None


class AddressChangeIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "delivery": {
                        "name": "Анна Смирнова",
                        "phone": "+7 912 555 0142",
                        "lines": ["ул. Баумана, 7"],
                        "city": "Kazan",
                        "region": "Tatarstan",
                        "postal_code": "420111",
                        "country": "RU",
                    }
                }
            ]
        }
    )

    delivery: Address


# --- villagers a partner serves (issue 11) -------------------------------------------------------------------

VillagerPhone = Field(default=None, min_length=5, max_length=30, pattern=r"^\+?[0-9][0-9 ()-]{3,28}[0-9]$")
IsoDateTime = Field(
    min_length=16,
    max_length=40,
    pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$",
    description="ISO-8601 with a time zone",
)


class ConsentIn(Strict):
    method: Literal["signed_form", "witnessed_verbal"]
    recorded_at: StrictStr = IsoDateTime
    witness: StrictStr | None = Field(
        default=None, max_length=100, description="who witnessed a verbal consent (required for witnessed_verbal)"
    )


class VillagerIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Aynur Tohti",
                    "phone": "+86 998 555 0142",
                    "consent": {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"},
                }
            ]
        }
    )

    name: StrictStr = Field(min_length=1, max_length=100)
    phone: StrictStr | None = VillagerPhone
    consent: ConsentIn = Field(description="the villager's consent to keep this profile: required")


class VillagerPatchIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Aynur Tohti", "phone": None}, {"phone": "+86 998 555 0199"}]}
    )

    name: StrictStr | None = Field(default=None, min_length=1, max_length=100)
    phone: StrictStr | None = VillagerPhone
    consent: ConsentIn | None = None


class ConsentPublic(Public):
    method: str
    recorded_at: str | None
    witness: str | None


class VillagerPublic(Public):
    villager_id: str
    village_id: str
    name: str | None = Field(description="null once erased")
    phone: str | None
    consent: ConsentPublic
    erased: bool
    created_at: str
    updated_at: str
    erased_at: str | None


class VillagersPage(Public):
    items: list[VillagerPublic]
    next_cursor: str | None


# --- assisted orders and the service fee (issue 11) ----------------------------------------------------------


class FeeRuleIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"percent_bp": 300, "min_amount": 100, "max_amount": 2000, "currency": "CNY"}]}
    )

    percent_bp: StrictInt = Field(ge=0, le=2000, description="basis points of an order's goods (300 = 3 %)")
    min_amount: StrictInt = Field(ge=0, le=10**9, description="minor units")
    max_amount: StrictInt = Field(ge=0, le=10**9, description="minor units")
    currency: StrictStr = Field(pattern=r"^[A-Z]{3}$")


class FeeRulePublic(Public):
    county_id: str
    percent_bp: int
    min_amount: int
    max_amount: int
    currency: str
    updated_at: str


class AssistedLineIn(Strict):
    product_id: StrictStr = Id
    quantity: StrictInt = Field(ge=1, le=100_000)


class AssistedQuoteIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"villager_id": "vgr_01HX7Q", "lines": [{"product_id": "prd_01HX7Q", "quantity": 2}]}]
        }
    )

    villager_id: StrictStr = Id
    lines: list[AssistedLineIn] = Field(min_length=1, max_length=40)


class AssistedOrderIn(AssistedQuoteIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "villager_id": "vgr_01HX7Q",
                    "lines": [{"product_id": "prd_01HX7Q", "quantity": 2}],
                    "payment": "cash_on_pickup",
                }
            ]
        }
    )

    payment: Literal["cash_on_pickup", "paid_by_partner"]


class AssistedPublic(Public):
    placed_by: str
    villager_id: str
    payment: Literal["cash_on_pickup", "paid_by_partner"]
    service_fee: Money
    due_at_pickup: Money = Field(description="goods + fee for cash_on_pickup, the fee alone when paid_by_partner")


class QuoteLinePublic(Public):
    product_id: str
    title: str
    quantity: int
    unit_price: Money
    total: Money


class ShopQuotePublic(Public):
    shop_id: str
    shop_name: str
    storefront: str
    lines: list[QuoteLinePublic]
    goods_total: Money
    service_fee: Money
    total: Money


class AssistedQuotePublic(Public):
    village_id: str
    villager_id: str
    orders: list[ShopQuotePublic] = Field(description="one order per shop")
    goods_total: Money
    service_fee: Money
    total: Money
    fee_rule: dict | None = Field(description="the county's rule: percent_bp, min_amount, max_amount, currency")


class AssistedOrdersPublic(Public):
    checkout_id: str
    villager_id: str
    payment: Literal["cash_on_pickup", "paid_by_partner"]
    orders: list[ParcelPublic]
    goods_total: Money
    service_fee: Money
    total: Money
    replayed: bool


# --- the partner's cash and remittances (issue 11) -----------------------------------------------------------


class RemitIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount": 50000}]})

    amount: StrictInt = Field(ge=1, le=10**10, description="fen: at most the cash on hand")


class ConfirmRemittanceIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount_received": 49500}]})

    amount_received: StrictInt = Field(ge=0, le=10**10, description="fen counted at the county centre")


class RemittancePublic(Public):
    remittance_id: str
    village_id: str
    village_name: str
    county_id: str
    amount: Money
    status: Literal["pending", "confirmed"]
    amount_received: Money | None
    variance: Money | None = Field(description="amount - amount_received (positive: less arrived)")
    created_at: str
    confirmed_at: str | None


class RemittancesPage(Public):
    items: list[RemittancePublic]
    next_cursor: str | None


class VillageLedgerEntryPublic(Public):
    posting_id: str
    kind: str
    amount: Money = Field(description="into the account (negative: out of it)")
    balance_after: Money | None
    at: str
    order_id: str | None
    remittance_id: str | None
    memo: str


class VillageStatementPublic(Public):
    village_id: str
    account: Literal["cash", "fees", "remittances", "goods", "commissions"]
    start_at: str
    end_at: str
    opening: Money
    closing: Money
    items: list[VillageLedgerEntryPublic] = Field(description="this page's movements, oldest first")
    next_cursor: str | None
    cash_on_hand: Money = Field(description="now: cash collected and not yet remitted")
    fees_earned: Money = Field(description="now: service fees earned, net of those given back")
    in_transit: Money = Field(description="now: remitted, not yet confirmed by the county")
    goods_paid: Money = Field(description="now: goods the partner paid for villagers (paid_by_partner orders)")
    commissions_earned: Money = Field(description="now: the partner's commission on their producers' sales")


# --- buyer trust (issue 13): disputes, points, reviews ---------------------------------------------------------

MediaIds = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=80)]], Field(max_length=6)]


class DisputeLineIn(Strict):
    line_id: StrictStr = Field(min_length=1, max_length=120)
    quantity: StrictInt = Field(ge=1, le=1_000_000)


class DisputeIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lines": [{"line_id": "ord_01HX7Q-1", "quantity": 1}],
                    "reason": "damaged",
                    "description": "The scarf arrived torn along one edge.",
                    "evidence": [],
                }
            ]
        }
    )

    lines: list[DisputeLineIn] = Field(min_length=1, max_length=40)
    reason: Literal["not_as_described", "damaged", "counterfeit", "not_received"]
    description: StrictStr = Field(min_length=1, max_length=2000)
    evidence: MediaIds = Field(default_factory=list, description="media ids from POST /v1/me/uploads (completed)")


class DisputeResponseIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"action": "partial_refund", "amount": 100, "message": "Sorry: here is part of it back."}]
        }
    )

    action: Literal["refund", "partial_refund", "return_and_refund", "reject"]
    amount: StrictInt | None = Field(default=None, ge=1, le=10**12, description="partial_refund only")
    message: StrictStr = Field(min_length=1, max_length=2000)
    evidence: MediaIds = Field(default_factory=list)


class DisputeDecisionIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refund_amount": 100, "funded_by": "platform", "note": "Photos show transit damage."}]
        }
    )

    refund_amount: StrictInt = Field(ge=0, le=10**12, description="minor units; 0 rejects the claim")
    funded_by: Literal["seller", "platform"]
    note: StrictStr = Field(min_length=1, max_length=2000)


class UploadIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"content_type": "image/png", "size": 2048}]})

    content_type: StrictStr = Field(min_length=1, max_length=100)
    size: StrictInt = Field(ge=1, le=10 * 1024 * 1024)


class EarnRuleIn(Strict):
    currency: Literal["CNY", "RUB"]
    points: StrictInt = Field(ge=1, le=1000)
    per_amount: StrictInt = Field(ge=1, le=10**9, description="minor units of goods that earn `points`")


class PointsRulesIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "markets": [
                        {"currency": "CNY", "points": 1, "per_amount": 100},
                        {"currency": "RUB", "points": 1, "per_amount": 1000},
                    ]
                }
            ]
        }
    )

    markets: list[EarnRuleIn] = Field(min_length=1, max_length=10)


class BinRangeIn(Strict):
    from_: StrictStr = Field(alias="from", pattern=r"^\d{6,8}$")
    to: StrictStr | None = Field(default=None, pattern=r"^\d{6,8}$")


class PartnerBankIn(Strict):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {"name": "Silk Road Bank", "bin_ranges": [{"from": "622848", "to": "622849"}], "multiplier": "2"}
            ]
        },
    )

    name: StrictStr = Field(min_length=1, max_length=100)
    bin_ranges: list[BinRangeIn] = Field(min_length=1, max_length=50)
    multiplier: StrictStr = Field(min_length=1, max_length=8, pattern=r"^\d+(\.\d{1,2})?$")


class ProductReviewIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"rating": 5, "text": "Beautiful silk, fast delivery.", "photos": []}]}
    )

    rating: StrictInt = Field(ge=1, le=5)
    text: StrictStr = Field(default="", max_length=2000)
    photos: MediaIds = Field(default_factory=list)


class ReviewReplyIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Thank you for your kind words!"}]})

    text: StrictStr = Field(min_length=1, max_length=2000)


class ReasonIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Offensive language"}]})

    reason: StrictStr = Field(min_length=1, max_length=500)


class PicturePublic(Public):
    media_id: str
    url: str | None


class DisputeLinePublic(Public):
    line_id: str
    product_id: str
    title: str
    quantity: int
    amount: Money


class DisputeStepPublic(Public):
    at: str
    actor: str
    action: str
    note: str
    amount: Money | None


class DisputePublic(Public):
    dispute_id: str
    order_id: str
    shop_id: str
    status: Literal["awaiting_seller", "awaiting_buyer", "escalated", "resolved", "closed", "decided"]
    reason: str
    description: str
    lines: list[DisputeLinePublic]
    claimed: Money
    evidence: list[PicturePublic]
    seller_evidence: list[PicturePublic]
    due_at: str | None = Field(description="when the clock escalates it, if nobody acts")
    response: dict[str, Any] | None
    decision: dict[str, Any] | None
    refund: dict[str, Any] | None
    steps: list[DisputeStepPublic]
    created_at: str
    updated_at: str


class DisputesPage(Public):
    items: list[DisputePublic]
    next_cursor: str | None


class UploadPublic(Public):
    media_id: str
    upload: PresignedPost
    expires_in: int


class UploadedPublic(Public):
    media_id: str
    url: str
    thumbnail_url: str


class PointsEntryPublic(Public):
    points: int = Field(description="positive: in, negative: out")
    kind: str
    at: str
    balance_after: int | None
    order_id: str | None
    memo: str


class PointsPublic(Public):
    balance: int
    expiring_soon: list[dict[str, Any]] = Field(description="[{points, expires_at}] within 30 days, oldest first")
    items: list[PointsEntryPublic]
    next_cursor: str | None


class PointsRulesPublic(Public):
    markets: list[dict[str, Any]]
    updated_at: str | None


class PartnerBankPublic(Public):
    name: str
    bin_ranges: list[dict[str, str]]
    multiplier: str
    updated_at: str | None


class ReviewPublic(Public):
    review_id: str
    product_id: str
    order_id: str | None = Field(default=None, description="the parties only")
    line_id: str | None = Field(default=None, description="the parties only")
    rating: int
    text: str
    photos: list[PicturePublic]
    author: str
    created_at: str
    status: Literal["visible", "hidden"]
    reply: dict[str, Any] | None
    hidden: dict[str, Any] | None = None
    hide_request: dict[str, Any] | None = None


class ReviewsPage(Public):
    items: list[ReviewPublic]
    next_cursor: str | None


class RatingPublic(Public):
    average: str | None
    count: int
    stars: list[int]


class ShopTrustPublic(Public):
    shop_id: str
    rating: RatingPublic
    disputes: dict[str, Any] = Field(description="the last 90 days: delivered orders, disputes opened, percent")


# --- issue 19: buy together (group buys) -----------------------------------------------------------------------


class GroupBuyIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"product_id": "prd_example", "target_quantity": 50, "deadline": "2030-01-10T12:00:00Z"}]
        }
    )

    product_id: StrictStr = Field(min_length=1, max_length=64)
    target_quantity: StrictInt | None = Field(
        default=None, ge=1, le=100_000_000, description="the product's MOQ (default) or a higher tier's min_quantity"
    )
    deadline: StrictStr = Field(
        min_length=10, max_length=40, description="ISO-8601 with a zone, 10 minutes to 14 days away"
    )


class CommitmentIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "quantity": 20,
                    "delivery": {
                        "name": "Dilnur Abdulla",
                        "phone": "+86 998 555 0142",
                        "lines": ["7 Jiefang North Road"],
                        "city": "Kashgar",
                        "region": "Xinjiang",
                        "postal_code": "844000",
                        "country": "CN",
                    },
                    "payment_method": "bank_transfer",
                }
            ]
        }
    )

    quantity: StrictInt = Field(ge=1, le=1_000_000, description="below the MOQ on purpose; order multiples apply")
    delivery: Address | None = Field(default=None, description="a buyer's own commitment: where to deliver")
    villager_id: StrictStr | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        pattern=r"^[A-Za-z0-9_-]+$",
        description=(
            "a village partner's commitment for one of their villagers (instead of `delivery`): delivered to the "
            "partner's village pickup point, placed by the partner for the villager"
        ),
    )
    payment_method: Literal["cash_on_delivery", "bank_transfer", "card", "cash_on_pickup", "paid_by_partner"] = Field(
        description="a buyer: cash_on_delivery, bank_transfer or card; for a villager: cash_on_pickup (the partner "
        "collects at the handover) or paid_by_partner (by bank transfer)"
    )

    @model_validator(mode="after")
    def _one_recipient(self) -> CommitmentIn:
        if (self.delivery is None) == (self.villager_id is None):
            raise ValueError("give either delivery (your own commitment) or villager_id (a partner's for a villager)")
        villager_payments = ("cash_on_pickup", "paid_by_partner")
        if self.villager_id is not None and self.payment_method not in villager_payments:
            raise ValueError("a commitment for a villager is paid cash_on_pickup or paid_by_partner")
        if self.delivery is not None and self.payment_method in villager_payments:
            raise ValueError("cash_on_pickup and paid_by_partner are for commitments for a villager")
        return self


class CommitmentPublic(Public):
    group_id: str
    quantity: int
    delivery: dict[str, Any]
    payment_method: str
    committed_at: str
    order_id: str = Field(description="the order this commitment becomes when the group closes")
    villager_id: str | None = Field(default=None, description="a partner's commitment: for this villager")
    village_id: str | None = Field(default=None, description="a partner's commitment: collected at this village")


class TierPublic(Public):
    min_quantity: int
    unit_price: Money


class GroupProductPublic(Public):
    product_id: str
    title: str
    shop_id: str
    shop_name: str
    unit: str
    moq: int
    order_multiple: int
    tiers: list[TierPublic]


class GroupBuyPublic(Public):
    group_id: str
    status: Literal["open", "closing", "closed", "failed"]
    product: GroupProductPublic
    target_quantity: int
    committed_quantity: int
    participants: int
    tier_reached: TierPublic | None = Field(description="the highest tier the committed total reaches")
    next_tier: TierPublic | None
    price_per_unit: Money = Field(description="at the tier the total reaches (the first tier's while below)")
    deadline: str
    seconds_left: int
    failure: str | None = Field(description="below_moq | out_of_stock | product_unavailable | shop_unavailable")
    share_url: str
    created_at: str
    closed_at: str | None
    my_commitment: CommitmentPublic | None = Field(default=None, description="to a participant: their own only")
    picture_url: str | None = Field(default=None, description="the product's first picture (stable URL)")


class GroupBuysPage(Public):
    items: list[GroupBuyPublic]
    next_cursor: str | None


class CommitmentsPage(Public):
    items: list[CommitmentPublic]
    next_cursor: str | None


class CommitResult(Public):
    group_id: str
    commitment: CommitmentPublic
    replayed: bool


# --- producers a village partner sells for (issue 11) ----------------------------------------------------------


class ProducerPayoutIn(Strict):
    method: Literal["bank_account", "cash_via_partner"]
    details: PayoutAccountIn | None = Field(default=None, description="required for bank_account, refused for cash")


class ProducerIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Gulnar Ismail",
                    "phone": "+86 998 555 0177",
                    "consent": {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"},
                    "payout": {"method": "cash_via_partner"},
                }
            ]
        }
    )

    name: StrictStr = Field(min_length=1, max_length=100)
    phone: StrictStr | None = VillagerPhone
    consent: ConsentIn = Field(description="the producer's consent to keep this profile: required")
    payout: ProducerPayoutIn


class ProducerShopIn(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Gulnar's Doppa Caps",
                    "storefront": "handicrafts",
                    "description": "Embroidered doppa caps from Opal village",
                }
            ]
        }
    )

    name: StrictStr = Field(min_length=1, max_length=80, pattern=r"\S")
    storefront: Literal["handicrafts", "specialties"]
    description: StrictStr = Field(default="", max_length=2000)
    region: Region | None = Field(default=None, description="default: the village's county")
    slug: StrictStr | None = Field(default=None, min_length=1, max_length=60)


class ProducerCommissionIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"percent_bp": 1000, "currency": "CNY"}]})

    percent_bp: StrictInt = Field(ge=0, le=5_000, description="basis points of the goods value: 1000 = 10 %")
    currency: StrictStr = Field(pattern=r"^[A-Z]{3}$")


class ProducerPayoutPublic(Public):
    method: Literal["bank_account", "cash_via_partner"]
    details: dict | None = Field(description="the bank account, masked")


class ProducerPublic(Public):
    producer_id: str
    village_id: str
    name: str | None = Field(description="null once erased")
    phone: str | None
    consent: ConsentPublic
    payout: ProducerPayoutPublic
    shop_id: str | None
    erased: bool
    created_at: str
    updated_at: str
    erased_at: str | None


class ProducersPage(Public):
    items: list[ProducerPublic]
    next_cursor: str | None


class ProducerShopPublic(Public):
    producer: ProducerPublic
    shop: ShopPublic


class ProducerStatementPublic(Public):
    producer_id: str
    village_id: str
    account: str
    start_at: str
    end_at: str
    opening: Money
    closing: Money
    items: list[VillageLedgerEntryPublic] = Field(description="this page's movements, oldest first")
    next_cursor: str | None


class ProducerCommissionTermsPublic(Public):
    percent_bp: int
    currency: str
    effective_from: str


class ProducerCommissionPublic(Public):
    county_id: str
    percent_bp: int
    currency: str
    effective_from: str
    history: list[ProducerCommissionTermsPublic] = Field(description="orders pay the terms in force when placed")


# --- issue 12: coupons (the compensation of a missed delivery promise) -----------------------------------


class OrderCouponPublic(Public):
    code: str
    discount: Money = Field(description="taken off this order's charge, in the charge's currency")
    base_amount: Money = Field(description="its value in the order's currency, paid to the seller by the platform")
    funded_by: Literal["platform"] = "platform"


class CheckoutCouponPublic(Public):
    code: str
    discount: Money


class CouponPublic(Public):
    code: str
    value: Money
    status: Literal["active", "used", "expired"]
    issued_at: str
    expires_at: str
    reason: str = Field(description="delivery_promise: a missed delivery promise")
    order_id: str = Field(description="the order it compensates")
    redeemed_at: str | None
    restored_at: str | None = Field(
        default=None,
        description="the last time it came back to you: every order it paid for was cancelled (it is usable again "
        "until expires_at)",
    )


class CouponsPage(Public):
    items: list[CouponPublic]
    next_cursor: str | None


# --- issue 12: carriers -------------------------------------------------------------------------------------


class CarrierIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Cainiao Russia"}]})

    name: StrictStr = Field(min_length=1, max_length=80, pattern=r"\S")


class CarrierRegistered(Public):
    carrier_id: str
    name: str
    created_at: str
    signing_secret: str = Field(
        description="hand it to the carrier: it signs X-Carrier-Signature = hex HMAC-SHA256(secret, "
        "'<X-Carrier-Timestamp>.<raw body>')"
    )


class OrderCarrierPublic(Public):
    carrier_id: str
    name: str
    tracking_number: str | None


# --- issue 12: the carriers operators manage ----------------------------------------------------------------


class CarrierPublic(Public):
    carrier_id: str
    name: str
    status: Literal["active", "suspended"]
    created_at: str
    created_by: str
    suspended_at: str | None = Field(description="while suspended: when")
    suspended_by: str | None = Field(description="while suspended: the operator who suspended it")
    reason: str | None = Field(description="while suspended: why")
    key_version: int = Field(description="1 at registration, plus one per secret rotation")
    secret_rotated_at: str | None


class CarrierSecretRotated(Public):
    carrier_id: str
    name: str
    key_version: int
    secret_rotated_at: str
    signing_secret: str = Field(description="hand it to the carrier: the one it had is refused from now on")


class CarriersPage(Public):
    items: list[CarrierPublic]
    next_cursor: str | None


class CarrierSuspensionIn(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Contract ended on 30 November"}]})

    reason: StrictStr = Field(min_length=1, max_length=500, pattern=r"\S")
