"""Coaching: comments pinned to a call's turns, weighted scorecards, and team playlists of good
moments."""

__all__: list[str] = []
