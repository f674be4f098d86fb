"""The application shell: settings, wiring and the `huashu` command.

A top-level package of its own because it sits above every other one: it reads the one
`Settings` class, builds the database, store, transcriber, worker and app, and exposes them
as CLI commands. `huashu.settings` is also imported by `api` (for its state type) and holds
no logic.
"""

__all__: list[str] = []
