"""Word frequencies for telling a word from a slip of the recogniser, and for finding the word a
slip sounds like.

Read from jieba-format dictionaries (`word [frequency] [tag]` per line): jieba's own (349 000
words from a general corpus), the sales dictionary and the team's file. Two uses:

- `segment_score`: the log-probability of the best split of a text into known words (unigram
  model, the one jieba segments with). 爆销 splits into two rare characters, 报销 is one common
  word: the second scores far better, which is the evidence a homophone correction needs.
- `homophones`: the known words of 2-4 characters read with the same toneless syllables.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from asr.pronunciation import readings_of_word

__all__ = ["MODERN_WORDS", "Lexicon", "jieba_dictionary", "read_frequencies"]

# Words of the 2020s that jieba's 2013 dictionary lacks or hardly knows (微信, 官网, 账期…):
# without them the homophone pass "corrects" 微信 into 威信.
MODERN_WORDS = Path(__file__).parent / "data" / "lexicon_extra.txt"

_MAX_WORD = 6  # longer dictionary entries do not matter for a local score
_INDEXED_LENGTHS = range(2, 5)
_DEFAULT_FREQUENCY = 100  # a word listed without a frequency (a team's plain word list)


def jieba_dictionary() -> Path:
    """jieba's bundled dictionary (the general one every jieba tokenizer starts from)."""
    import jieba

    return Path(jieba.__file__).parent / "dict.txt"


class Lexicon:
    """Immutable once built. `layers`: word → frequency mappings, the highest frequency of a word
    counts (pass a jieba tokenizer's own table to share it instead of reading the file again);
    building indexes the readings of the words worth proposing (about 0.6 s)."""

    def __init__(self, layers: Sequence[Mapping[str, int]], *, min_indexed: int = 50) -> None:
        self._layers = tuple(layers)
        total = sum(frequency for layer in self._layers for frequency in layer.values())
        self._log_total = math.log(max(total, 1))
        self._by_reading: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for word in {w for layer in self._layers for w in layer}:
            if len(word) in _INDEXED_LENGTHS and self.frequency(word) >= min_indexed:
                self._index(word)

    @classmethod
    def from_files(cls, paths: Sequence[Path], *, min_indexed: int = 50) -> Lexicon:
        return cls([read_frequencies(path) for path in paths], min_indexed=min_indexed)

    def _index(self, word: str) -> None:
        readings = readings_of_word(word, all_readings=False)
        if readings is not None:
            self._by_reading[tuple(r[0] for r in readings)].append(word)

    def frequency(self, word: str) -> int:
        return max(layer.get(word, 0) or 0 for layer in self._layers) if self._layers else 0

    def segment(self, text: str) -> list[str]:
        """The best split of `text` into dictionary words (unknown characters alone)."""
        return self._best_split(text)[1]

    def homophones(self, syllables: tuple[str, ...]) -> list[str]:
        """Known words read exactly like `syllables` (toneless), most frequent first."""
        return sorted(self._by_reading.get(syllables, ()), key=self.frequency, reverse=True)

    def segment_score(self, text: str) -> float:
        """Log-probability of the best split of `text` into dictionary words (an unknown
        character counts as a word seen once)."""
        return self._best_split(text)[0]

    def _best_split(self, text: str) -> tuple[float, list[str]]:
        best: list[tuple[float, int]] = [(0.0, 0)] + [(-math.inf, 0)] * len(text)
        for end in range(1, len(text) + 1):
            for start in range(max(0, end - _MAX_WORD), end):
                frequency = self.frequency(text[start:end])
                if frequency == 0 and end - start > 1:
                    continue
                score = best[start][0] + math.log(max(frequency, 1)) - self._log_total
                if score > best[end][0]:
                    best[end] = (score, start)
        words, end = [], len(text)
        while end > 0:
            start = best[end][1]
            words.append(text[start:end])
            end = start
        return best[-1][0], words[::-1]


def read_frequencies(path: Path) -> dict[str, int]:
    """A jieba-format dictionary file as word → frequency."""
    frequencies: dict[str, int] = {}
    for word, frequency in _entries(path.read_text(encoding="utf-8").splitlines()):
        frequencies[word] = max(frequency, frequencies.get(word, 0))
    return frequencies


def _entries(lines: Iterable[str]) -> Iterable[tuple[str, int]]:
    for line in lines:
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        frequency = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else _DEFAULT_FREQUENCY
        yield parts[0], frequency
