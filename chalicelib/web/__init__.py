"""The buyers' web storefront: server-rendered HTML pages over the services (see pages.py)."""
