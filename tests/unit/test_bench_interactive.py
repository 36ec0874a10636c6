"""The interactive mix's bookkeeping (bench/interactive.py): what counts while a quarter flows."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import requests

from bench import interactive


class _Ok(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def stack():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.shutdown()


def _run(stack, flowing=None):
    local = threading.local()

    def session():
        if not hasattr(local, "s"):
            local.s = requests.Session()
        return local.s
    return interactive._run(stack, session, lambda n: {"n": n}, "v", "k", 20, 1, flowing)


def test_a_quiet_run_counts_every_request_of_the_mix(stack):
    result = _run(stack)
    assert result["requests"] == result["counted"] == 20 and result["errors"] == 0
    assert result["p99_ms"] is not None and result["write_p99_ms"] is not None
    assert result["healthz_p99_ms"] is not None


def test_while_a_quarter_flows_every_request_due_then_counts(stack):
    flowing = threading.Event()
    flowing.set()
    result = _run(stack, flowing)
    assert result["requests"] == result["counted"] == 20


def test_once_the_quarter_is_over_the_mix_stops_and_counts_nothing_after(stack):
    flowing = threading.Event()  # never set: the quarter was over before the mix began
    result = _run(stack, flowing)
    assert result["requests"] == result["counted"] == 0
    assert result["p99_ms"] is None
    assert "0 counted" in interactive.describe({**result, "requests": 20})
