"""What a person's edit of a transcript replaced, as whole words.

A reviewer changes 我是曾经理 into 我是孙经理; the characters that differ are 曾 → 孙, but a
correction worth learning is 曾经理 → 孙经理: 曾 alone is right in 曾经. So each changed stretch is
widened to the whole words of the new text around it (split with the frequency lexicon), and a
stretch still shorter than two characters takes in the next word as well.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from asr.lexicon import Lexicon
from asr.pronunciation import is_han

__all__ = ["MAX_CHANGE_CHARS", "edit_changes"]

MAX_CHANGE_CHARS = 12  # longer rewrites are rephrasings, not a word heard wrong
_MIN_CHARS = 2


def edit_changes(old: str, new: str, lexicon: Lexicon | None = None) -> list[tuple[str, str]]:
    """The (old, new) word pairs an edit replaced, in order; insertions and deletions of whole
    words are not replacements and are left out."""
    boundaries = _word_boundaries(new, lexicon)
    pairs: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace" or not _words_changed(old[i1:i2] + new[j1:j2]):
            continue
        i1, i2, j1, j2 = _widened(old, new, (i1, i2, j1, j2), boundaries)
        pair = (old[i1:i2], new[j1:j2])
        if _worth_keeping(*pair) and pair not in pairs:
            pairs.append(pair)
    return pairs


def _word_boundaries(text: str, lexicon: Lexicon | None) -> list[int]:
    words = lexicon.segment(text) if lexicon is not None else list(text)
    cuts, position = [0], 0
    for word in words:
        position += len(word)
        cuts.append(position)
    return cuts


def _widened(
    old: str, new: str, span: tuple[int, int, int, int], cuts: list[int]
) -> tuple[int, int, int, int]:
    """Grow the stretch to word boundaries of `new`, only over text both sides share."""
    i1, i2, j1, j2 = span
    start = max((c for c in cuts if c <= j1), default=0)
    end = min((c for c in cuts if c >= j2), default=len(new))
    if end - start < _MIN_CHARS:  # a one-character word: take the next (or the previous) one
        later = [c for c in cuts if c > end]
        earlier = [c for c in cuts if c < start]
        if later:
            end = later[0]
        elif earlier:
            start = earlier[-1]
    left, right = j1 - start, end - j2
    if old[i1 - left : i1] != new[start:j1] or i1 - left < 0:
        left = 0
    if old[i2 : i2 + right] != new[j2:end]:
        right = 0
    return i1 - left, i2 + right, j1 - left, j2 + right


def _words_changed(changed: str) -> bool:
    """Words, not punctuation: 。→！ teaches nothing about what was heard."""
    return all(c.isalnum() for c in changed)


def _worth_keeping(heard: str, text: str) -> bool:
    return (
        heard != text
        and _MIN_CHARS <= len(heard) <= MAX_CHANGE_CHARS
        and _MIN_CHARS <= len(text) <= MAX_CHANGE_CHARS
        and any(is_han(c) for c in text)
        and not any(c.isspace() for c in heard + text)
    )
