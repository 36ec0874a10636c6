"""Run the demo steps in order against the services that `make run` started."""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback

from nameko.standalone.rpc import ClusterRpcProxy

from services import SERVICES
from services.kernel import config as kconfig

ROSTER = kconfig.ROOT / "services" / "contributions" / "samples" / "wuguidun_roster.csv"
STEPS = ["platform", "planning", "building", "evaluation", "reviews", "management", "rules", "sharing"]


class Keyed:
    """An RPC proxy whose every call carries an Idempotency-Key: the ``n``th call of a method by
    this person in a run is ``demo:<service>.<method>:<n>``. The services store a write's answer
    under the caller's key, so a second demo run by the same people (the same tokens) replays the
    first run's answers instead of writing again: two runs leave the same totals."""

    def __init__(self, proxy, worker_ctx, counts: dict):
        self._proxy, self._ctx, self._counts = proxy, worker_ctx, counts

    def __getattr__(self, service: str):
        return _KeyedService(self, service)


class _KeyedService:
    def __init__(self, keyed: Keyed, service: str):
        self._keyed, self._service = keyed, service

    def __getattr__(self, method: str):
        keyed, service = self._keyed, self._service

        def call(*args, **kwargs):
            name = f"{service}.{method}"
            keyed._counts[name] = keyed._counts.get(name, 0) + 1
            keyed._ctx.data["idempotency_key"] = f"demo:{name}:{keyed._counts[name]}"
            try:
                return getattr(getattr(keyed._proxy, service), method)(*args, **kwargs)
            finally:
                keyed._ctx.data.pop("idempotency_key", None)
        return call


class Demo:
    """``demo.rpc`` is the platform itself (reads of the board); ``demo.as_(role, scope)`` is a
    person: the demo issues them an API token through the identity service, as an operator's
    ``cocreate tokens issue`` does, and every call then carries that person's verified Principal,
    so each step is done (and checked, and stamped) as someone who may do it.

    Idempotent: every call carries a key (``Keyed``), and with ``remember`` the people's tokens are
    kept in ``DATA_DIR/demo-tokens.json`` and used again while they verify, so a second run is the
    same people asking the same things: the services answer from the first run, nothing is
    recorded twice. The demo's villages, hamlets and projects keep their own ids (the sample
    roster's: 伍桂墩村 is ``v-wgd``), and it touches no other village."""

    TOKEN_DAYS = 30

    def __init__(self, config: dict, remember: bool = False):
        self.config = config
        self._proxy = ClusterRpcProxy(config, timeout=30)
        self._people: dict = {}
        self._counts: dict = {}
        self._tokens_file = kconfig.data_dir(config) / "demo-tokens.json" if remember else None
        self.rpc = None

    def __enter__(self):
        self._platform = self._proxy.start()   # unkeyed: tokens are issued as asked, never replayed
        self.rpc = Keyed(self._platform, self._proxy._worker_ctx, self._counts.setdefault("platform", {}))
        return self

    def __exit__(self, *exc):
        for proxy, _ in self._people.values():
            proxy.stop()
        self._proxy.stop()

    def _saved_tokens(self) -> dict:
        if self._tokens_file is None or not self._tokens_file.exists():
            return {}
        try:
            return json.loads(self._tokens_file.read_text(encoding="utf-8"))
        except ValueError:
            return {}

    def _token(self, role: str, scope: str, home: str | None, name: str | None) -> tuple[dict, bool]:
        """(the person's verified Principal, whether a token was issued now)."""
        from services.kernel.identity import Unauthenticated
        key = f"{role}|{scope}|{home or ''}"
        saved = self._saved_tokens()
        if key in saved:
            try:
                return self._platform.identity.verify_token(saved[key]), False
            except Unauthenticated:
                pass  # expired, revoked, or another stack's: issue a new one
        made = self._platform.identity.issue_token({"name": name or f"demo {role} {scope}", "role": role,
                                              "scopes": [scope], "expires_days": self.TOKEN_DAYS, "home": home})
        if self._tokens_file is not None:
            saved[key] = made["token"]
            self._tokens_file.parent.mkdir(parents=True, exist_ok=True)
            self._tokens_file.write_text(json.dumps(saved, indent=1), encoding="utf-8")
            self._tokens_file.chmod(0o600)
        return self._platform.identity.verify_token(made["token"]), True

    def as_(self, role: str, scope: str, home: str | None = None, name: str | None = None):
        """RPC as this person (a token of their own, kept across runs with ``remember``)."""
        from services.kernel.nameko_ext.identity import CONTEXT_KEY
        key = (role, scope, home)
        if key not in self._people:
            principal, issued = self._token(role, scope, home, name)
            proxy = ClusterRpcProxy(self.config, timeout=30, context_data={
                CONTEXT_KEY: json.dumps(principal, ensure_ascii=False, sort_keys=True)})
            keyed = Keyed(proxy.start(), proxy._worker_ctx, self._counts.setdefault(key, {}))
            self._people[key] = (proxy, keyed)
            if issued:
                self.say(f"  [token issued: {role} of {scope}]")
        return self._people[key][1]

    def roster(self) -> None:
        """The sample roster 花名册, imported by each village's cadre (a re-import changes
        nothing); returns once the identity service knows its places (hub links, villages)."""
        if getattr(self, "_roster_done", False):
            return
        lines = ROSTER.read_text(encoding="utf-8").splitlines()
        for village in sorted({line.split(",")[2] for line in lines[1:] if line.strip()}):
            text = "\n".join([lines[0]] + [line for line in lines[1:] if f",{village}," in line]) + "\n"
            result = self.as_("village_cadre", f"village:{village}").contributions.import_roster(
                {"filename": f"{village}-{ROSTER.name}", "content": text})
            self.say(f"花名册 roster of {village} imported by its cadre: {result['rows']} residents"
                     + ("" if result["changed"] else " (already imported, nothing changed)"))
        for village in ("v-wgd", "v-lyc", "v-g209"):
            self.wait_for(lambda: self.rpc.identity.resolve({"subject": "demo", "role": "village_cadre",
                                                              "scopes": [f"village:{village}"]})["hamlets"],
                          f"the identity service to learn the places of {village}", timeout=120)
        # people verified before the roster was known: verify again (the gateway does every 2 s)
        for proxy, _ in self._people.values():
            proxy.stop()
        self._people.clear()
        self._roster_done = True

    def say(self, text: str = "") -> None:
        print(text, flush=True)

    def title(self, text: str) -> None:
        print(f"\n== {text} ==", flush=True)

    def wait_for(self, predicate, what: str, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"{what} did not happen within {timeout:.0f}s")

    def board(self, limit: int = 100) -> list[dict]:
        return self.rpc.notifications.feed({"limit": limit})


def _not_running(config) -> list[str]:
    from services.cli import build_parser, cmd_health
    missing = []
    for name in SERVICES:
        if name == "gateway":
            continue
        args = build_parser().parse_args(["health", name])
        args.amqp_uri = config["AMQP_URI"]
        import contextlib
        import io
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            if cmd_health(args) != 0:
                missing.append(name)
    return missing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make demo")
    parser.add_argument("steps", nargs="*", default=STEPS, help=f"any of {STEPS}")
    args = parser.parse_args(argv)
    config = kconfig.load()
    missing = _not_running(config)
    if missing:
        print(f"not running: {', '.join(missing)}. Start the services first with `make run` "
              "(in another terminal), then `make demo`.", file=sys.stderr)
        return 1
    failed = []
    with Demo(config, remember=True) as demo:
        for name in args.steps:
            try:
                module = importlib.import_module(f"demo.{name}")
            except ModuleNotFoundError:
                continue
            try:
                module.run(demo)
            except Exception:  # noqa: BLE001  show it, go on with the other stories
                failed.append(name)
                print(f"\n!! step {name} failed:\n{traceback.format_exc()}", file=sys.stderr)
    if failed:
        print(f"\ndemo steps failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("\ndemo finished: every step ran over RabbitMQ.")
    _print_boards(config)
    return 0


def _print_boards(config) -> None:
    """Each demo village's public board, at the address the gateway listens on."""
    host, _, port = (config.get("WEB_SERVER_ADDRESS") or "0.0.0.0:8000").rpartition(":")
    host = "127.0.0.1" if host in ("", "0.0.0.0") else host
    try:
        with ClusterRpcProxy(config, timeout=10) as rpc:
            villages = rpc.notifications.villages()
    except Exception as exc:  # noqa: BLE001  the demo ran; only the list of addresses is missing
        print(f"(village boards: notifications did not answer: {exc})")
        return
    print("\n村务公开栏 village boards (open on a phone or a village screen):")
    for village in villages:
        print(f"  {village['name']}: http://{host}:{port}/v/{village['village_id']}/")


if __name__ == "__main__":
    sys.exit(main())
