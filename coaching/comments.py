"""Comments on a call, pinned to a turn or a moment of the audio, with threaded replies.

Whoever may open a call may comment on it, so reps can answer their manager.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.permissions import COMMENT_CALLS, authorize
from auth.principal import Principal
from core.errors import InvalidInput, NotFound
from ingest.call_analysis import count_turns
from ingest.calls import get_call
from models import CallComment

__all__ = ["CommentIn", "add_comment", "list_comments"]


@dataclass(frozen=True, slots=True)
class CommentIn:
    text: str
    turn_index: int | None = None
    at_seconds: float | None = None
    parent_id: int | None = None


def add_comment(
    session: Session, call_id: int, comment: CommentIn, author: Principal
) -> CallComment:
    authorize(author, COMMENT_CALLS)
    call = get_call(session, call_id, author, COMMENT_CALLS)
    text = comment.text.strip()
    if not text:
        raise InvalidInput("the comment is empty", field="text")
    if comment.turn_index is not None and not 0 <= comment.turn_index < count_turns(
        session, call_id
    ):
        raise InvalidInput(
            f"turn {comment.turn_index} does not exist in call {call_id}", field="turn_index"
        )
    if comment.at_seconds is not None and not 0 <= comment.at_seconds <= call.duration_s:
        raise InvalidInput(
            f"at_seconds must be within the call (0–{call.duration_s:.0f} s)", field="at_seconds"
        )
    if comment.parent_id is not None:
        parent = session.get(CallComment, comment.parent_id)
        if parent is None or parent.call_id != call_id:
            raise NotFound(
                f"comment {comment.parent_id} does not exist on call {call_id}", field="parent_id"
            )
    row = CallComment(call_id=call_id, parent_id=comment.parent_id, author_user_id=author.user_id,
                      author_name=author.name, turn_index=comment.turn_index, at_seconds=comment.at_seconds,
                      text=text)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def list_comments(session: Session, call_id: int, viewer: Principal) -> list[CallComment]:
    get_call(session, call_id, viewer)
    query = select(CallComment).where(CallComment.call_id == call_id).order_by(CallComment.id)
    return list(session.scalars(query))
