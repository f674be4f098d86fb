"""What every domain shares: the one tree of typed errors (`core.errors`), each carrying its
HTTP status."""

from core.errors import HuashuError

__all__ = ["HuashuError"]
