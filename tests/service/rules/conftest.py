"""The rules service's fixtures: a copy of the shipped rules as its folder, and its config."""
import pytest

from tests.unit.rules.helpers import copy_rules


@pytest.fixture
def folder(tmp_path):
    return copy_rules(tmp_path)


@pytest.fixture
def config(service_config, folder):
    return {**service_config, "RULES_DIR": str(folder), "RULES_WATCH_INTERVAL": 0,
            "RULES_SCHEDULE_INTERVAL": 0}
