"""The buyers' web storefront: server-rendered HTML pages over the services, one module per area (catalog,
account, cart, orders) over routing.py (declarations, forms, errors, paging) and render.py (templates)."""
