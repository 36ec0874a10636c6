"""`cocreate run` starts several processes of a service on PostgreSQL (COCREATE_REPLICAS)."""
import pytest

from services import runner

PG = "postgresql+pg8000://u@db/scoring"


def test_replicas_are_read_per_service_and_need_postgresql():
    assert runner.replicas({}) == {}
    assert runner.replicas({"COCREATE_REPLICAS": "scoring=2, contributions=3",
                            "SCORING_DATABASE_URL": PG,
                            "CONTRIBUTIONS_DATABASE_URL": PG.replace("scoring", "contributions")}) == {
        "scoring": 2, "contributions": 3}
    with pytest.raises(ValueError, match="SCORING_DATABASE_URL"):
        runner.replicas({"COCREATE_REPLICAS": "scoring=2"})  # SQLite: one process per file
    with pytest.raises(ValueError, match="service=N"):
        runner.replicas({"COCREATE_REPLICAS": "scoring=two"})


def test_a_replicated_service_is_one_supervisord_program_with_numbered_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("COCREATE_REPLICAS", "scoring=2")
    monkeypatch.setenv("SCORING_DATABASE_URL", PG)
    text = runner.write_config(str(tmp_path), str(tmp_path / "logs")).read_text()
    scoring = text.split("[program:scoring]", 1)[1].split("[program:", 1)[0]
    assert "numprocs=2" in scoring and "process_name=%(program_name)s-%(process_num)d" in scoring
    assert "scoring-%(process_num)d.log" in scoring
    rules = text.split("[program:rules]", 1)[1].split("[program:", 1)[0]
    assert "numprocs" not in rules


def test_cocreate_profile_runs_each_process_under_cprofile(tmp_path, monkeypatch):
    monkeypatch.setenv("COCREATE_PROFILE", str(tmp_path / "prof"))
    text = runner.write_config(str(tmp_path), str(tmp_path / "logs")).read_text()
    for name in runner.read_procfile():
        program = text.split(f"[program:{name}]", 1)[1].split("[program:", 1)[0]
        command = program.split("command=", 1)[1].split("\n", 1)[0]
        assert f"-m services.profiled {tmp_path / 'prof' / name} " in command, command
        assert "nameko run" in command
    gateway = text.split("[program:gateway]", 1)[1].split("[program:", 1)[0]
    assert "MAX_WORKERS=100" in gateway
    monkeypatch.delenv("COCREATE_PROFILE")
    assert "services.profiled" not in runner.write_config(str(tmp_path), str(tmp_path / "logs")).read_text()
