"""Bazaar: registers the blueprints. No routes, no AWS clients and no settings are read here."""

from chalice import Chalice

from chalicelib.api import docs, identity, middleware, products, shops, storefronts

app = Chalice(app_name="bazaar")

app.register_blueprint(middleware.bp)
app.register_blueprint(identity.bp)
app.register_blueprint(shops.bp)
app.register_blueprint(products.bp)
app.register_blueprint(storefronts.bp)
app.register_blueprint(docs.bp)
