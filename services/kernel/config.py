"""One ``config.yaml`` for every service and command, with ``${VAR:default}`` substitution."""
from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = ROOT / "config.yaml"
_ENV = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<default>[^}]*))?\}")


def substitute(text: str, environ=None) -> str:
    env = os.environ if environ is None else environ

    def repl(match):
        value = env.get(match.group("name"))
        if value is None:
            value = match.group("default")
        if value is None:
            raise KeyError(f"config needs environment variable {match.group('name')}")
        return value

    return _ENV.sub(repl, text)


def load(path: str | os.PathLike | None = None, environ=None) -> dict:
    path = Path(path or os.environ.get("COCREATE_CONFIG", DEFAULT_PATH))
    return yaml.safe_load(substitute(path.read_text(encoding="utf-8"), environ)) or {}


def data_dir(config: dict) -> Path:
    path = Path(config.get("DATA_DIR") or "var")
    return path if path.is_absolute() else ROOT / path


def database_url(config: dict, service: str) -> str:
    """The service's own database: the configured URL, else a SQLite file under DATA_DIR."""
    url = (config.get("DATABASE_URLS") or {}).get(service)
    if url:
        return url
    directory = data_dir(config)
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / service}.sqlite"


PLACEHOLDERS = {"change-me", "changeme", "change_me", "placeholder", "secret", "password", "todo", "xxx"}


class PlaceholderSecret(RuntimeError):
    """A credential still holds the example's placeholder: refuse to start with it."""


def refuse_placeholders(config: dict, extra: dict | None = None) -> None:
    """Start-up check: no broker, database or mail credential may be a placeholder such as
    ``change-me`` (deploy/.env.example's values). ``extra``: more ``{name: secret}`` to check."""
    from urllib.parse import urlsplit
    found = []
    urls = {"AMQP_URI": config.get("AMQP_URI") or ""}
    urls.update({f"{name.upper()}_DATABASE_URL": url for name, url in (config.get("DATABASE_URLS") or {}).items()})
    for name, url in urls.items():
        try:
            password = urlsplit(str(url)).password
        except ValueError:
            password = None
        if password and password.strip().lower() in PLACEHOLDERS:
            found.append(name)
    secrets = {"SMTP_PASSWORD": (config.get("SMTP") or {}).get("password"), **(extra or {})}
    found += [name for name, value in secrets.items() if value and str(value).strip().lower() in PLACEHOLDERS]
    if found:
        raise PlaceholderSecret(f"refusing to start: {', '.join(sorted(found))} still hold a placeholder "
                                f"password (such as change-me); set real secrets in deploy/.env")
