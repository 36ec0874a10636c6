"""`cocreate ps|stop|shutdown` become the supervisorctl words for `cocreate run`'s supervisord."""
import subprocess

from services import cli


def words_for(argv, monkeypatch):
    called = {}
    monkeypatch.setattr(subprocess, "call", lambda command: called.setdefault("command", command) and 0)
    args = cli.build_parser().parse_args(argv)
    args.func(args)
    return called["command"][3:]


def test_shutdown_stops_supervisord_itself(monkeypatch):
    assert words_for(["shutdown"], monkeypatch) == ["shutdown"]


def test_stop_without_names_stops_every_service_but_keeps_supervisord(monkeypatch):
    assert words_for(["stop"], monkeypatch) == ["stop", "all"]
    assert words_for(["stop", "scoring"], monkeypatch) == ["stop", "scoring"]


def test_ps_is_status(monkeypatch):
    assert words_for(["ps"], monkeypatch) == ["status"]
