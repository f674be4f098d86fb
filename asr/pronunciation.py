"""How alike two Mandarin words sound, tones ignored, with the confusions ASR makes.

Every Chinese character is read as toneless pinyin syllables (pypinyin: a word's reading from its
phrase dictionary, else each character's readings, all of them for characters with several, so
that 曾 can be céng or zēng and 单 dān or shàn). A syllable is split into its initial and its
final, the final into medial, nucleus and coda (`uen` = u + e + n); two syllables are compared
part by part, and the parts Mandarin speakers and Whisper confuse cost little:

- initials: z/zh, c/ch, s/sh, n/l, f/h, r/l, aspirated/unaspirated pairs (b/p, d/t, g/k, j/q,
  z/c, zh/ch), fricative/affricate at one place (s/c, x/q), and the palatals against the others
  (j/z/zh, q/c/ch, x/s/sh);
- finals: -n/-ng (in/ing, en/eng, an/ang), i/ü and u/ü, a dropped medial (sun/seng).

So 云帆 (yun fan) and 赢翻 (ying fan) come out 0.94 alike, 孙经理 and 曾经理 0.91, 张伟 and 江伟 0.88,
while unrelated words stay below 0.6. `asr.correction` decides what to replace with these figures.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pypinyin import Style, lazy_pinyin
from pypinyin.phrases_dict import phrases_dict
from pypinyin.pinyin_dict import pinyin_dict

__all__ = [
    "Reading",
    "is_han",
    "readings_of_text",
    "readings_of_word",
    "syllable_similarity",
    "word_similarity",
]

# One position of a word: the toneless syllables it may be read as (usually one).
Reading = tuple[str, ...]

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q",
             "x", "r", "z", "c", "s")  # fmt: skip
# Syllables written with y/w (no initial) and their finals.
_GLIDE_FINALS = {
    "yi": "i", "ya": "ia", "ye": "ie", "yao": "iao", "you": "iou", "yan": "ian", "yin": "in",
    "yang": "iang", "ying": "ing", "yong": "iong", "yu": "v", "yue": "ve", "yuan": "van",
    "yun": "vn", "yo": "io", "wu": "u", "wa": "ua", "wo": "uo", "wai": "uai", "wei": "uei",
    "wan": "uan", "wen": "uen", "wang": "uang", "weng": "ueng",
}  # fmt: skip
_CONTRACTED = {"iu": "iou", "ui": "uei", "un": "uen"}
# final → (medial, nucleus, coda); N is the -ng coda.
_FINAL_PARTS = {
    "a": ("", "a", ""), "o": ("", "o", ""), "e": ("", "e", ""), "ai": ("", "a", "i"),
    "ei": ("", "e", "i"), "ao": ("", "a", "u"), "ou": ("", "o", "u"), "an": ("", "a", "n"),
    "en": ("", "e", "n"), "ang": ("", "a", "N"), "eng": ("", "e", "N"), "ong": ("", "o", "N"),
    "er": ("", "r", ""), "i": ("", "i", ""), "u": ("", "u", ""), "v": ("", "v", ""),
    "ia": ("i", "a", ""), "ie": ("i", "e", ""), "iao": ("i", "a", "u"), "iou": ("i", "o", "u"),
    "ian": ("i", "a", "n"), "in": ("", "i", "n"), "iang": ("i", "a", "N"),
    "ing": ("", "i", "N"), "iong": ("i", "o", "N"), "io": ("i", "o", ""), "ua": ("u", "a", ""),
    "uo": ("u", "o", ""), "uai": ("u", "a", "i"), "uei": ("u", "e", "i"),
    "uan": ("u", "a", "n"), "uen": ("u", "e", "n"), "uang": ("u", "a", "N"),
    "ueng": ("u", "e", "N"), "ve": ("v", "e", ""), "van": ("v", "a", "n"), "vn": ("", "v", "n"),
}  # fmt: skip


def _pairs(table: dict[tuple[str, str], float]) -> dict[frozenset[str], float]:
    return {frozenset(pair): value for pair, value in table.items()}


# How alike two different initials sound (1 = the same; pairs not listed: 0).
_INITIAL_NEAR = _pairs({
    ("z", "zh"): 0.85, ("c", "ch"): 0.85, ("s", "sh"): 0.85, ("n", "l"): 0.85, ("f", "h"): 0.8,
    ("z", "c"): 0.75, ("zh", "ch"): 0.75, ("j", "q"): 0.75, ("b", "p"): 0.75, ("d", "t"): 0.75,
    ("g", "k"): 0.75, ("l", "r"): 0.7, ("s", "c"): 0.7, ("s", "z"): 0.7, ("sh", "ch"): 0.7,
    ("x", "q"): 0.7, ("x", "j"): 0.65, ("sh", "zh"): 0.65, ("j", "zh"): 0.6, ("q", "ch"): 0.6,
    ("x", "sh"): 0.6, ("j", "z"): 0.6, ("q", "c"): 0.6, ("x", "s"): 0.6, ("sh", "r"): 0.5,
    ("h", "k"): 0.5, ("m", "n"): 0.5, ("h", "g"): 0.4, ("b", "m"): 0.4, ("d", "n"): 0.4,
    ("l", "d"): 0.4, ("", "h"): 0.4, ("", "n"): 0.3, ("", "r"): 0.3,
})  # fmt: skip
# How far apart two parts of a final are (0 = the same; pairs not listed: 1).
_MEDIAL_FAR = _pairs({("", "i"): 0.5, ("", "u"): 0.5, ("", "v"): 0.6, ("i", "v"): 0.4,
                      ("u", "v"): 0.5, ("i", "u"): 0.8})  # fmt: skip
_NUCLEUS_FAR = _pairs({("a", "e"): 0.5, ("e", "o"): 0.4, ("o", "u"): 0.4, ("i", "v"): 0.3,
                       ("i", "e"): 0.6, ("u", "v"): 0.4, ("e", "r"): 0.5, ("a", "o"): 0.6})  # fmt: skip
_CODA_FAR = _pairs({("n", "N"): 0.25, ("", "n"): 0.6, ("", "N"): 0.6, ("", "i"): 0.5,
                    ("", "u"): 0.5, ("i", "n"): 0.8})  # fmt: skip
_WEIGHTS = (0.3, 0.4, 0.3)  # medial, nucleus, coda
_INITIAL_SHARE = 0.4  # of a syllable's likeness; the final has the rest
_TONE_MARKS = {"ü": "v", "ǖ": "v", "ǘ": "v", "ǚ": "v", "ǜ": "v", "ń": "n", "ň": "n", "ǹ": "n",
               "ḿ": "m"}  # fmt: skip


def is_han(char: str) -> bool:
    """A Chinese character (CJK unified ideographs, the extensions too)."""
    return "CJK UNIFIED IDEOGRAPH" in unicodedata.name(char, "")


@lru_cache(maxsize=4096)
def _split(syllable: str) -> tuple[str, tuple[str, str, str]]:
    """'sun' → ('s', ('u', 'e', 'n')); unknown shapes fall back to the letters as nucleus."""
    if syllable in _GLIDE_FINALS:
        initial, final = "", _GLIDE_FINALS[syllable]
    else:
        initial = next((i for i in _INITIALS if syllable.startswith(i)), "")
        final = syllable[len(initial) :]
        if initial in ("j", "q", "x") and final.startswith("u"):
            final = "v" + final[1:]  # ju, que, xuan are ü-finals
        final = _CONTRACTED.get(final, final)
    return initial, _FINAL_PARTS.get(final, ("", final, ""))


@lru_cache(maxsize=65536)
def syllable_similarity(a: str, b: str) -> float:
    """0..1: 1 for the same toneless syllable, about 0.7-0.9 for the confusions above."""
    if a == b:
        return 1.0
    (initial_a, final_a), (initial_b, final_b) = _split(a), _split(b)
    initial = (
        1.0 if initial_a == initial_b else _INITIAL_NEAR.get(frozenset((initial_a, initial_b)), 0.0)
    )
    distance = sum(
        weight * (0.0 if x == y else table.get(frozenset((x, y)), 1.0))
        for weight, table, x, y in zip(
            _WEIGHTS, (_MEDIAL_FAR, _NUCLEUS_FAR, _CODA_FAR), final_a, final_b, strict=True
        )
    )
    return _INITIAL_SHARE * initial + (1 - _INITIAL_SHARE) * (1.0 - distance)


def _reading_similarity(a: Reading, b: Reading) -> float:
    return max(syllable_similarity(x, y) for x in a for y in b)


def word_similarity(a: Sequence[Reading], b: Sequence[Reading]) -> tuple[float, ...]:
    """Position by position, how alike two readings of the same length sound."""
    return tuple(_reading_similarity(x, y) for x, y in zip(a, b, strict=True))


def _toneless(syllable: str) -> str:
    plain = "".join(_TONE_MARKS.get(ch, ch) for ch in syllable)
    decomposed = unicodedata.normalize("NFD", plain)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").lower()


@lru_cache(maxsize=65536)
def _char_readings(char: str) -> Reading:
    found = pinyin_dict.get(ord(char))
    if not found:
        return ()
    return tuple(dict.fromkeys(_toneless(s) for s in found.split(",")))


def readings_of_word(word: str, *, all_readings: bool = True) -> tuple[Reading, ...] | None:
    """Each character's readings (the phrase dictionary's first, then the character's others
    when `all_readings`); None when a character is not Chinese or has no reading."""
    phrase = phrases_dict.get(word)
    readings: list[Reading] = []
    for index, char in enumerate(word):
        own = _char_readings(char)
        if not own:
            return None
        first = (_toneless(phrase[index][0]),) if phrase and index < len(phrase) else own[:1]
        readings.append(tuple(dict.fromkeys(first + own)) if all_readings else first)
    return tuple(readings)


def readings_of_text(text: str) -> list[Reading]:
    """One reading per character of `text` as pypinyin reads it in context (银行: yin hang),
    plus the character's other readings; () for anything that is not a Chinese character."""
    # pypinyin calls `errors` with each run of other characters; one blank per character keeps
    # the result aligned with `text` (its stubs say the callback returns a str; a list works).
    blank_each: Any = lambda chars: [""] * len(chars)  # noqa: E731
    in_context = lazy_pinyin(text, style=Style.NORMAL, errors=blank_each)
    out: list[Reading] = []
    for char, syllable in zip(text, _per_char(text, in_context), strict=True):
        own = _char_readings(char) if is_han(char) else ()
        out.append(tuple(dict.fromkeys(((syllable,) if syllable and own else ()) + own)))
    return out


def _per_char(text: str, syllables: list[str]) -> list[str]:
    """lazy_pinyin gives one syllable per Chinese character and may merge other runs; keep
    one entry per character of `text`."""
    if len(syllables) == len(text):
        return [s.replace("ü", "v") for s in syllables]
    return [_char_readings(c)[0] if is_han(c) and _char_readings(c) else "" for c in text]
