"""``make run`` without Docker: every Procfile line as its own process under supervisord.

The Procfile stays the one list of processes (compose, docs and tests read it too); this writes a
supervisord configuration from it into the data directory and runs supervisord in the
foreground. A service that dies is started again (``autorestart``), instead of taking the whole
stack down as honcho does; ``cocreate ps`` and ``cocreate restart SERVICE`` talk to it.
"""
from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from services.kernel import config as kconfig

PROCFILE = kconfig.ROOT / "Procfile"


def read_procfile(path: Path = PROCFILE) -> dict[str, str]:
    processes = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, command = line.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise ValueError(f"{path}:{number}: expected 'name: command'")
        processes[name.strip()] = command.strip()
    return processes


def replicas(environ=None) -> dict[str, int]:
    """``COCREATE_REPLICAS="scoring=2,contributions=2"``: processes per service (default one).

    Replicas are competing consumers of the same queues and share one database: PostgreSQL
    only (``<SERVICE>_DATABASE_URL``); SQLite files are one process's each.
    """
    environ = os.environ if environ is None else environ
    wanted = {}
    for item in filter(None, (environ.get("COCREATE_REPLICAS") or "").replace(" ", "").split(",")):
        name, _, count = item.partition("=")
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"COCREATE_REPLICAS: {item!r} is not service=N")
        if int(count) > 1 and not (environ.get(f"{name.upper()}_DATABASE_URL") or "").startswith("postgresql"):
            raise ValueError(f"COCREATE_REPLICAS: {name} needs {name.upper()}_DATABASE_URL on PostgreSQL "
                             "for replicas (a SQLite file belongs to one process)")
        wanted[name] = int(count)
    return wanted


def state_dir(data_dir: str | None = None) -> Path:
    base = Path(data_dir or os.environ.get("COCREATE_DATA_DIR") or "var")
    if not base.is_absolute():
        base = kconfig.ROOT / base
    return base / "supervisor"


def write_config(data_dir: str | None = None, log_dir: str | None = None,
                 procfile: Path = PROCFILE) -> Path:
    """supervisord.conf for the Procfile; logs go to the terminal unless ``log_dir`` is given."""
    state = state_dir(data_dir)
    state.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    env_path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    lines = [
        "[supervisord]", "nodaemon=true", f"logfile={state / 'supervisord.log'}",
        f"pidfile={state / 'supervisord.pid'}", "loglevel=warn", "",
        "[unix_http_server]", f"file={state / 'supervisor.sock'}", "chmod=0700", "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", "",
        "[supervisorctl]", f"serverurl=unix://{state / 'supervisor.sock'}", "",
    ]
    counts = replicas()
    profiles = os.environ.get("COCREATE_PROFILE")
    for name, command in read_procfile(procfile).items():
        argv = shlex.split(command)
        if (bin_dir / argv[0]).exists():
            argv[0] = str(bin_dir / argv[0])
        if profiles:
            argv = profiled(argv, name, Path(profiles))
        if log_dir:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            logs = [f"stdout_logfile={Path(log_dir) / (name + '.log')}", "stdout_logfile_maxbytes=50MB"]
        else:
            logs = ["stdout_logfile=/dev/stdout", "stdout_logfile_maxbytes=0"]
        count = counts.get(name, 1)
        if count > 1 and log_dir:  # one log file per replica
            logs[0] = f"stdout_logfile={Path(log_dir) / (name + '-%(process_num)d.log')}"
        lines += [
            f"[program:{name}]", f"command={shlex.join(argv)}", f"directory={kconfig.ROOT}",
            *([f"numprocs={count}", "process_name=%(program_name)s-%(process_num)d"] if count > 1 else []),
            "autostart=true", "autorestart=true", "startsecs=3", "startretries=1000",
            "stopasgroup=true", "killasgroup=true", f"stopwaitsecs={60 if profiles else 10}",
            "redirect_stderr=true",
            # the service's name in each of its log lines (services.kernel.logs)
            f'environment=COCREATE_SERVICE="{name}",PATH="{env_path}"',
            *logs, "",
        ]
    path = state / "supervisord.conf"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def profiled(argv: list[str], name: str, directory: Path) -> list[str]:
    """``COCREATE_PROFILE=DIR``: each process runs under cProfile and writes
    ``DIR/<name>-<pid>.prof`` when it stops (read it with ``python -m pstats``). Opt-in, for
    finding where a benchmark's time goes; the services stop more slowly while it is written.
    Only a command that runs a Python script (``nameko run ...``, after ``env X=Y``) is wrapped."""
    directory.mkdir(parents=True, exist_ok=True)
    env = []
    while argv and (argv[0] == "env" or argv[0].endswith("/env") or "=" in argv[0]):
        env.append(argv.pop(0))
    script = argv[0] if Path(argv[0]).is_file() else Path(sys.executable).parent / argv[0]
    if not Path(script).is_file():
        return env + argv
    return env + [sys.executable, "-m", "services.profiled", str(directory / name), str(script), *argv[1:]]


def supervisord(config_path: Path) -> list[str]:
    return [str(Path(sys.executable).parent / "supervisord"), "-c", str(config_path)]


def supervisorctl(data_dir: str | None, *words: str) -> list[str]:
    return [str(Path(sys.executable).parent / "supervisorctl"), "-c",
            str(state_dir(data_dir) / "supervisord.conf"), *words]
