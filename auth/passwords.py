"""Passwords: argon2id hashes (argon2-cffi), the rules a new password must meet, and generated
passwords for new accounts and resets."""

from __future__ import annotations

import contextlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import InvalidInput

__all__ = [
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "check_new_password",
    "generate_password",
    "hash_password",
    "verify_nothing",
    "verify_password",
]

MIN_PASSWORD = 8
MAX_PASSWORD = 200  # argon2 reads all of it; a megabyte "password" would only burn CPU
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    check_new_password(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash or len(password) > MAX_PASSWORD:
        verify_nothing()
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_nothing() -> None:
    """Spend the time of one verification, so an unknown login answers as slowly as a known one
    (the answer's speed must not tell which logins exist)."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), "not the password")


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def check_new_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters", field="password"
        )


def generate_password() -> str:
    """12 random characters from an alphabet without look-alikes (0/O, 1/l/I), easy to type."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))
