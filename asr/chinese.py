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

# Phrases seen when Whisper transcribes silence or noise in Chinese. Matched after
# simplification and after stripping punctuation and spaces.
_HALLUCINATION_PATTERNS = (
    r"字幕(由|制作|提供|志愿者|组|：|by).*",
    r".*(amara|Amara)\.?org.*",
    r"请不吝点赞.*",
    r".*(点赞|订阅|转发|打赏).*(栏目|频道|支持).*",
    r"(中文|简体中文|繁体中文)?字幕.{0,12}",
    r"(感谢|谢谢)(您的)?(观看|收看|收听|聆听)[！!。]*",
    r"(优优|YoYo).*(独播|Television).*",
    r"(明镜|点点)(与|和)?(点点|明镜)?栏目.*",
    r"本(节目|视频|字幕).{0,20}",
    r"(詞曲|作词|作曲|编曲)\s*[:：].*",
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
    core = _letters_only(to_simplified(text))
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
