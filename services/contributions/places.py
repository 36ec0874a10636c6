"""Where things are: a hamlet and the village it belongs to, from the roster's tables."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.kernel.db import get_or_404

from . import models


def village_of(hamlet_column):
    """The village of a row's hamlet, as a correlated expression (for ``identity.scoped``)."""
    return select(models.Hamlet.village_id).where(models.Hamlet.id == hamlet_column).scalar_subquery()


def hamlet_chain(session: Session, hamlet_id: str) -> tuple[models.Hamlet, models.Village]:
    """The hamlet (404 if unknown) and its village."""
    hamlet = get_or_404(session, models.Hamlet, hamlet_id, "hamlet")
    return hamlet, session.get(models.Village, hamlet.village_id)
