"""bench/cpu.py: where the CPU went during a benchmark's timed window (Linux /proc)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bench import cpu

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")


def test_a_window_names_the_children_of_the_root_and_the_machine_share():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        window = cpu.Window(os.getpid())
        usage = window.stop()
        assert usage["cores"] == os.cpu_count()
        assert 0.0 <= usage["busy_pct"] <= 100.0
        names = cpu.processes(os.getpid())
        assert any(name.startswith("python") for name in names), names
        assert "CPU" in cpu.describe(usage) and "cores" in cpu.describe(usage)
    finally:
        child.kill()
        child.wait()


def test_service_processes_are_named_after_their_service_and_numbered(monkeypatch):
    stats = {"10": (1, 500, "nameko"), "11": (1, 300, "nameko"), "12": (99, 100, "postgres")}
    monkeypatch.setattr(cpu.os, "listdir", lambda _path: list(stats))
    monkeypatch.setattr(cpu, "_stat", lambda pid: stats.get(pid))
    monkeypatch.setattr(cpu, "_label", lambda pid, comm: "scoring" if pid in ("10", "11") else comm)
    found = cpu.processes(1)
    assert found == {"postgresql": 100 / cpu.TICK, "scoring": 500 / cpu.TICK, "scoring-1": 300 / cpu.TICK}
