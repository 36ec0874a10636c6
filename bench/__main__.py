"""``python -m bench`` (``make bench``): the platform suite (``bench/suite.py``): one table,
``bench/results/latest.json`` and a chart. ``python -m bench NAME ...``: those modules'
``main()`` alone, each with the arguments that follow its name (``python -m bench quarter
--scale 0.05``) (``bare_broker``, ``interactive``, ``rules_service``, ``replicas``,
``rules_memory``, ``board_page``, ``roster_import``, ``outbox_relay``, ``quarter``)."""
from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    names = argv if argv is not None else sys.argv[1:]
    if not names:
        from bench import suite
        return suite.main()
    failed = []
    # ``python -m bench quarter --scale 0.05``: the words after a module's name, up to the next
    # module's, are its arguments
    runs: list[tuple[str, list[str]]] = []
    for word in names:
        if runs and not (Path(__file__).parent / f"{word}.py").is_file():
            runs[-1][1].append(word)
        else:
            runs.append((word, []))
    for name, args in runs:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== bench.{name} {' '.join(args)} ==", flush=True)
        started = time.monotonic()
        try:
            module.main(args) if args else module.main()
        except Exception as exc:  # noqa: BLE001  one failing bench must not hide the others
            failed.append(name)
            print(f"bench.{name} failed: {exc!r}", flush=True)
        print(f"({time.monotonic() - started:.1f}s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
