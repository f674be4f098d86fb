"""The background job worker: runs transcription and analysis outside the request cycle.

Its own top-level package because it is neither HTTP (`api`) nor a pure library (`asr`,
`analysis`): it orchestrates those libraries and persists their results, like `ingest`,
but on a thread of its own with its own sessions.
"""

from worker.pipeline import CallGone, PipelineParts, process_call
from worker.runner import Worker

__all__ = ["CallGone", "PipelineParts", "Worker", "process_call"]
