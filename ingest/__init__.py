"""Call intake: accept and store recordings, queue their jobs, read calls and transcripts back,
ingest a folder, and store each call's analysis.

Orchestrates the pure libraries (`asr`, `analysis`) and persists through `models`. Services
never commit; the caller's unit of work does. Errors are the typed tree in `core.errors`.
"""

from ingest.storage import AudioStore, IncomingAudio

__all__ = ["AudioStore", "IncomingAudio"]
