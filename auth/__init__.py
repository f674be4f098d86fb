"""Auth and permissions: who is calling (`Principal`), users and their API tokens, and the one
permission model that says which role may do what over which scope."""

from auth.principal import Principal

__all__ = ["Principal"]
