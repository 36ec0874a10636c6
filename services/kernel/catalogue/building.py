"""共建 co-building events, published by the contributions service."""
from ..events import declare  # noqa: F401

SOURCE = "contributions"
