"""Pure parts of the analysis: dates, turns from segments, metrics, score, tokenizer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analysis import SalesTokenizer, SpeechSegment, TimedWord, find_due_date
from analysis.metrics import call_metrics
from analysis.score import coaching_score
from analysis.speakers import assign_mono_speakers
from analysis.turns import build_turns, split_utterances
from analysis.types import Question, Turn, Utterance

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "day", "hour"),
    [
        ("下周二下午", date(2026, 12, 1), 14),
        ("那就明天上午十点吧", date(2026, 11, 24), 10),
        ("周四下午三点过来", date(2026, 11, 26), 15),
        ("这周五", date(2026, 11, 27), None),
        ("15号之前", date(2026, 12, 15), None),
        ("12月3号", date(2026, 12, 3), None),
        ("月底前签", date(2026, 11, 30), None),
        ("下个月初", date(2026, 12, 1), None),
        ("三天内", date(2026, 11, 26), None),
        ("下下周三", date(2026, 12, 9), None),
    ],
)
def test_due_dates(text: str, day: date, hour: int | None) -> None:
    found = find_due_date(text, MONDAY)
    assert found is not None and found.day == day and found.hour == hour


def test_no_date_in_a_plain_sentence() -> None:
    assert find_due_date("我考虑一下", MONDAY) is None


def _words(start: float, *pieces: tuple[str, float]) -> tuple[TimedWord, ...]:
    words, t = [], start
    for text, length in pieces:
        words.append(TimedWord(t, t + length, text))
        t += length
    return tuple(words)


def test_a_segment_spanning_the_other_speaker_is_split() -> None:
    # One rep segment 0-6 s whose words pause while the customer answers at 2.5-3.5 s.
    rep_words = _words(0.0, ("您好", 1.0), ("方便吗", 1.0)) + _words(
        4.0, ("那我", 1.0), ("说一下", 1.0)
    )
    rep = SpeechSegment("rep", 0.0, 6.0, "您好方便吗那我说一下", rep_words)
    customer = SpeechSegment("customer", 2.5, 3.5, "可以你说", _words(2.5, ("可以你说", 1.0)))
    turns = build_turns(split_utterances([rep, customer]))
    assert [(t.speaker, t.text) for t in turns] == [
        ("rep", "您好方便吗"),
        ("customer", "可以你说"),
        ("rep", "那我说一下"),
    ]


def test_backchannels_stay_their_own_turns() -> None:
    pieces = [
        Utterance("rep", "我们的系统", 0.0, 2.0),
        Utterance("customer", "嗯", 2.1, 2.3),
        Utterance("rep", "可以对接金蝶", 2.4, 4.0),
        Utterance("rep", "也能对接用友", 4.2, 6.0),
    ]
    assert [t.text for t in build_turns(pieces)] == [
        "我们的系统",
        "嗯",
        "可以对接金蝶，也能对接用友",
    ]


def test_mono_speakers_follow_pauses_and_cues() -> None:
    pieces = [
        Utterance("unknown", "您好我是启航教育的课程顾问小李现在方便吗", 0.0, 4.0),
        Utterance("unknown", "可以你说", 4.8, 5.6),
        Utterance("unknown", "孩子现在几年级了", 6.4, 8.0),
        Utterance("unknown", "四年级", 8.9, 9.5),
    ]
    assigned, guess = assign_mono_speakers(pieces)
    assert [u.speaker for u in assigned] == ["rep", "customer", "rep", "customer"]
    assert guess.method == "heuristic" and 0.5 < guess.confidence <= 1.0 and guess.reasons


def _turn(i: int, speaker: str, start: float, end: float, text: str, **kw: object) -> Turn:
    return Turn(i, speaker, start, end, text, tuple(text), **kw)  # type: ignore[arg-type]


def test_metrics_by_hand() -> None:
    turns = [
        _turn(0, "rep", 0.0, 10.0, "你们现在用什么系统", questions=(Question("x", "situation"),)),
        _turn(1, "customer", 10.5, 14.0, "用Excel嗯"),
        _turn(2, "rep", 15.0, 20.0, "那对账麻烦吗", questions=(Question("y", "problem"),)),
        _turn(3, "customer", 19.5, 30.0, "挺麻烦的每个月加班"),
    ]
    m = call_metrics(turns, duration=60.0, stereo=True)
    assert m["talk_ratio"] == round(15 / (15 + 14), 3)
    assert m["longest_rep_monologue_s"] == 10.0 and m["longest_customer_story_s"] == 10.5
    assert m["interactivity"] == 3.0  # 3 switches in 1 minute
    assert m["patience_s"] == 1.0  # one customer→rep hand-over, 1.0 s
    assert m["question_counts"]["situation"] == 1 and m["question_rate"] == 2.0
    assert (
        m["silence_ratio"] == round((0.5 + 1.0 + 30.0) / 60, 3) and m["longest_silence_s"] == 30.0
    )
    assert m["interruptions"] == {"rep": 0, "customer": 1}  # the customer started 0.5 s early
    assert m["speech_rate_cpm"]["rep"] == round(
        len("你们现在用什么系统那对账麻烦吗") / (15 / 60), 1
    )


def test_metrics_of_an_empty_call_are_zero_or_none() -> None:
    m = call_metrics([], duration=0.0, stereo=False)
    assert m["talk_ratio"] is None and m["question_count"] == 0 and m["interruptions"] is None


def test_score_adds_up_its_reasons() -> None:
    turns = [
        _turn(0, "rep", 0.0, 10.0, "问题", questions=(Question("x", "implication"),)),
        _turn(1, "customer", 10.5, 14.0, "好", commitment="advance"),
    ]
    score = coaching_score(turns, call_metrics(turns, 20.0, stereo=False))
    assert score.total == sum(points for _, points, _ in score.reasons)
    assert dict((c, p) for c, p, _ in score.reasons)["commitment"] == 30


def test_tokenizer_uses_the_sales_dictionary_and_user_words(tmp_path: Path) -> None:
    user = tmp_path / "team.txt"
    user.write_text("星河云 1000 nz\n", encoding="utf-8")
    tokenizer = SalesTokenizer([user])
    tokens = tokenizer.tokens("我们想先做个POC，星河云要先试用一下")
    assert "POC" in tokens and "星河云" in tokens and "试用" in tokens and "，" not in tokens


def test_every_corpus_file_has_an_author() -> None:
    """Leave-one-author-out needs to know who wrote each file (analysis/corpus/authors.tsv)."""
    from analysis.examples import CORPUS_DIR, corpus_authors

    labelled = {p.name for p in CORPUS_DIR.glob("*.jsonl")} - {"calls_check.jsonl"}
    authors = corpus_authors()
    assert set(authors) == labelled
    assert len(set(authors.values())) >= 9  # the team and eight independent authors
