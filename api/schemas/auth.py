"""Request and response shapes of who is calling, user accounts and API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from core.types import Id

__all__ = [
    "AccountBody",
    "CreatedToken",
    "CreatedUser",
    "MeOut",
    "NewPassword",
    "PasswordChange",
    "ReviewerOut",
    "TokenBody",
    "TokenOut",
    "UserOut",
]


class MeOut(BaseModel):
    user_id: int | None
    name: str
    role: str
    rep_id: int | None
    team_id: int | None


class AccountBody(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(description="admin, manager, rep or qa", max_length=16)
    login: str | None = Field(None, max_length=100, description="Signs in with any of these three.")
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=200)
    rep_id: Id | None = Field(None, description="A rep user's rep record.")
    team_id: Id | None = Field(None, description="The team a manager leads.")
    active: bool = True
    password: str | None = Field(
        None, min_length=8, max_length=200, description="On create only; generated when left out."
    )


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    role: str
    login: str | None
    phone: str | None
    email: str | None
    rep_id: int | None
    team_id: int | None
    active: bool
    created_at: datetime


class CreatedUser(BaseModel):
    user: UserOut
    password: str = Field(description="Shown once; only its argon2 hash is stored.")


class NewPassword(BaseModel):
    password: str = Field(description="Shown once; only its argon2 hash is stored.")


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class ReviewerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str


class TokenBody(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="Who or what uses the token.")
    role: str = Field("admin", max_length=16)
    rep_id: Id | None = None
    team_id: Id | None = None


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    user_id: int | None
    rep_id: int | None
    rep: str | None
    team_id: int | None
    team: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class CreatedToken(BaseModel):
    token: TokenOut
    secret: str = Field(description="Shown once; only its SHA-256 is stored.")
