"""Who is calling: the principal every service takes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SYSTEM_ROLE", "Principal"]

# Not a role a user can have: the CLI and the job worker act as the system, which may do
# everything, and say so explicitly instead of passing "no principal".
SYSTEM_ROLE = "system"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: their token and user, role, and the rep or team their role is tied to."""

    token_id: int | None
    name: str
    role: str
    user_id: int | None = None
    rep_id: int | None = None  # rep users: their own rep record
    team_id: int | None = None  # managers: the team they lead; reps: their rep record's team

    @classmethod
    def system(cls, name: str) -> Principal:
        """The principal of the CLI or the worker: `name` says which, for logs and authorship."""
        return cls(token_id=None, name=name, role=SYSTEM_ROLE)

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE
