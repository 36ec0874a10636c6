"""``python -m bench`` (``make bench``): the platform suite (``bench/suite.py``): one table,
``bench/results/latest.json`` and a chart. ``python -m bench NAME ...``: those modules'
``main()`` alone (``bare_broker``, ``interactive``, ``rules_service``, ``replicas``,
``rules_memory``, ``board_page``, ``roster_import``, ``outbox_relay``, ``quarter``)."""
from __future__ import annotations

import importlib
import sys
import time


def main(argv=None) -> int:
    names = argv if argv is not None else sys.argv[1:]
    if not names:
        from bench import suite
        return suite.main()
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== bench.{name} ==", flush=True)
        started = time.monotonic()
        try:
            module.main()
        except Exception as exc:  # noqa: BLE001  one failing bench must not hide the others
            failed.append(name)
            print(f"bench.{name} failed: {exc!r}", flush=True)
        print(f"({time.monotonic() - started:.1f}s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
