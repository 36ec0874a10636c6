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
BROKER_NODES = ("rabbitmq-1", "rabbitmq-2", "rabbitmq-3")


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
            assert all(conditions[node] == "service_healthy" for node in BROKER_NODES), \
                f"{name} must wait for every broker node"
            assert conditions["topology"] == "service_completed_successfully", \
                f"{name} must not start before its queues are declared"
            assert "healthcheck" in spec


def test_health_commands_name_real_services(compose):
    for name, spec in compose.items():
        test = spec.get("healthcheck", {}).get("test", [])
        if test[1:3] == ["cocreate", "health"]:
            assert test[3] == name and test[3] in SERVICES


def test_broker_has_no_guest_and_credentials_come_from_the_environment(compose):
    # the nodes load definitions on boot, so RabbitMQ seeds no default (guest) user: the only
    # users are those the topology step wrote from the environment
    for node in BROKER_NODES:
        assert compose[node]["image"].endswith("-management")
        assert "RABBITMQ_DEFAULT_USER" not in compose[node].get("environment", {})
    env = compose["topology"]["environment"]
    assert env["RABBITMQ_USER"].startswith("${") and env["RABBITMQ_PASSWORD"].startswith("${")
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


# -- scale past one machine (issue 18) ----------------------------------------------------------

def _broker_conf() -> dict:
    return dict(line.split(" = ", 1) for line in (DEPLOY / "rabbitmq" / "rabbitmq.conf").read_text().splitlines()
                if line and not line.startswith("#"))


def test_the_broker_is_a_cluster_of_three_nodes_sharing_one_cookie(compose):
    conf = _broker_conf()
    assert conf["cluster_formation.peer_discovery_backend"] == "classic_config"
    listed = {v for k, v in conf.items() if k.startswith("cluster_formation.classic_config.nodes.")}
    assert listed == {f"rabbit@{node}" for node in BROKER_NODES}
    cookies = set()
    for node in BROKER_NODES:
        spec = compose[node]
        assert spec["hostname"] == node, "the node name rabbit@<hostname> is what classic_config lists"
        cookies.add(spec["environment"]["RABBITMQ_ERLANG_COOKIE"])
        assert "rabbitmq" in spec["networks"]["default"]["aliases"], \
            "clients reach any node through the one name in their AMQP_URI"
        mounts = {m.split(":")[1]: m.split(":")[0] for m in spec["volumes"]}
        assert mounts["/etc/rabbitmq/conf.d/20-cocreate.conf"] == "./rabbitmq/rabbitmq.conf"
        assert mounts["/var/lib/rabbitmq"] == f"{node}-data", "each node keeps its own Raft logs"
        assert spec["depends_on"]["topology"]["condition"] == "service_completed_successfully"
    assert len(cookies) == 1 and next(iter(cookies)).startswith("${RABBITMQ_ERLANG_COOKIE:?")
    # quorum queues declared before the other nodes joined grow to three members
    assert conf["quorum_queue.continuous_membership_reconciliation.enabled"] == "true"
    assert conf["quorum_queue.continuous_membership_reconciliation.target_group_size"] == "3"


def test_every_node_loads_the_definitions_the_topology_step_wrote_on_boot(compose):
    conf = _broker_conf()
    path = conf["definitions.local.path"]
    assert conf["definitions.import_backend"] == "local_filesystem"
    command = compose["topology"]["command"]
    assert command[:3] == ["cocreate", "topology", "boot"]
    written = command[command.index("--out") + 1]
    (volume, inside), = [m.split(":")[:2] for m in compose["topology"]["volumes"]]
    assert written.startswith(inside + "/")
    for node in BROKER_NODES:
        mounts = {m.split(":")[0]: m.split(":")[1] for m in compose[node]["volumes"]}
        assert path == mounts[volume] + written[len(inside):], f"{node} loads another file than was written"


def test_handler_queues_are_quorum_queues_with_a_delivery_limit_and_dead_lettering():
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    handler_queues = [q for q in definitions["queues"] if q["name"].startswith("evt-")]
    assert handler_queues
    for queue in handler_queues:
        args = queue["arguments"]
        assert queue["durable"] and not queue["auto_delete"], queue["name"]
        assert args["x-queue-type"] == "quorum", queue["name"]
        assert isinstance(args["x-delivery-limit"], int) and args["x-delivery-limit"] > 0, queue["name"]
        assert (args["x-dead-letter-exchange"], args["x-dead-letter-routing-key"]) == ("", "cocreate.parked")
    parked = next(q for q in definitions["queues"] if q["name"] == "cocreate.parked")
    assert parked["arguments"]["x-queue-type"] == "quorum", "parked events survive a node too"


def test_consumers_run_as_several_replicas(compose):
    example = dict(re.findall(r"^([A-Z_]+)=(.*)$", (DEPLOY / ".env.example").read_text(), re.M))
    for name in ("scoring", "contributions", "rules", "management", "identity"):
        replicas = compose[name]["deploy"]["replicas"]
        variable, default = re.fullmatch(r"\$\{([A-Z_]+):-(\d+)\}", str(replicas)).groups()
        assert variable == f"{name.upper()}_REPLICAS" and int(default) >= 2 and int(example[variable]) >= 2, name
        assert compose[name]["environment"][f"{name.upper()}_DATABASE_URL"].startswith("postgresql+pg8000://"), \
            f"{name}'s replicas share one PostgreSQL database"


def test_boot_definitions_carry_the_vhost_and_every_broker_user(monkeypatch, tmp_path):
    from services import cli
    spec = json.loads((DEPLOY / "rabbitmq" / "permissions.json").read_text())
    monkeypatch.setenv("RABBITMQ_USER", "county-admin")
    monkeypatch.setenv("RABBITMQ_PASSWORD", "a-Real-Secret-9")
    for entry in spec["permissions"]:
        monkeypatch.setenv(f"RABBITMQ_{entry['user'].removeprefix('cocreate-').upper()}_PASSWORD", "s3cret-" + entry["user"])
    out = tmp_path / "defs" / "boot.json"
    assert cli.main(["topology", "boot", "--out", str(out)]) == 0
    boot = json.loads(out.read_text())
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    assert boot["vhosts"] == [{"name": spec["vhost"]}]
    assert all(boot[key] == definitions[key] for key in definitions)
    users = {u["name"]: u for u in boot["users"]}
    assert users["county-admin"]["tags"] == ["administrator"] and "guest" not in users
    for entry in spec["permissions"]:
        assert users[entry["user"]]["password"] == "s3cret-" + entry["user"] and users[entry["user"]]["tags"] == []
    granted = {p["user"]: p for p in boot["permissions"]}
    assert granted["cocreate-scoring"]["read"] == next(e for e in spec["permissions"]
                                                         if e["user"] == "cocreate-scoring")["read"]
    monkeypatch.setenv("RABBITMQ_SCORING_PASSWORD", "change-me")
    assert cli.main(["topology", "boot", "--out", str(tmp_path / "refused.json")]) == 1
    assert not (tmp_path / "refused.json").exists()


def _compose_config(tmp_path, env_text, quiet: bool = True):
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
                           "--env-file", str(tmp_path / "test.env"), "config", *(["-q"] if quiet else [])],
                          capture_output=True, text=True, timeout=120)


def _filled_example() -> str:
    return ((DEPLOY / ".env.example").read_text().replace("=change-me", "=a-Real-Secret-9")
            .replace("COCREATE_PII_KEY=\n", "COCREATE_PII_KEY=a-Real-Key-9\n"))


def test_a_real_compose_client_accepts_the_file_and_refuses_a_missing_secret(tmp_path):
    filled = _compose_config(tmp_path / "ok", _filled_example())
    assert filled.returncode == 0, filled.stderr
    missing = _compose_config(tmp_path / "missing", _filled_example()
                              .replace("RABBITMQ_SCORING_PASSWORD=a-Real-Secret-9", "RABBITMQ_SCORING_PASSWORD="))
    assert missing.returncode != 0 and "RABBITMQ_SCORING_PASSWORD" in missing.stderr
    cookie = _compose_config(tmp_path / "cookie", _filled_example()
                             .replace("RABBITMQ_ERLANG_COOKIE=a-Real-Secret-9", "RABBITMQ_ERLANG_COOKIE="))
    assert cookie.returncode != 0 and "RABBITMQ_ERLANG_COOKIE" in cookie.stderr


def test_the_compose_client_resolves_three_clustered_nodes_and_the_replicas(tmp_path):
    resolved = _compose_config(tmp_path, _filled_example(), quiet=False)
    assert resolved.returncode == 0, resolved.stderr
    services = yaml.safe_load(resolved.stdout)["services"]
    for node in BROKER_NODES:
        assert services[node]["hostname"] == node
        assert services[node]["environment"]["RABBITMQ_ERLANG_COOKIE"] == "a-Real-Secret-9"
        assert "rabbitmq" in services[node]["networks"]["default"]["aliases"]
        targets = {v["target"] if isinstance(v, dict) else v.split(":")[1] for v in services[node]["volumes"]}
        assert targets >= {
            "/var/lib/rabbitmq", "/etc/rabbitmq/conf.d/20-cocreate.conf", "/etc/rabbitmq/definitions"}
    for name in ("scoring", "contributions"):
        assert services[name]["deploy"]["replicas"] == 2
        assert set(services[name]["depends_on"]) >= set(BROKER_NODES)
