from services.kernel.migrations import run_env
from services.contributions.models import Base

run_env(Base.metadata)
