"""HTTP API: thin FastAPI routes over the services in `ingest`."""

from api.app import create_app
from api.state import AppState

__all__ = ["AppState", "create_app"]
