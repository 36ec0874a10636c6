"""The interactive mix while a quarter flows, alone: ``python -m bench interactive_quarter``
(``BENCH_QUARTER_SCALE``, default 0.05; ``BENCH_INTERACTIVE_RATE``, ``_SECONDS``)."""
from __future__ import annotations

from bench import interactive


def main() -> dict:
    result = interactive.during_quarter()
    quarter = result["quarter"]
    print(f"interactive while a quarter flows (scale {quarter['scale']}, {quarter['records']:,} records in "
          f"{quarter['seconds']:.0f}s): {interactive.describe(result)}", flush=True)
    return result


if __name__ == "__main__":
    main()
