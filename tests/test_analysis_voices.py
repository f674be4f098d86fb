"""Mono calls whose words carry acoustic voices: the text decides which voice is the rep."""

from __future__ import annotations

from analysis.speakers import attribute_voices
from analysis.turns import SpeechSegment, TimedWord, split_utterances


def _segment(*said: tuple[float, float, str, int]) -> SpeechSegment:
    words = tuple(TimedWord(s, e, text, voice, 0.9) for s, e, text, voice in said)
    return SpeechSegment(
        "unknown", words[0].start, words[-1].end, "".join(w.text for w in words), words
    )


def test_the_voice_that_introduces_itself_and_asks_is_the_rep() -> None:
    # the customer (voice 0) picks up first; voice 1 introduces the company and asks
    call = [
        _segment(
            (0.0, 0.6, "喂，", 0), (0.6, 1.2, "你好", 0), (1.4, 3.0, "您好我是云帆软件的张伟", 1)
        ),
        _segment((3.1, 5.0, "您现在团队里销售有多少人？", 1), (5.8, 7.0, "二十来个吧", 0)),
        _segment((7.5, 9.5, "客户跟进现在是用表格记吗？", 1), (10.0, 11.5, "就是表格", 0)),
    ]
    utterances, guess = attribute_voices(call) or ([], None)
    assert [(u.speaker, u.text) for u in utterances] == [
        ("customer", "喂，你好"),
        ("rep", "您好我是云帆软件的张伟"),
        ("rep", "您现在团队里销售有多少人？"),
        ("customer", "二十来个吧"),
        ("rep", "客户跟进现在是用表格记吗？"),
        ("customer", "就是表格"),
    ]
    assert guess is not None and guess.method == "voices"
    # 3 of 3 cues, shrunk for so few: p_text 0.75; voices 0.9 sure: 0.75·0.9 + 0.25·0.1
    assert guess.confidence == 0.7


def test_a_change_of_voice_splits_an_utterance_without_a_pause() -> None:
    call = [_segment((0.0, 1.0, "好的", 0), (1.0, 2.0, "那我们周六见", 1))]
    assert [u.text for u in split_utterances(call)] == ["好的", "那我们周六见"]


def test_without_voices_there_is_no_voice_attribution() -> None:
    words = (TimedWord(0.0, 1.0, "您好"), TimedWord(1.0, 2.0, "我是小李"))
    assert attribute_voices([SpeechSegment("unknown", 0.0, 2.0, "您好我是小李", words)]) is None
    one_voice = [_segment((0.0, 1.0, "您好", 0), (1.0, 2.0, "我是小李", 0))]
    assert attribute_voices(one_voice) is None
