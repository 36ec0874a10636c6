"""Tables of the proposals service."""
from services.kernel.db import make_base

Base = make_base()
