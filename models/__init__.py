"""Persistence: SQLAlchemy 2.0 tables, engine and sessions, Alembic migrations.

Knows nothing of HTTP or of the API's shapes.
"""

from models.analysis import CallAnalysis, CallLabel, CallTurn, LabelCorrection
from models.base import Base, UTCDateTime, utcnow
from models.call import Call, CallStatus, TranscriptSegment
from models.call_changes import CallChange
from models.coaching import CallComment, Playlist, PlaylistItem, Scorecard, ScorecardCriterion
from models.crm import (
    Customer,
    CustomerScore,
    FollowUp,
    FollowUpStatus,
    Opportunity,
    OpportunityStatus,
    Rep,
    RfmState,
    Target,
    Team,
)
from models.db import (
    SessionFactory,
    begin_writing,
    create_db_engine,
    make_session_factory,
    on_commit,
    on_rollback,
    session_scope,
)
from models.job import Job, JobKind, JobState
from models.qa import CallRuleHit, QaPlan, QaQueueItem, QaReview, QaRule, QaRulesVersion
from models.search import (
    FTS_TABLE,
    SEARCH_INDEX_NAMES,
    CallTrackerHit,
    Tracker,
    managed_by_models,
)
from models.token import ApiToken, Role, User, UserSession
from models.transcript import TermSource, TranscriptChange, TranscriptEdit, VocabularyTerm

__all__ = [
    "FTS_TABLE",
    "SEARCH_INDEX_NAMES",
    "ApiToken",
    "Base",
    "Call",
    "CallAnalysis",
    "CallChange",
    "CallComment",
    "CallLabel",
    "CallRuleHit",
    "CallStatus",
    "CallTrackerHit",
    "CallTurn",
    "Customer",
    "CustomerScore",
    "FollowUp",
    "FollowUpStatus",
    "Job",
    "JobKind",
    "JobState",
    "LabelCorrection",
    "Opportunity",
    "OpportunityStatus",
    "Playlist",
    "PlaylistItem",
    "QaPlan",
    "QaQueueItem",
    "QaReview",
    "QaRule",
    "QaRulesVersion",
    "Rep",
    "RfmState",
    "Role",
    "Scorecard",
    "ScorecardCriterion",
    "SessionFactory",
    "Target",
    "Team",
    "TermSource",
    "Tracker",
    "TranscriptChange",
    "TranscriptEdit",
    "TranscriptSegment",
    "UTCDateTime",
    "User",
    "UserSession",
    "VocabularyTerm",
    "begin_writing",
    "create_db_engine",
    "make_session_factory",
    "managed_by_models",
    "on_commit",
    "on_rollback",
    "session_scope",
    "utcnow",
]
