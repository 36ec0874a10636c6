"""A real HTTP server on loopback that records what county systems would receive."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Peer:
    def __init__(self, fail_first: int = 0):
        self.received: list[dict] = []
        self.fail_first = fail_first
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if peer.fail_first > 0:
                    peer.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                peer.received.append({"headers": dict(self.headers), "body": json.loads(body), "raw": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Receivers:
    """Many webhook receivers on one loopback server, one per path, each with its own behaviour.

    ``behave(path, n)`` -> (seconds to wait before answering, status, headers) for the n-th
    request (from 0) to that path. Every request is recorded, answered or not.
    """

    def __init__(self, behave):
        self.requests: dict[str, list[dict]] = {}
        self.answered: dict[str, list[dict]] = {}
        self._lock = threading.Lock()
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                record = {"headers": dict(self.headers), "body": json.loads(body), "raw": body}
                with receivers._lock:
                    seen = receivers.requests.setdefault(self.path, [])
                    n = len(seen)
                    seen.append(record)
                delay, status, headers = behave(self.path, n)
                if delay:
                    import time
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                except OSError:  # the platform gave up waiting and closed the connection
                    return
                if 200 <= status < 300:
                    with receivers._lock:
                        receivers.answered.setdefault(self.path, []).append(record)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # fifty receivers are connected to at once
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def got(self, path: str) -> list[dict]:
        with self._lock:
            return list(self.answered.get(path, []))

    def tried(self, path: str) -> list[dict]:
        with self._lock:
            return list(self.requests.get(path, []))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
