"""Where the CPU went during a timed window: the machine's busy share (``/proc/stat``) and the
CPU seconds of each service process under a stack's supervisord, of PostgreSQL and of RabbitMQ
(``/proc/<pid>/stat``). Linux only; elsewhere the figures are empty.

    window = cpu.Window(stack.process.pid); ...; usage = window.stop()
    usage == {"cores": 2, "busy_pct": 97.4, "seconds": 61.2,
              "processes": {"scoring": 40.1, "scoring-1": 38.0, "postgres": 20.3, ...}}
"""
from __future__ import annotations

import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _machine() -> tuple[int, int]:
    """(busy, total) jiffies of all cores."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _stat(pid: str) -> tuple[int, int, str] | None:
    """(ppid, utime+stime jiffies, comm) of one process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2:].split()
    return int(rest[1]), int(rest[11]) + int(rest[12]), comm


def _label(pid: str, comm: str) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return comm
    words = [w.decode(errors="replace") for w in words if w]
    if "run" in words and any(":" in w and w.startswith("services.") for w in words):
        target = next(w for w in words if w.startswith("services.") and ":" in w)
        return target.split(".")[1]
    return comm


def processes(root_pid: int | None) -> dict[str, float]:
    """CPU seconds so far: each child of ``root_pid`` (a service process, numbered when a service
    has several), every ``postgres`` process together and the broker (``beam.smp``)."""
    found: dict[str, float] = {}
    children: dict[str, list[str]] = {}
    stats = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit() and (stat := _stat(entry)):
            stats[entry] = stat
            children.setdefault(str(stat[0]), []).append(entry)
    for pid, (_ppid, jiffies, comm) in stats.items():
        if comm in ("postgres", "beam.smp"):
            name = "postgresql" if comm == "postgres" else "rabbitmq"
            found[name] = found.get(name, 0.0) + jiffies / TICK
    for pid in sorted(children.get(str(root_pid), []), key=int):
        name = _label(pid, stats[pid][2])
        key, n = name, 1
        while key in found:
            key, n = f"{name}-{n}", n + 1
        found[key] = stats[pid][1] / TICK
    return found


class Window:
    """CPU use between construction and :meth:`stop`."""

    def __init__(self, root_pid: int | None = None):
        self.root_pid = root_pid
        self.started = time.monotonic()
        self.machine = _machine()
        self.before = processes(root_pid)

    def stop(self) -> dict:
        busy, total = _machine()
        after = processes(self.root_pid)
        seconds = time.monotonic() - self.started
        spent = {name: round(after[name] - self.before.get(name, 0.0), 1) for name in after
                 if after[name] - self.before.get(name, 0.0) >= 0.05}
        busy_pct = 100.0 * (busy - self.machine[0]) / max(1, total - self.machine[1])
        # the share of all cores' time that went to the stack (its services, PostgreSQL and the
        # broker): on a shared machine the rest of busy_pct is other people's work
        stack_pct = 100.0 * sum(spent.values()) / max(1e-9, seconds * (os.cpu_count() or 1))
        return {"cores": os.cpu_count(), "busy_pct": round(busy_pct, 1), "stack_pct": round(stack_pct, 1),
                "seconds": round(seconds, 1), "processes": dict(sorted(spent.items(), key=lambda kv: -kv[1]))}


def describe(usage: dict) -> str:
    top = ", ".join(f"{name} {cpu:.0f}s" for name, cpu in list(usage.get("processes", {}).items())[:8])
    return (f"CPU {usage.get('busy_pct', 0):.0f}% busy of {usage.get('cores')} cores over "
            f"{usage.get('seconds', 0):.0f}s, {usage.get('stack_pct', 0):.0f}% to the stack ({top})")
