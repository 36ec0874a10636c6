"""The scoring service: 双向共评 two-way evaluation and the 清洁日 inspections of 三线共管."""
from services.kernel import catalogue  # noqa: F401  domain code emits events: register their types
