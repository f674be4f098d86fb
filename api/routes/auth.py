"""Who is calling, user accounts (admins manage them) and API tokens for integrations."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from api.deps import SESSION_COOKIE, CurrentPrincipal, SessionDep, StateDep
from api.schemas.auth import (
    AccountBody,
    CreatedToken,
    CreatedUser,
    MeOut,
    NewPassword,
    PasswordChange,
    TokenBody,
    TokenOut,
    UserOut,
)
from auth import accounts, tokens
from auth.permissions import READ_SELF, authorize
from core.errors import InvalidInput
from core.types import Id

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.get("/me")
def read_me(principal: CurrentPrincipal) -> MeOut:
    authorize(principal, READ_SELF)
    return MeOut(user_id=principal.user_id, name=principal.name, role=principal.role,
                 rep_id=principal.rep_id, team_id=principal.team_id)  # fmt: skip


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def update_my_password(
    body: PasswordChange,
    request: Request,
    session: SessionDep,
    state: StateDep,
    principal: CurrentPrincipal,
) -> None:
    """Change one's own password: the other browsers signed in as you are signed out (this one
    stays). Five wrong current passwords in five minutes: 429 (a borrowed session guessing)."""
    tries = f"user:{principal.user_id}"
    state.password_changes.check(tries)
    try:
        accounts.change_own_password(session, principal, body.old_password, body.new_password,
                                     request.cookies.get(SESSION_COOKIE))  # fmt: skip
    except InvalidInput as exc:
        if exc.field == "old_password":
            state.password_changes.fail(tries)
        raise


def _account(body: AccountBody) -> accounts.AccountIn:
    return accounts.AccountIn(body.name, body.role, body.login, body.phone, body.email,
                              body.rep_id, body.team_id, body.active)  # fmt: skip


@router.get("/users")
def read_users(session: SessionDep, principal: CurrentPrincipal) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in accounts.list_accounts(session, principal)]


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: AccountBody, session: SessionDep, principal: CurrentPrincipal) -> CreatedUser:
    """A user who signs in with a password (generated and returned once when not given)."""
    user, password = accounts.create_account(session, _account(body), principal, body.password)
    return CreatedUser(user=UserOut.model_validate(user), password=password)


@router.put("/users/{user_id}")
def update_user(
    user_id: Id, body: AccountBody, session: SessionDep, principal: CurrentPrincipal
) -> UserOut:
    """Change a user's name, role, rep or team link, sign-in names, or disable them."""
    return UserOut.model_validate(
        accounts.update_account(session, user_id, _account(body), principal)
    )


@router.post("/users/{user_id}/password")
def reset_user_password(
    user_id: Id, session: SessionDep, principal: CurrentPrincipal
) -> NewPassword:
    """A new generated password, returned once; the user's browsers are signed out."""
    return NewPassword(password=accounts.reset_password(session, user_id, principal))


@router.get("/tokens")
def read_tokens(session: SessionDep, principal: CurrentPrincipal) -> list[TokenOut]:
    return [_token_out(info) for info in tokens.list_tokens(session, principal)]


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_api_token(
    body: TokenBody, session: SessionDep, principal: CurrentPrincipal
) -> CreatedToken:
    """An API token for an integration (a user of its own with that role)."""
    row, secret = tokens.create_token(session, body.name, body.role, principal,
                                      rep_id=body.rep_id, team_id=body.team_id)  # fmt: skip
    return CreatedToken(token=_token_out(tokens.token_info(session, row)), secret=secret)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_token(token_id: Id, session: SessionDep, principal: CurrentPrincipal) -> None:
    tokens.revoke_token(session, token_id, principal)


def _token_out(info: tokens.TokenInfo) -> TokenOut:
    return TokenOut.model_validate(info, from_attributes=True)
