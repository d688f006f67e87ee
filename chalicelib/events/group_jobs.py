"""Buy together's clock (issue 19): every 5 minutes, groups past their deadline close (total at or above the MOQ)
or fail (below it), and groups left `closing` by an interrupted close are finished. They are found through the
Trade table's due index (one partition per UTC day), never a scan; `make run` runs it too
(devtools/local_stack.py)."""

from __future__ import annotations

from chalice import Blueprint, Rate

from ..bootstrap import container

bp = Blueprint(__name__)


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="settle_group_buys")
def settle_group_buys(event):
    from ..services import group_buys

    c = container()
    return group_buys.run_due(c.group_buys, c.buying, c.events, now=c.clock())
