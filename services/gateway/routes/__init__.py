"""One module per service: ``ROUTES = [Route(...), ...]`` (see services/gateway/routing.py)."""
