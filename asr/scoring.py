"""Character error rate (CER) for Chinese transcripts, as used by the tests and benchmarks.

Both sides are normalised the same way before comparing, as ../shared/audio/README asks: NFKC
width folding, punctuation and spaces removed, Latin lower-cased, and Arabic digits spelled as
Chinese digits (references and Whisper disagree on 8号线 / 八号线 and neither is wrong).
Traditional characters are NOT folded: the references are simplified, and a transcript in
traditional characters is wrong for our users.
"""

from __future__ import annotations

import unicodedata

__all__ = ["cer", "character_errors", "normalize_for_cer"]

_DIGITS = str.maketrans("0123456789", "零一二三四五六七八九")


def normalize_for_cer(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).lower()
    kept = "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")
    return kept.translate(_DIGITS)


def character_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance, reference length) after normalisation; sum these over a corpus."""
    ref, hyp = normalize_for_cer(reference), normalize_for_cer(hypothesis)
    return _edit_distance(ref, hyp), len(ref)


def cer(reference: str, hypothesis: str) -> float:
    errors, length = character_errors(reference, hypothesis)
    return errors / max(length, 1)


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]
