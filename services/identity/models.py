"""Tables of the identity service: API tokens (only the digest of their secret) and places."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import make_base, utcnow

Base = make_base()


class ApiToken(Base):
    """An API token issued by an operator. The secret itself is never stored: its SHA-256."""

    __tablename__ = "api_token"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    scopes: Mapped[list] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    home: Mapped[str | None] = mapped_column(String(64), nullable=True)  # an official's own household
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Place(Base):
    """A household's place in the geography, from the roster's ``household.registered``."""

    __tablename__ = "place"
    household_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hamlet_id: Mapped[str] = mapped_column(String(64), index=True)
    village_id: Mapped[str] = mapped_column(String(64), index=True)
    town_id: Mapped[str] = mapped_column(String(64), index=True)
    hub_household_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
