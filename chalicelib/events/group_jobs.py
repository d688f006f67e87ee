"""Buy together's clock (issue 19): every 5 minutes, groups past their deadline close (total at or above the MOQ)
or fail (below it), and groups left `closing` by an interrupted close are finished. They are found through the
Trade table's sharded due index (docs/data-model.md "Group buys"), never a scan; the local stack's one scheduler
runs `settle_due` too (devtools/local_stack.py)."""

from __future__ import annotations

from chalice import Blueprint, Rate

from ..bootstrap import container

bp = Blueprint(__name__)


def settle_due() -> dict[str, int]:
    from ..services import group_buys

    c = container()
    return group_buys.run_due(c.group_buys, c.buying, now=c.clock(), bank_transfer_hours=c.settings.bank_transfer_hours)


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="settle_group_buys")
def settle_group_buys(event):
    return settle_due()
