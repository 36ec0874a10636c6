"""Replicas of a service starting together on PostgreSQL migrate one at a time."""
import subprocess
import sys

import pytest
from sqlalchemy import inspect

from services.kernel import db

pytestmark = pytest.mark.integration


def test_concurrent_upgrades_on_postgres_do_not_collide(postgres_url):
    code = f"from services.kernel import migrations; migrations.upgrade('scoring', {postgres_url!r})"
    replicas = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
                for _ in range(4)]
    failures = [p.stderr.read() for p in replicas if p.wait(120) != 0]
    assert failures == []
    engine = db.make_engine(postgres_url)
    assert "kernel_outbox" in inspect(engine).get_table_names()
    engine.dispose()
