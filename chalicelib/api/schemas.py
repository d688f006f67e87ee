"""Request schemas (pydantic). Unknown fields are rejected; lengths and ranges are enforced here.

Storefront-specific product attributes are checked by domain/storefronts.py, the one home of those rules.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

Storefront = Literal["b2b", "handicrafts", "specialties"]
Name = Field(min_length=1, max_length=120)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class RegisterIn(Strict):
    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=128)
    role: Literal["buyer", "seller"]


class LoginIn(Strict):
    email: StrictStr = Field(max_length=254)
    password: StrictStr = Field(max_length=128)


class Region(Strict):
    province: StrictStr = Field(min_length=1, max_length=60)
    prefecture: StrictStr = Field(min_length=1, max_length=60)
    county: StrictStr = Field(min_length=1, max_length=60)


class ShopCreate(Strict):
    name: StrictStr = Field(min_length=1, max_length=80, pattern=r"\S")
    storefront: Storefront
    description: StrictStr = Field(default="", max_length=2000)
    region: Region
    slug: StrictStr | None = Field(default=None, min_length=1, max_length=60)


class ShopUpdate(Strict):
    name: StrictStr | None = Field(default=None, min_length=1, max_length=80, pattern=r"\S")
    description: StrictStr | None = Field(default=None, max_length=2000)
    region: Region | None = None


class Price(Strict):
    amount: StrictInt = Field(ge=1, le=10**12, description="integer minor units (fen for CNY)")
    currency: StrictStr = Field(pattern=r"^[A-Z]{3}$")


class ProductCreate(Strict):
    title: StrictStr = Field(min_length=1, max_length=120, pattern=r"\S")
    description: StrictStr = Field(default="", max_length=5000)
    category: StrictStr = Field(min_length=1, max_length=40)
    price: Price
    stock: StrictInt = Field(ge=0, le=1_000_000_000)
    status: Literal["draft", "active"] = "draft"
    attributes: dict[str, Any]

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
        }


class ProductUpdate(Strict):
    title: StrictStr | None = Field(default=None, min_length=1, max_length=120, pattern=r"\S")
    description: StrictStr | None = Field(default=None, max_length=5000)
    category: StrictStr | None = Field(default=None, min_length=1, max_length=40)
    price: Price | None = None
    stock: StrictInt | None = Field(default=None, ge=0, le=1_000_000_000)
    status: Literal["draft", "active"] | None = None
    attributes: dict[str, Any] | None = None

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
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size: StrictInt = Field(ge=1, le=10 * 1024 * 1024)


# --- response schemas (documented in the OpenAPI contract; tests validate every response against them) ---


class Public(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Public):
    field: str
    message: str


class ErrorInfo(Public):
    code: str = Field(description="stable machine-readable code, e.g. slug_taken, stale_product")
    message: str
    details: list[ErrorDetail] | None = None


class ErrorBody(Public):
    error: ErrorInfo


class UserPublic(Public):
    user_id: str
    email: str
    roles: list[Literal["buyer", "seller", "operator"]]


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


class ShopsPage(Public):
    items: list[ShopPublic]
    next_cursor: str | None


class Money(Public):
    amount: int = Field(description="integer minor units")
    currency: str


class MediaPublic(Public):
    media_id: str
    url: str
    thumbnail_url: str
    content_type: str
    width: int
    height: int


class ShopSummary(Public):
    shop_id: str
    name: str
    slug: str
    region: RegionPublic | None = None


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
    stock: int
    in_stock: bool
    shop: ShopSummary
    thumbnail_url: str | None
    created_at: str
    b2b: dict[str, Any] | None = None
    handicrafts: dict[str, Any] | None = None
    specialties: dict[str, Any] | None = None


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
