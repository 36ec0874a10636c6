"""``python -m bench`` (``make bench``): the platform suite (``bench/suite.py``): one table,
``bench/results/latest.json`` and a chart. ``python -m bench NAME ...``: those modules'
``main()`` alone (``bare_broker``, ``interactive``, ``rules_service``, ``replicas``,
``rules_memory``, ``board_page``, ``roster_import``, ``outbox_relay``, ``quarter``); options after
a name go to that module (``python -m bench quarter --scale 0.1``)."""
from __future__ import annotations

import importlib
import importlib.util
import sys
import time


def _is_bench(word: str) -> bool:
    return word.isidentifier() and importlib.util.find_spec(f"bench.{word}") is not None


def main(argv=None) -> int:
    names = argv if argv is not None else sys.argv[1:]
    if not names:
        from bench import suite
        return suite.main()
    runs: list[tuple[str, list[str]]] = []
    for word in names:
        if _is_bench(word):
            runs.append((word, []))
        elif runs and (word.startswith("-") or runs[-1][1]):  # an option, or an option's value
            runs[-1][1].append(word)
        else:
            print(f"{word}: not a benchmark (bench/*.py) or an option after one", file=sys.stderr)
            return 2
    failed = []
    for name, options in runs:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== bench.{name} ==", flush=True)
        started = time.monotonic()
        try:
            module.main(options) if options else module.main()
        except Exception as exc:  # noqa: BLE001  one failing bench must not hide the others
            failed.append(name)
            print(f"bench.{name} failed: {exc!r}", flush=True)
        print(f"({time.monotonic() - started:.1f}s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
