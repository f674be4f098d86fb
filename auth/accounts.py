"""User accounts: admins create, change, disable and reset them; people sign in with a login
(or phone or e-mail) and a password; a signed-in browser holds a session.

The session cookie carries a random id; only its SHA-256 is stored (like API tokens), so the
database never holds anything a browser could present. Disabling a user or resetting their
password ends their sessions at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.passwords import check_new_password, generate_password, hash_password, verify_password
from auth.permissions import CHANGE_PASSWORD, MANAGE_USERS, authorize
from auth.principal import Principal
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from models import Rep, Role, Team, User, UserSession, utcnow

__all__ = [
    "SESSION_DAYS",
    "AccountIn",
    "account_named",
    "change_own_password",
    "check_role",
    "create_account",
    "end_session",
    "ensure_first_admin",
    "list_accounts",
    "qa_reviewers",
    "reset_password",
    "session_principal",
    "sign_in",
    "start_session",
    "update_account",
    "user_principal",
]

SESSION_DAYS = 30
FIRST_ADMIN_LOGIN = "admin"


@dataclass(frozen=True, slots=True)
class AccountIn:
    name: str
    role: str
    login: str | None = None
    phone: str | None = None
    email: str | None = None
    rep_id: int | None = None
    team_id: int | None = None
    active: bool = True


def create_account(
    session: Session, account: AccountIn, principal: Principal, password: str | None = None
) -> tuple[User, str]:
    """A new user who can sign in; returns the password (generated when none is given) once."""
    authorize(principal, MANAGE_USERS)
    password = password or generate_password()
    user = User(password_hash=hash_password(password))
    _apply(session, user, account)
    session.add(user)
    _flush_unique(session)
    return user, password


def update_account(
    session: Session, user_id: int, account: AccountIn, principal: Principal
) -> User:
    authorize(principal, MANAGE_USERS)
    user = _user(session, user_id)
    if user.id == principal.user_id and (not account.active or account.role != Role.ADMIN):
        raise Forbidden("you may not disable yourself or give up your own admin role")
    _apply(session, user, account)
    _flush_unique(session)  # before ending sessions: that statement would flush a clash (500)
    if not user.active:
        _end_sessions(session, user.id)
    return user


def reset_password(session: Session, user_id: int, principal: Principal) -> str:
    """A new generated password for the user; their browsers are signed out."""
    authorize(principal, MANAGE_USERS)
    user = _user(session, user_id)
    password = generate_password()
    user.password_hash = hash_password(password)
    _end_sessions(session, user.id)
    return password


def change_own_password(
    session: Session, principal: Principal, old: str, new: str, keep_session: str | None = None
) -> None:
    """A new password; every other browser signed in as the user is signed out (a password
    changed because it leaked must shut the door), the one that changed it (`keep_session`,
    its cookie's secret) stays signed in."""
    authorize(principal, CHANGE_PASSWORD)
    user = session.get(User, principal.user_id) if principal.user_id is not None else None
    if user is None:  # HUASHU_ADMIN_TOKEN: a token without a user behind it
        raise Forbidden("this token belongs to no user, so it has no password")
    if not verify_password(user.password_hash, old):
        raise InvalidInput("the current password is wrong", field="old_password")
    check_new_password(new)
    user.password_hash = hash_password(new)
    others = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_session:
        others = others.where(UserSession.session_hash != _hash(keep_session))
    session.execute(others)


def list_accounts(session: Session, principal: Principal) -> list[User]:
    authorize(principal, MANAGE_USERS)
    return list(session.scalars(select(User).order_by(User.id)))


def qa_reviewers(session: Session) -> list[User]:
    """The active QA users, who may be given a sampling plan's queue."""
    query = select(User).where(User.role == Role.QA, User.active).order_by(User.id)
    return list(session.scalars(query))


def check_role(session: Session, role: str, rep_id: int | None, team_id: int | None) -> None:
    if role not in Role.ALL:
        raise InvalidInput(f"unknown role {role!r}; use one of {', '.join(Role.ALL)}", field="role")
    if role == Role.REP and (rep_id is None or session.get(Rep, rep_id) is None):
        raise InvalidInput(
            "a rep user needs the id of an existing rep record (--rep-id)", field="rep_id"
        )
    if role == Role.MANAGER and (team_id is None or session.get(Team, team_id) is None):
        raise InvalidInput(
            "a manager needs the id of an existing team (--team-id)", field="team_id"
        )


def _apply(session: Session, user: User, account: AccountIn) -> None:
    name = account.name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a user needs a name of 1 to 100 characters", field="name")
    check_role(session, account.role, account.rep_id, account.team_id)
    login, phone = _clean(account.login, "login", 100), _clean(account.phone, "phone", 30)
    email = _clean(account.email, "email", 200)
    if email is not None and "@" not in email:
        raise InvalidInput("an e-mail address needs an @", field="email")
    if login is None and phone is None and email is None:
        raise InvalidInput("a user needs a login name, a phone or an e-mail", field="login")
    email = email.lower() if email else None
    _check_names_free(session, user, login, phone, email)
    user.name, user.role, user.active = name, account.role, account.active
    user.login, user.phone, user.email = login, phone, email
    user.rep_id = account.rep_id if account.role == Role.REP else None
    user.team_id = account.team_id if account.role == Role.MANAGER else None


def _check_names_free(
    session: Session, user: User, login: str | None, phone: str | None, email: str | None
) -> None:
    """A user signs in with any of login, phone and e-mail, so each must name one user only:
    one user's login may not be another's phone or e-mail either (sign-in would be ambiguous)."""
    for field, value in (("login", login), ("phone", phone), ("email", email)):
        if value is None:
            continue
        clash = or_(User.login == value, User.phone == value, User.email == value.lower())
        other = select(User.id).where(clash)
        if user.id is not None:
            other = other.where(User.id != user.id)
        if session.scalar(other.limit(1)) is not None:
            raise Conflict(
                f"that {field} is already used by another user (as a login name, phone or e-mail)",
                field=field,
            )


def _clean(value: str | None, field: str, limit: int) -> str | None:
    value = (value or "").strip()
    if len(value) > limit or any(ord(ch) < 32 or ch.isspace() for ch in value):
        raise InvalidInput(f"{field} has at most {limit} characters and no spaces", field=field)
    return value or None


def _flush_unique(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            "that login name, phone or e-mail is already used by another user", field="login"
        ) from None


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


# ---------------------------------------------------------------- signing in


def account_named(session: Session, identifier: str) -> User | None:
    """The user whose login, phone or e-mail is `identifier` (each names one user only)."""
    identifier = identifier.strip()
    if not identifier:
        return None
    named = or_(User.login == identifier, User.phone == identifier,
                User.email == identifier.lower())  # fmt: skip
    return session.scalar(select(User).where(named).order_by(User.id).limit(1))


def sign_in(session: Session, identifier: str, password: str) -> User:
    """The active user whose login, phone or e-mail is `identifier` and whose password this is."""
    user = account_named(session, identifier)
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized("wrong login or password")
    if not user.active:
        raise Unauthorized("this user is deactivated")
    return user


def start_session(session: Session, user: User) -> str:
    """A new session for the user; returns the secret for the cookie (never stored)."""
    now = utcnow()
    session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at < now)
    )
    secret = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, session_hash=_hash(secret),
                            expires_at=now + timedelta(days=SESSION_DAYS)))  # fmt: skip
    session.flush()
    return secret


def session_principal(session: Session, secret: str | None) -> Principal:
    if not secret:
        raise Unauthorized("not signed in")
    row = session.scalar(select(UserSession).where(UserSession.session_hash == _hash(secret)))
    if row is None or row.expires_at <= utcnow():
        raise Unauthorized("the session has ended; sign in again")
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorized("this user is deactivated")
    return user_principal(session, user, None)


def end_session(session: Session, secret: str | None) -> None:
    if secret:
        session.execute(delete(UserSession).where(UserSession.session_hash == _hash(secret)))


def user_principal(session: Session, user: User, token_id: int | None) -> Principal:
    team_id = user.team_id
    if user.rep_id is not None and team_id is None:  # a rep belongs to their rep record's team
        rep = session.get(Rep, user.rep_id)
        team_id = rep.team_id if rep else None
    return Principal(token_id, user.name, user.role, user.id, user.rep_id, team_id)


def ensure_first_admin(session: Session) -> tuple[User, str] | None:
    """On a fresh install (no admin can sign in yet): the admin account, with a new password."""
    admins = select(User.id).where(User.role == Role.ADMIN, User.password_hash.is_not(None))
    if session.scalar(admins.limit(1)) is not None:
        return None
    first = Principal.system("first start")
    account = AccountIn(name="管理员", role=Role.ADMIN, login=FIRST_ADMIN_LOGIN)
    return create_account(session, account, first)


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == user_id))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
