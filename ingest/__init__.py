"""Services: accept and store recordings, queue their jobs, read calls back, manage tokens.

Orchestrates the pure libraries (`asr`, `analysis`) and persists through `models`. Services
never commit; the caller's unit of work does. Errors are the typed tree in `ingest.errors`.
"""

from ingest.errors import HuashuError
from ingest.storage import AudioStore, IncomingAudio

__all__ = ["AudioStore", "HuashuError", "IncomingAudio"]
