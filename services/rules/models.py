"""Tables of the rules service."""
from services.kernel.db import make_base

Base = make_base()
