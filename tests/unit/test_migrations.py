"""Each service's migrations build exactly the schema its models describe."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.kernel import db, migrations
from services.kernel.config import ROOT

SERVICES_WITH_DB = sorted(p.parent.name for p in (ROOT / "services").glob("*/migrations"))


@pytest.mark.parametrize("service", SERVICES_WITH_DB)
def test_migrations_match_models(service, tmp_path):
    import importlib
    models = importlib.import_module(f"services.{service}.models")
    url = f"sqlite:///{tmp_path}/{service}.sqlite"
    migrations.upgrade(service, url)
    engine = db.make_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), [db.kernel_metadata, models.Base.metadata])
    engine.dispose()
    assert diff == [], f"{service}: models and migrations differ; add a revision: {diff}"
