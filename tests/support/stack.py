"""The services as ``make run`` starts them: one OS process per Procfile line under supervisord
(``cocreate run``), on a vhost, data directory and port of their own. Driven only from outside,
over HTTP and AMQP — what only breaks when services are separate processes shows here.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from kombu import Connection

from services import SERVICES
from services.runner import read_procfile

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    url: str
    amqp_uri: str
    home: Path
    env: dict
    process: subprocess.Popen | None = None
    services: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def rules_dir(self) -> Path:
        return self.home / "rules"

    def log(self, service: str, tail: int = 60) -> str:
        path = self.home / "logs" / f"{service}.log"
        if not path.exists():
            return f"(no log for {service})"
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-tail:])

    def policy_loads(self, service: str) -> int:
        """How often the service loaded published rules into its own process (its log says so)."""
        return self.log(service, tail=1_000_000).count("published rules loaded in-process")

    def logs(self, tail: int = 40) -> str:
        return "\n".join(f"--- {name} ---\n{self.log(name, tail)}" for name in self.services)

    def cocreate(self, *words: str, check: bool = False, timeout: float = 120) -> subprocess.CompletedProcess:
        """The operators' command line, on this stack's broker, data and rules."""
        return subprocess.run([str(BIN / "cocreate"), *words], env=self.env, cwd=ROOT, text=True,
                              capture_output=True, timeout=timeout, check=check)

    def ctl(self, *words: str) -> subprocess.CompletedProcess:
        return self.cocreate(*words, "--data-dir", str(self.data_dir))

    def pid(self, service: str) -> int:
        out = self.ctl("ps").stdout
        for line in out.splitlines():
            if line.startswith(service + " ") and "pid " in line:
                return int(line.split("pid ", 1)[1].split(",", 1)[0])
        raise AssertionError(f"{service} is not running: {out}")

    def wait_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        pending = set(self.services)
        while pending and time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"cocreate run exited ({self.process.returncode}):\n{self.logs()}")
            pending = {s for s in pending if not self._healthy(s)}
            if pending:
                time.sleep(0.5)
        if pending:
            raise AssertionError(f"not healthy after {timeout}s: {sorted(pending)}\n{self.logs()}")

    def _healthy(self, service: str) -> bool:
        if service == "gateway":
            try:
                return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False
        return rpc_consumers(self.amqp_uri, service) > 0

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _stop_with_parent() -> None:
    """Linux: supervisord gets SIGTERM when the test process dies, however it dies (a timeout
    that exits at once runs no fixture teardown), so no stack outlives its tests."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not glibc: teardown still stops the stack
        pass


def rpc_consumers(amqp_uri: str, service: str) -> int:
    from nameko.rpc import RPC_QUEUE_TEMPLATE
    try:
        with Connection(amqp_uri, connect_timeout=3) as connection:
            _, _, consumers = connection.channel().queue_declare(
                RPC_QUEUE_TEMPLATE.format(service), passive=True)
            return consumers
    except Exception:  # noqa: BLE001  not declared yet, or the broker is busy: not healthy yet
        return 0


def start(amqp_uri: str, home: Path, **settings) -> Stack:
    """``cocreate topology apply`` then ``cocreate run``, as ``make run`` does; waits until every
    service consumes its RPC queue and the gateway answers."""
    shutil.copytree(ROOT / "rules", home / "rules")  # a snapshot: edits elsewhere do not reload here
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.update({
        "AMQP_URI": amqp_uri, "COCREATE_DATA_DIR": str(home / "data"),
        "COCREATE_RULES_DIR": str(home / "rules"), "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "OUTBOX_POLL_INTERVAL": "0.2", "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
        "COCREATE_PUBLIC_URL": f"http://127.0.0.1:{port}",  # dataschema URLs resolve on this stack
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    env.update({k: str(v) for k, v in settings.items()})
    stack = Stack(url=f"http://127.0.0.1:{port}", amqp_uri=amqp_uri, home=home, env=env,
                  services=list(read_procfile()))
    applied = stack.cocreate("topology", "apply")
    if applied.returncode != 0:
        raise AssertionError(f"cocreate topology apply failed:\n{applied.stdout}{applied.stderr}")
    stack.process = subprocess.Popen(
        [str(BIN / "cocreate"), "run", "--logs", str(home / "logs"), "--data-dir", str(home / "data")],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=_stop_with_parent)
    try:
        stack.wait_healthy(timeout=300)  # seven processes on a loaded 2-core machine take a while
    except BaseException:
        stack.stop()
        raise
    return stack


assert set(SERVICES) >= set(read_procfile()), "every Procfile process is a service in services.SERVICES"
