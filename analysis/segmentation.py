"""Word segmentation with our own jieba tokenizer and the sales dictionary.

We never touch jieba's global tokenizer (`jieba.cut`): other code in the process could load
dictionaries into it. `SalesTokenizer` owns a `jieba.Tokenizer`, loads the bundled sales
dictionary (analysis/data/sales_dict.txt) and any user dictionaries given to it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import jieba

__all__ = ["SALES_DICTIONARY", "SalesTokenizer"]

SALES_DICTIONARY = Path(str(resources.files("analysis") / "data" / "sales_dict.txt"))
_SKIP = frozenset(" \t\r\n，。？！、；：,.?!;:…~～“”\"'（）()【】[]-—")


class SalesTokenizer:
    def __init__(self, user_dictionaries: Sequence[Path] = ()) -> None:
        jieba.setLogLevel(logging.WARNING)  # jieba prints its cache build to stderr otherwise
        self.dictionaries = (SALES_DICTIONARY, *user_dictionaries)  # what decides the words
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for dictionary in self.dictionaries:
            self._tokenizer.load_userdict(str(dictionary))

    def word_frequencies(self) -> Mapping[str, int]:
        """The tokenizer's own word → frequency table (jieba's dictionary, the sales dictionary and
        the team's files; prefixes of words appear with frequency 0). Shared, not copied."""
        frequencies: Mapping[str, int] = self._tokenizer.FREQ
        return frequencies

    def tokens(self, text: str) -> list[str]:
        """Words of `text`, without punctuation and spaces (HMM on, for unseen names)."""
        return [t for t in self._tokenizer.lcut(text, HMM=True) if t.strip() and t not in _SKIP]
