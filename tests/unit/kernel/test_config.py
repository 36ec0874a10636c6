import pytest

from services.kernel import config
from services.kernel.db import normalise_url


def test_environment_substitution_with_defaults():
    assert config.substitute("a: ${X:1}", {}) == "a: 1"
    assert config.substitute("a: ${X:1}", {"X": "2"}) == "a: 2"
    assert config.substitute("a: ${X:}", {}) == "a: "
    with pytest.raises(KeyError, match="Y"):
        config.substitute("a: ${Y}", {})


def test_defaults_run_on_localhost_with_an_embedded_database(tmp_path):
    loaded = config.load(environ={"COCREATE_DATA_DIR": str(tmp_path)})
    assert loaded["AMQP_URI"] == "amqp://guest:guest@127.0.0.1:5672/"
    assert config.database_url(loaded, "scoring") == f"sqlite:///{tmp_path}/scoring.sqlite"


def test_a_configured_database_url_wins_and_postgres_goes_through_pg8000():
    loaded = config.load(environ={"SCORING_DATABASE_URL": "postgresql://u@db/scoring"})
    assert config.database_url(loaded, "scoring") == "postgresql://u@db/scoring"
    assert normalise_url("postgresql://u@db/scoring") == "postgresql+pg8000://u@db/scoring"
    assert normalise_url("postgresql+psycopg2://u@db/s").startswith("postgresql+pg8000://")


def test_no_secret_is_committed_in_config():
    import re
    text = (config.ROOT / "config.yaml").read_text()
    # the only credentials written down are RabbitMQ's local guest defaults, and only as defaults
    for user, password in re.findall(r"://([^:@/]+):([^@]+)@", text):
        assert (user, password) == ("guest", "guest")


def test_placeholder_secrets_are_refused_at_start_up():
    from services.kernel.config import PlaceholderSecret, refuse_placeholders
    refuse_placeholders({"AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/"})  # local development
    refuse_placeholders({"AMQP_URI": "amqp://cocreate-scoring:Zq8w-real@rabbitmq/",
                         "DATABASE_URLS": {"scoring": "postgresql+pg8000://scoring:Xy7-real@postgres/scoring"}})
    for config in [{"AMQP_URI": "amqp://cocreate:change-me@rabbitmq:5672/"},
                   {"AMQP_URI": "", "DATABASE_URLS": {"rules": "postgresql+pg8000://rules:CHANGE-ME@db/rules"}},
                   {"AMQP_URI": "", "SMTP": {"password": "changeme"}}]:
        with pytest.raises(PlaceholderSecret) as refused:
            refuse_placeholders(config)
        assert "placeholder" in str(refused.value)
