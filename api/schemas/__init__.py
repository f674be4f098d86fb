"""Request and response shapes of the HTTP API, one module per domain (mirroring api/routes)."""

__all__: list[str] = []
