"""The services as `make run` starts them — one `nameko run` process each, from the Procfile — on a
vhost, data folder and port of the test's own. Import the fixture: ``from tests.support.stack import
e2e_stack  # noqa: F401``."""
from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.wait import until

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Stack:
    web: str
    amqp_uri: str
    data_dir: str
    logs: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


@pytest.fixture(scope="module")
def e2e_stack(vhosts):
    amqp_uri = vhosts.create()
    data_dir = tempfile.mkdtemp(prefix="cocreate-e2e-")
    port = _free_port()
    env = dict(os.environ, AMQP_URI=amqp_uri, COCREATE_DATA_DIR=data_dir, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    subprocess.run([str(Path(sys.executable).parent / "cocreate"), "topology", "apply"], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # as `make run` does
    logs = Path(data_dir) / "logs"
    logs.mkdir()
    processes = []
    try:
        for name, command in _procfile().items():
            out = open(logs / f"{name}.log", "wb")
            processes.append((name, out, subprocess.Popen(shlex.split(command.strip()), cwd=ROOT, env=env,
                                                          stdout=out, stderr=subprocess.STDOUT)))
        web = f"http://127.0.0.1:{port}"

        def up():
            dead = [n for n, _o, p in processes if p.poll() is not None]
            if dead:
                raise AssertionError(f"{dead} exited; see {logs}")
            try:
                return requests.get(f"{web}/api/board/villages", timeout=5).status_code == 200
            except requests.RequestException:
                return False
        until(up, timeout=90, interval=0.5, message=f"the services to answer on {web} (logs in {logs})")
        yield Stack(web=web, amqp_uri=amqp_uri, data_dir=data_dir, logs=logs)
    finally:
        for _name, _out, process in processes:
            process.terminate()
        for _name, out, process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            out.close()
        vhosts.delete(amqp_uri)
