"""Bazaar: registers the blueprints. No routes, no AWS clients and no settings are read here."""

from chalice import Chalice

from chalicelib.api import assisted as api_assisted
from chalicelib.api import (
    buying,
    docs,
    fulfilment,
    group_buys,
    identity,
    middleware,
    money,
    payments,
    products,
    shops,
    storefronts,
    trade,
    trust,
)
from chalicelib.api import cash as api_cash
from chalicelib.api import county as api_county
from chalicelib.api import markets as api_markets  # issue 12
from chalicelib.api import network as api_network
from chalicelib.api import provenance as api_provenance
from chalicelib.api import village as api_village
from chalicelib.api import villagers as api_villagers
from chalicelib.api.routing import options_answers
from chalicelib.events import group_jobs, order_events, outbox, trade_jobs
from chalicelib.events import payouts as payout_events
from chalicelib.events import seasons as season_events
from chalicelib.web import account as web_account
from chalicelib.web import assisted as web_assisted
from chalicelib.web import cart as web_cart
from chalicelib.web import cash as web_cash
from chalicelib.web import catalog as web_catalog
from chalicelib.web import county as web_county
from chalicelib.web import dashboards as web_dashboards
from chalicelib.web import edge as web_edge
from chalicelib.web import groups as web_groups
from chalicelib.web import orders as web_orders
from chalicelib.web import provenance as web_provenance
from chalicelib.web import ru as web_ru  # issue 12
from chalicelib.web import trade as web_trade
from chalicelib.web import trust as web_trust
from chalicelib.web import village as web_village
from chalicelib.web import village_groups as web_village_groups  # issue 19
from chalicelib.web import villagers as web_villagers

app = Chalice(app_name="bazaar")

app.register_blueprint(middleware.bp)
app.register_blueprint(web_edge.bp)  # inside api/middleware: web paths answer HTML
app.register_blueprint(identity.bp)
app.register_blueprint(shops.bp)
app.register_blueprint(products.bp)
app.register_blueprint(storefronts.bp)
app.register_blueprint(buying.bp)
app.register_blueprint(fulfilment.bp)
app.register_blueprint(payments.bp)
app.register_blueprint(money.bp)
app.register_blueprint(trust.bp)
app.register_blueprint(order_events.bp)
app.register_blueprint(api_network.bp)
app.register_blueprint(api_county.bp)
app.register_blueprint(api_village.bp)
app.register_blueprint(api_assisted.bp)  # before the villagers': the isolation control erases its villager last
app.register_blueprint(api_cash.bp)
app.register_blueprint(api_villagers.bp)
app.register_blueprint(outbox.bp)
app.register_blueprint(payout_events.bp)
app.register_blueprint(trade.bp)
app.register_blueprint(trade_jobs.bp)
app.register_blueprint(group_buys.bp)  # issue 19
app.register_blueprint(group_jobs.bp)
app.register_blueprint(docs.bp)
app.register_blueprint(api_provenance.bp)
app.register_blueprint(season_events.bp)
app.register_blueprint(api_markets.bp)  # issue 12
app.register_blueprint(web_catalog.bp)
app.register_blueprint(web_account.bp)
app.register_blueprint(web_cart.bp)
app.register_blueprint(web_orders.bp)
app.register_blueprint(web_county.bp)
app.register_blueprint(web_village.bp)
app.register_blueprint(web_villagers.bp)
app.register_blueprint(web_assisted.bp)
app.register_blueprint(web_cash.bp)
app.register_blueprint(web_provenance.bp)
app.register_blueprint(web_dashboards.bp)
app.register_blueprint(web_trade.bp)
app.register_blueprint(web_groups.bp)  # issue 19
app.register_blueprint(web_village_groups.bp)  # issue 19: buy together for villagers (the village console)
app.register_blueprint(web_ru.bp)  # issue 12
app.register_blueprint(web_trust.bp)
app.register_blueprint(options_answers(app))  # last: OPTIONS on every path above (a 405 with Allow)
