"""A real SMTP server (aiosmtpd, its own process) delivering into a Maildir the test reads."""
from __future__ import annotations

import mailbox
import socket
import subprocess
import sys
import time


class SmtpPeer:
    def __init__(self, maildir):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.maildir = str(maildir)
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", self.maildir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the SMTP peer did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(10)

    def messages(self) -> list:
        return list(mailbox.Maildir(self.maildir, create=True))
