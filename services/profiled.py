"""``python -m services.profiled PREFIX SCRIPT ARGS...``: run a Python script (``nameko run``)
under cProfile and write ``PREFIX-<pid>.prof`` when it ends, however it ends (``nameko run``
stops on SIGTERM and returns). The runner wraps each process in it when ``COCREATE_PROFILE`` is
set (``services.runner.profiled``)."""
from __future__ import annotations

import cProfile
import os
import runpy
import sys


def main() -> None:
    prefix, script = sys.argv[1], sys.argv[2]
    sys.argv = sys.argv[2:]
    profile = cProfile.Profile()
    profile.enable()
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        pass
    finally:
        profile.disable()
        profile.dump_stats(f"{prefix}-{os.getpid()}.prof")


if __name__ == "__main__":
    main()
