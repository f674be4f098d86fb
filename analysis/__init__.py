"""Conversation analysis (segmentation, SPIN questions, commitments, metrics).

A pure library like `asr`. Filled in by the analysis issue; the worker's `analyzing` stage
calls into it once it exists.
"""

__all__: list[str] = []
