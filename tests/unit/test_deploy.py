"""The compose file, checked as far as one can without a Docker engine."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from services import SERVICES
from services.kernel.nameko_ext import topology

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]


def _nameko_target(command):
    if command and command[:2] == ["nameko", "run"]:
        return command[-1]
    return None


def test_every_service_runs_in_compose_with_a_module_and_class_that_exist(compose):
    targets = {name: _nameko_target(spec.get("command")) for name, spec in compose.items()}
    assert {t for t in targets.values() if t} == set(SERVICES.values())
    for name, target in targets.items():
        if target:
            cls = topology.load_service(target)  # imports the module: it must exist
            assert cls.name == name, f"compose service {name} runs {cls.name}"


def test_dependencies_are_declared_and_wait_for_health(compose):
    for name, spec in compose.items():
        for dep, how in (spec.get("depends_on") or {}).items():
            assert dep in compose, f"{name} depends on undeclared {dep}"
            if how["condition"] == "service_healthy":
                assert "healthcheck" in compose[dep], f"{name} waits for {dep}, which has no healthcheck"
        if _nameko_target(spec.get("command")):
            conditions = {d: c["condition"] for d, c in spec["depends_on"].items()}
            assert conditions["rabbitmq"] == "service_healthy"
            assert conditions["topology"] == "service_completed_successfully", \
                f"{name} must not start before its queues are declared"
            assert "healthcheck" in spec


def test_health_commands_name_real_services(compose):
    for name, spec in compose.items():
        test = spec.get("healthcheck", {}).get("test", [])
        if test[1:3] == ["cocreate", "health"]:
            assert test[3] == name and test[3] in SERVICES


def test_broker_has_no_guest_and_credentials_come_from_the_environment(compose):
    env = compose["rabbitmq"]["environment"]
    assert compose["rabbitmq"]["image"].endswith("-management")
    assert env["RABBITMQ_DEFAULT_USER"].startswith("${") and env["RABBITMQ_DEFAULT_PASS"].startswith("${")
    text = (DEPLOY / "docker-compose.yml").read_text()
    assert "guest:guest" not in text and "RABBITMQ_DEFAULT_USER: guest" not in text
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    documented = set(re.findall(r"^([A-Z_]+)=", (DEPLOY / ".env.example").read_text(), re.M))
    assert used <= documented, f"undocumented variables: {used - documented}"


def test_definitions_declare_every_handler_queue_and_binding():
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    classes = [topology.load_service(path) for path in SERVICES.values()]
    queues = {q["name"] for q in definitions["queues"]}
    bound = {(b["source"], b["destination"], b["routing_key"]) for b in definitions["bindings"]}
    exchanges = {x["name"] for x in definitions["exchanges"]}
    expected = [q for cls in classes for q in topology.handler_queues(cls)]
    assert expected, "the services declare no event handler at all"
    for queue in expected:
        assert queue.name in queues, f"{queue.name} missing: run `make definitions`"
        for binding in (queue.bindings or [queue]):
            assert binding.exchange.name in exchanges
            assert (binding.exchange.name, queue.name, binding.routing_key) in bound
    assert "cocreate.parked" in queues
    assert definitions == topology.definitions(classes), "definitions.json is stale: run `make definitions`"


def test_image_is_multi_stage_python_311_and_not_root():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert len(stages) >= 2 and all(s.startswith("python:3.11") for s in stages)
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in {"root", "0"}
    for copied in re.findall(r"^COPY (?:--\S+ )*(\S+) ", dockerfile, re.M):
        if not copied.startswith("/"):
            assert (ROOT / copied).exists(), f"Dockerfile copies missing {copied}"


def test_procfile_runs_every_service():
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert {cmd.split()[-1] for cmd in lines.values()} == set(SERVICES.values())


# -- least privilege (issue 11) ---------------------------------------------------------------

def test_each_service_has_its_own_broker_user_and_database_role(compose):
    for name, spec in compose.items():
        if not _nameko_target(spec.get("command")):
            continue
        env = spec["environment"]
        assert env["AMQP_URI"].startswith(f"amqp://cocreate-{name}:${{RABBITMQ_{name.upper()}_PASSWORD"), name
        urls = {k: v for k, v in env.items() if k.endswith("_DATABASE_URL")}
        if name == "gateway":
            assert not urls, "the gateway gets no database credentials"
        else:
            assert list(urls) == [f"{name.upper()}_DATABASE_URL"], f"{name} sees only its own database"
            assert urls[f"{name.upper()}_DATABASE_URL"].startswith(f"postgresql+pg8000://{name}:"), \
                f"{name} connects as its own role, not the superuser"
        assert "POSTGRES_USER" not in str(env) and "RABBITMQ_USER" not in str(env), name


def test_services_run_read_only_without_capabilities(compose):
    for name, spec in compose.items():
        if not _nameko_target(spec.get("command")) and name != "topology":
            continue
        assert spec.get("read_only") is True, name
        assert spec.get("cap_drop") == ["ALL"], name
        assert "no-new-privileges:true" in spec.get("security_opt", []), name


def test_the_gateway_health_check_reaches_the_broker(compose):
    assert compose["gateway"]["healthcheck"]["test"][1:] == ["cocreate", "health", "gateway"]


def test_postgres_roles_own_one_database_each():
    sql = (DEPLOY / "postgres" / "init.sql").read_text()
    for name in SERVICES:
        if name == "gateway":
            assert f"ROLE {name}" not in sql
            continue
        assert f"CREATE ROLE {name} LOGIN PASSWORD :'{name}_password';" in sql
        assert f"CREATE DATABASE {name} OWNER {name};" in sql
        assert f"REVOKE ALL ON DATABASE {name} FROM PUBLIC;" in sql
    script = (DEPLOY / "postgres" / "init-roles.sh").read_text()
    assert all(f"POSTGRES_{n.upper()}_PASSWORD" in script for n in SERVICES if n != "gateway")


def test_broker_permissions_confine_each_service_to_its_own_queues():
    spec = json.loads((DEPLOY / "rabbitmq" / "permissions.json").read_text())
    classes = [topology.load_service(path) for path in SERVICES.values()]
    assert spec == topology.permissions_file(classes), "permissions.json is stale: run `make definitions`"
    by_user = {p["user"]: p for p in spec["permissions"]}
    assert set(by_user) == {f"cocreate-{n}" for n in SERVICES}
    scoring = by_user["cocreate-scoring"]
    assert re.match(scoring["read"], "rpc-scoring") and not re.match(scoring["read"], "rpc-contributions")
    assert re.match(scoring["write"], "scoring.events") and not re.match(scoring["write"], "proposals.events")
    assert not re.match(scoring["read"], "evt-rules-points.decided--notifications.share")
    gateway = by_user["cocreate-gateway"]
    assert not re.match(gateway["read"], "rpc-scoring") and re.match(gateway["write"], "nameko-rpc")


def test_placeholders_in_the_example_are_refused(compose):
    from services.kernel.config import PlaceholderSecret, refuse_placeholders
    example = dict(re.findall(r"^([A-Z_]+)=(.*)$", (DEPLOY / ".env.example").read_text(), re.M))
    url = compose["scoring"]["environment"]["AMQP_URI"].replace(
        "${RABBITMQ_SCORING_PASSWORD:?set RABBITMQ_SCORING_PASSWORD}", example["RABBITMQ_SCORING_PASSWORD"])
    with pytest.raises(PlaceholderSecret):
        refuse_placeholders({"AMQP_URI": url})


def _compose_config(tmp_path, env_text):
    """``docker-compose config`` (Debian's docker-compose, the real client) on the file; it
    predates the top-level ``name`` key, so the project name is given with -p instead."""
    import shutil
    import subprocess
    client = shutil.which("docker-compose")
    if client is None:
        pytest.skip("no compose client here: `apt-get install docker-compose` to validate the file")
    shutil.copytree(DEPLOY, tmp_path / "deploy")
    text = (DEPLOY / "docker-compose.yml").read_text()
    (tmp_path / "deploy" / "docker-compose.yml").write_text(re.sub(r"^name: .*\n", "", text, flags=re.M))
    (tmp_path / "test.env").write_text(env_text)
    return subprocess.run([client, "-p", "cocreate", "-f", str(tmp_path / "deploy" / "docker-compose.yml"),
                           "--env-file", str(tmp_path / "test.env"), "config", "-q"],
                          capture_output=True, text=True, timeout=120)


def test_a_real_compose_client_accepts_the_file_and_refuses_a_missing_secret(tmp_path):
    example = (DEPLOY / ".env.example").read_text()
    filled = _compose_config(tmp_path / "ok", example.replace("=change-me", "=a-Real-Secret-9"))
    assert filled.returncode == 0, filled.stderr
    missing = _compose_config(tmp_path / "missing", example.replace("=change-me", "=a-Real-Secret-9")
                              .replace("RABBITMQ_SCORING_PASSWORD=a-Real-Secret-9", "RABBITMQ_SCORING_PASSWORD="))
    assert missing.returncode != 0 and "RABBITMQ_SCORING_PASSWORD" in missing.stderr
