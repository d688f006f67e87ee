"""Reviews and ratings (issue 13): a verified buyer reviews a delivered order line once, within 90 days; the
seller replies once; operators hide a review (with a reason), at the seller's request or not. A review's rating
is added to its product's and shop's aggregates (and to the product item, which its page and its storefront cards
show) in the review's own transaction; hiding takes it out again in the hiding's transaction. No read of all
reviews ever: the aggregates are sums."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..domain.errors import Conflict, NotFound
from ..domain.identity import Actor, Role, require_role
from ..domain.trust import MAX_REVIEW_PHOTOS, Review, author_name, check_reviewable, review_id_for
from . import catalog as catalog_service
from .disputes import check_pictures, picture_keys
from .ports import BuyingRepository, CatalogRepository, Page, Position, TrustRepository
from .shops import owned_shop


def create_review(
    repo: BuyingRepository,
    trust: TrustRepository,
    catalog: CatalogRepository,
    actor: Actor,
    order_id: str,
    line_id: str,
    body: dict[str, Any],
    *,
    now: str,
) -> Review:
    require_role(actor, Role.BUYER)
    order = repo.get_order(order_id)
    if order is None or order.buyer_id != actor.user_id:
        raise NotFound("order not found", code="order_not_found")
    line = check_reviewable(order, line_id, actor.user_id, now)
    photos = list(body.get("photos") or [])[: MAX_REVIEW_PHOTOS + 1]
    review = Review(
        review_id=review_id_for(line_id),
        order_id=order.order_id,
        line_id=line_id,
        product_id=line.product_id,
        shop_id=order.shop_id,
        seller_id=order.seller_id,
        buyer_id=actor.user_id,
        storefront=order.storefront,
        rating=int(body["rating"]),
        text=body.get("text") or "",
        photos=check_pictures(trust, actor.user_id, photos),
        created_at=now,
        author=author_name(actor.email),
    )
    review = replace(review, photo_keys=picture_keys(trust, review.photos))
    repo.commit(trust.review_writes(review))
    catalog_service.refresh_cards(catalog, [review.product_id])
    return review


def product_reviews(
    trust: TrustRepository, product_id: str, sort: str, limit: int, start: Position | None
) -> Page[Review]:
    """Visible reviews only (hidden ones are not in the index): one Query per page."""
    return trust.product_reviews(product_id, sort, limit, start)


def shop_reviews(
    catalog: CatalogRepository, trust: TrustRepository, actor: Actor, shop_id: str, limit: int, start: Position | None
) -> Page[Review]:
    require_role(actor, Role.SELLER)
    page = trust.shop_reviews(shop_id, limit, start)
    if page.items and all(r.seller_id == actor.user_id for r in page.items):
        return page
    owned_shop(catalog, actor, shop_id)
    return page


def _shop_review(
    catalog: CatalogRepository, trust: TrustRepository, actor: Actor, shop_id: str, review_id: str
) -> Review:
    require_role(actor, Role.SELLER)
    review = trust.get_review(review_id)
    if review is not None and review.shop_id == shop_id and review.seller_id == actor.user_id:
        return review
    owned_shop(catalog, actor, shop_id)
    raise NotFound("review not found", code="review_not_found")


def reply(
    repo: BuyingRepository,
    trust: TrustRepository,
    catalog: CatalogRepository,
    actor: Actor,
    shop_id: str,
    review_id: str,
    text: str,
    *,
    now: str,
) -> Review:
    review = _shop_review(catalog, trust, actor, shop_id, review_id)
    if review.reply is not None:
        raise Conflict("the seller has replied to this review already", code="already_replied")
    replied = replace(review, reply={"text": text, "at": now})
    repo.commit(trust.review_update_writes(replied, review.version))
    return replace(replied, version=review.version + 1)


def request_hiding(
    repo: BuyingRepository,
    trust: TrustRepository,
    catalog: CatalogRepository,
    actor: Actor,
    shop_id: str,
    review_id: str,
    reason: str,
    *,
    now: str,
) -> Review:
    review = _shop_review(catalog, trust, actor, shop_id, review_id)
    if review.status == "hidden":
        raise Conflict("this review is hidden already", code="already_hidden")
    asked = replace(review, hide_request={"reason": reason, "at": now})
    repo.commit(trust.review_update_writes(asked, review.version))
    return replace(asked, version=review.version + 1)


def hide(
    repo: BuyingRepository,
    trust: TrustRepository,
    catalog: CatalogRepository,
    actor: Actor,
    review_id: str,
    reason: str,
    *,
    now: str,
) -> Review:
    """The operator hides a review: out of the product's pages and out of the aggregates, in one transaction."""
    require_role(actor, Role.OPERATOR)
    review = trust.get_review(review_id)
    if review is None:
        raise NotFound("review not found", code="review_not_found")
    if review.status == "hidden":
        raise Conflict("this review is hidden already", code="already_hidden")
    hidden = replace(review, status="hidden", hidden={"reason": reason, "at": now})
    repo.commit(trust.review_update_writes(hidden, review.version, rating_change=-1))
    catalog_service.refresh_cards(catalog, [review.product_id])
    return replace(hidden, version=review.version + 1)
