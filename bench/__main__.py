"""``python -m bench [name ...]``: run every bench module's ``main()`` (or only those named)."""
from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                  if not m.name.startswith("_"))


def main(argv=None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or modules()
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):
            continue
        print(f"\n== bench.{name} ==", flush=True)
        started = time.monotonic()
        try:
            result = module.main()
            if isinstance(result, dict) and result.get("ok") is False:
                failed.append(name)  # ran, but missed its target
        except Exception as exc:  # noqa: BLE001  one failing bench must not hide the others
            failed.append(name)
            print(f"bench.{name} failed: {exc!r}", flush=True)
        print(f"({time.monotonic() - started:.1f}s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
