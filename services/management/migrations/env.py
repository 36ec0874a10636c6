from services.kernel.migrations import run_env
from services.management.models import Base

run_env(Base.metadata)
