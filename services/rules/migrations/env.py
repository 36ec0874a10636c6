from services.kernel.migrations import run_env
from services.rules.models import Base

run_env(Base.metadata)
