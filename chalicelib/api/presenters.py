"""Public shapes of what the API returns. Views return these only, so internal fields never leak."""

from __future__ import annotations

from ..domain.catalog import Product, Shop


def shop_public(shop: Shop, *, private: bool = False) -> dict:
    body = {
        "shop_id": shop.shop_id,
        "name": shop.name,
        "slug": shop.slug,
        "storefront": shop.storefront,
        "description": shop.description,
        "region": shop.region,
        "status": shop.status,
        "created_at": shop.created_at,
    }
    if private:
        body["updated_at"] = shop.updated_at
        body["owner_id"] = shop.owner_id
    return body


def media_public(ref, media_url) -> dict:
    return {
        "media_id": ref.media_id,
        "url": media_url(ref.key),
        "thumbnail_url": media_url(ref.thumbnail_key),
        "medium_url": media_url(ref.medium_key) if ref.medium_key else None,
        "content_type": ref.content_type,
        "width": ref.width,
        "height": ref.height,
        "thumbnail_width": ref.thumbnail_width or None,
        "medium_width": ref.medium_width or None,
    }


def product_public(p: Product, media_url, *, private: bool = False) -> dict:
    body = {
        "product_id": p.product_id,
        "shop_id": p.shop_id,
        "storefront": p.storefront,
        "title": p.title,
        "description": p.description,
        "category": p.category,
        "price": {"amount": p.price_amount, "currency": p.currency},
        "stock": p.stock,
        "in_stock": p.in_stock,
        "attributes": p.attributes,
        "media": [media_public(m, media_url) for m in p.media],
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }
    if private:
        body["status"] = p.status
        body["version"] = p.version
        body["listed"] = p.is_listed
    else:
        body["shop"] = {k: p.shop[k] for k in ("shop_id", "name", "slug", "region")}
        body["prefecture"] = p.prefecture
    return body


def card_public(card: dict, media_url) -> dict:
    out = {k: v for k, v in card.items() if k not in ("thumbnail_key", "medium_key", "stock")}
    # entries written before cards lost their stock count still carry it
    out["in_stock"] = card["in_stock"] if "in_stock" in card else card.get("stock", 0) > 0
    out["thumbnail_url"] = media_url(card["thumbnail_key"]) if card.get("thumbnail_key") else None
    out["medium_url"] = media_url(card["medium_key"]) if card.get("medium_key") else None
    return out
