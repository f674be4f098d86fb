"""Who changed what of a call after upload (its rep, customer, opportunity, title, time): the
history shown on the call page. Values are kept as the page shows them (names, not ids), so the
history reads right after the records it named are renamed or deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow

__all__ = ["CallChange"]


class CallChange(Base):
    __tablename__ = "call_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(32))  # title occurred_at rep customer opportunity
    old_value: Mapped[str | None] = mapped_column(String(300))
    new_value: Mapped[str | None] = mapped_column(String(300))
    changed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
