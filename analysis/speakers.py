"""Who is the rep on a mono call, where the channels cannot tell the speakers apart.

With voices (`attribute_voices`): asr has told the two voices apart acoustically and labelled
every word with one of them (`TimedWord.voice`). Each voice is one speaker; the text decides
which one is the rep: each utterance votes as below (introductions, questions and pitches for
its own voice; answers about "你们" for the other), and the voice with more votes is the rep.
The confidence is the expected share of speech attributed right: both the voices and the vote
right, or both wrong (p_text·p_voice + (1 − p_text)(1 − p_voice)), where p_voice is the mean
acoustic confidence of the words and p_text the vote share, shrunk towards 0.5 with few votes.

Without voices (`assign_mono_speakers`), the text heuristic, in order:
1. Turn-taking at pauses: an utterance that follows a pause of ≥ 0.7 s, or that starts a new
   sentence after a question, is taken to be the other speaker; shorter gaps keep the speaker.
2. That yields two alternating voices, A and B. Each utterance votes for "this voice is the rep"
   when it introduces the company (我是…的, 我们公司, 我这边是…), asks a question, or pitches
   (我们的产品, 我们可以帮您); it votes for "customer" when it answers with a commitment or
   decline, or says 你们 about the seller.
3. The voice with more rep votes is the rep. Confidence = the winning share of votes, scaled
   down when there are few votes; with no votes at all the first speaker (the caller) is the rep
   at confidence 0.5.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analysis.cues import question_cues
from analysis.turns import SpeechSegment, VoicedUtterance, voiced_utterances
from analysis.types import SpeakerGuess, Utterance

__all__ = ["assign_mono_speakers", "attribute_voices"]

_TURN_PAUSE_S = 0.7
_REP_SIGNS = re.compile(
    r"我是.{0,12}(的|公司|顾问|经理)|我们公司|我这边是|我们的(产品|方案|系统|课程)|我们可以(帮|给)|给您(介绍|演示|发)"
)
_CUSTOMER_SIGNS = re.compile(
    r"你们(的|这个|公司|那边)|我们(考虑|商量|不需要|没有预算)|多少钱|我考虑|不需要|先这样"
)


def assign_mono_speakers(utterances: Sequence[Utterance]) -> tuple[list[Utterance], SpeakerGuess]:
    voices = _alternating_voices(utterances)
    votes = {"A": 0, "B": 0}
    for utterance, voice in zip(utterances, voices, strict=True):
        other = "B" if voice == "A" else "A"
        if _REP_SIGNS.search(utterance.text) or question_cues(utterance.text):
            votes[voice] += 1
        if _CUSTOMER_SIGNS.search(utterance.text):
            votes[other] += 1
    rep_voice = "A" if votes["A"] >= votes["B"] else "B"
    assigned = [
        Utterance("rep" if v == rep_voice else "customer", u.text, u.start, u.end)
        for u, v in zip(utterances, voices, strict=True)
    ]
    return assigned, _guess(votes, rep_voice)


def _alternating_voices(utterances: Sequence[Utterance]) -> list[str]:
    voices: list[str] = []
    for index, utterance in enumerate(utterances):
        if index == 0:
            voices.append("A")
            continue
        previous = utterances[index - 1]
        gap = (utterance.start or 0.0) - (previous.end or 0.0)
        switch = gap >= _TURN_PAUSE_S or bool(question_cues(previous.text))
        voices.append(("B" if voices[-1] == "A" else "A") if switch else voices[-1])
    return voices


def _guess(votes: dict[str, int], rep_voice: str) -> SpeakerGuess:
    total = votes["A"] + votes["B"]
    if total == 0:
        return SpeakerGuess("heuristic", 0.5, ("没有可判断的线索：把先开口的一方当作销售",))
    share = votes[rep_voice] / total
    confidence = round(0.5 + (share - 0.5) * min(1.0, total / 6), 2)
    reasons = (
        f"说话人 {rep_voice} 占了 {total} 条销售线索中的 {votes[rep_voice]} 条（自我介绍、提问、介绍产品）",
        "按 0.7 秒以上的停顿和提问之后切换说话人",
    )
    return SpeakerGuess("heuristic", confidence, reasons)


def attribute_voices(
    segments: Sequence[SpeechSegment],
) -> tuple[list[Utterance], SpeakerGuess] | None:
    """Utterances of a mono call labelled rep/customer by voice; None when the words carry no
    voices, or only one (then fall back to `assign_mono_speakers`)."""
    pieces = voiced_utterances(segments)
    voices = _filled_voices(pieces)
    if voices is None or len(set(voices)) < 2:
        return None
    votes = [0, 0]
    for piece, voice in zip(pieces, voices, strict=True):
        text = piece.utterance.text
        if _REP_SIGNS.search(text) or question_cues(text):
            votes[voice] += 1
        if _CUSTOMER_SIGNS.search(text):
            votes[1 - voice] += 1
    rep_voice = 0 if votes[0] >= votes[1] else 1
    assigned = [
        Utterance(
            "rep" if v == rep_voice else "customer",
            p.utterance.text,
            p.utterance.start,
            p.utterance.end,
        )
        for p, v in zip(pieces, voices, strict=True)
    ]
    return assigned, _voice_guess(votes, rep_voice, pieces)


def _filled_voices(pieces: Sequence[VoicedUtterance]) -> list[int] | None:
    """Each utterance's voice; one without (too short to measure) keeps the voice before it."""
    known = [p.voice for p in pieces if p.voice is not None]
    if not known:
        return None
    current = known[0]
    voices = []
    for piece in pieces:
        current = piece.voice if piece.voice is not None else current
        voices.append(current)
    return voices


def _voice_guess(
    votes: list[int], rep_voice: int, pieces: Sequence[VoicedUtterance]
) -> SpeakerGuess:
    total = votes[0] + votes[1]
    share = votes[rep_voice] / total if total else 0.5
    p_text = 0.5 + (share - 0.5) * min(1.0, total / 6)
    measured = [p for p in pieces if p.voice is not None]
    seconds = sum(p.seconds for p in measured)
    p_voice = sum(p.voice_confidence * p.seconds for p in measured) / max(seconds, 1e-9)
    confidence = p_text * p_voice + (1 - p_text) * (1 - p_voice)
    reasons = (
        f"按声音区分出两位说话人（平均置信度 {p_voice:.2f}）",
        f"声音 {rep_voice} 占了 {total} 条销售线索中的 {votes[rep_voice]} 条（自我介绍、提问、介绍产品）"
        if total
        else "没有可判断的线索：把先开口的声音当作销售",
    )
    return SpeakerGuess("voices", round(confidence, 2), reasons)
