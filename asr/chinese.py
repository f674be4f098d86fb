"""Clean-ups for Whisper's known failures on Mandarin, applied to each segment as it arrives.

- Traditional characters: Whisper often writes 繁體; we convert to simplified with OpenCC
  (and turn the particle 著 into 着, which OpenCC leaves alone).
- Hallucinated phrases: on silence and music Whisper "hears" subtitle credits and sign-offs
  (字幕由Amara.org社区提供, 请不吝点赞订阅…); a segment that is only such a phrase is dropped.
- Repetition loops: the decoder can get stuck repeating one phrase; runs are cut back.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

__all__ = ["collapse_repeats", "is_hallucination", "to_simplified"]

# Whole segments Whisper produces from silence or noise in Chinese (subtitle credits and video
# sign-offs from its training data). Matched against the segment with punctuation and spaces
# stripped. Kept narrow on purpose: 本节目由…冠名播出 is real speech in an advert.
_HALLUCINATION_PATTERNS = (
    r"字幕(由|制作|提供|志愿者|校对|翻译|组).{0,20}",
    r".{0,20}amara\.?org.{0,10}",
    r"请不吝点赞.{0,30}",
    r".{0,6}(点赞|订阅)(转发|订阅|打赏|支持)+.{0,16}(栏目|频道)",
    r"(中文|简体中文|繁体中文)字幕",
    r"(感谢|谢谢)(大家|您|你)?的?(观看|收看|收听)",
    r"(优优独播剧场|yoyotelevisionseriesexclusive).{0,40}",
)
_HALLUCINATION_RE = re.compile("|".join(f"(?:{p})" for p in _HALLUCINATION_PATTERNS))
_MAX_REPEATS = 4  # 对对对对 is speech; the fifth identical run in a row is a decoder loop


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


# OpenCC keeps 著 (it is a simplified character too), but Whisper writes the particle 着 as 著
# (拉著, 带著). Only the literary words keep 著: 著名, 显著, 名著, 土著…
_ZHE_PARTICLE = re.compile(r"(?<![显卓昭土原名巨论编专译遗合])著(?![名作称述录书者])")


def to_simplified(text: str) -> str:
    return _ZHE_PARTICLE.sub("着", str(_converter().convert(text)))


def _letters_only(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def is_hallucination(text: str) -> bool:
    """True when the whole segment is one of Whisper's stock phrases for silence."""
    core = _letters_only(to_simplified(text)).lower()
    if not core:
        return True  # only punctuation or spaces: nothing was said
    return _HALLUCINATION_RE.fullmatch(core) is not None


def collapse_repeats(units: list[str], max_repeats: int = _MAX_REPEATS) -> list[str]:
    """Cut runs of the same 1-4 unit sequence repeated more than `max_repeats` times in a row.

    `units` are words (or characters when there are no word timestamps), so callers can keep
    word timings in step with the text.
    """
    keep = list(units)
    for width in range(1, 5):
        keep = _collapse_width(keep, width, max_repeats)
    return keep


def _collapse_width(units: list[str], width: int, max_repeats: int) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(units):
        block = units[i : i + width]
        runs = _count_runs(units, i, block) if len(block) == width else 1
        if runs > 1:
            out.extend(block * min(runs, max_repeats))
            i += width * runs
        else:
            out.append(units[i])
            i += 1
    return out


def _count_runs(units: list[str], start: int, block: list[str]) -> int:
    width, runs = len(block), 1
    while units[start + runs * width : start + (runs + 1) * width] == block:
        runs += 1
    return runs
