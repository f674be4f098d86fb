"""The conversation check: only a two-party sales call gets commitments and a coaching score."""

from __future__ import annotations

import json
from datetime import date

import pytest

from analysis import Analysis, Analyzer, SpeechSegment, TimedWord, Utterance
from analysis.examples import CORPUS_DIR
from ingest.call_analysis import AnalyzerHolder

MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def analyzer(analyzer: AnalyzerHolder) -> Analyzer:  # type: ignore[override]
    return analyzer.get()


def _given(analyzer: Analyzer, *turns: tuple[str, str]) -> Analysis:
    return analyzer.analyze_turns([Utterance(s, t) for s, t in turns], call_date=MONDAY)


def _segments(pieces: list[tuple[str, str]], pause: float = 1.0) -> list[SpeechSegment]:
    """Segments with word timings, one after another; `speaker` may be "unknown" (mono)."""
    segments, t = [], 0.0
    for speaker, text in pieces:
        step = 0.25
        words = tuple(TimedWord(t + i * step, t + (i + 1) * step, ch) for i, ch in enumerate(text))
        segments.append(SpeechSegment(speaker, t, t + len(text) * step, text, words))
        t += len(text) * step + pause
    return segments


def _assert_not_a_sales_call(result: Analysis, reason: str) -> None:
    assert not result.conversation.is_sales_call
    assert result.conversation.confidence > 0.6
    assert any(reason in r for r in result.conversation.reasons), result.conversation.reasons
    assert result.score is None and result.commitments == () and not result.commitment_secured
    assert all(t.commitment is None for t in result.turns)


PODCAST = [
    "大家好 欢迎收听本期的职场夜谈 我是主播小鱼 今天请来的嘉宾是做了十五年销售的陈老师",
    "主持人好 各位听众朋友们好",
    "陈老师 您当年刚入行的时候 第一单是怎么签下来的",
    "那会儿真没什么技巧 就是天天跑 一家一家敲门 跑了两个月才成了第一单 "
    "行 那就这么定了 下周我们签合同 这是客户当时跟我说的话 我到现在都记得",
    "哈哈 太有画面感了 好 今天的节目就到这里 喜欢的朋友别忘了订阅 我们下期再见",
]


def test_a_podcast_gets_no_commitment_and_no_score(analyzer: Analyzer) -> None:
    turns = [("rep" if i % 2 == 0 else "customer", text) for i, text in enumerate(PODCAST)]
    _assert_not_a_sales_call(_given(analyzer, *turns), "广播")


def test_a_mono_podcast_recording_is_no_sales_call_either(analyzer: Analyzer) -> None:
    segments = _segments([("unknown", text) for text in PODCAST])
    result = analyzer.analyze_segments(segments, call_date=MONDAY, duration=None, stereo=False)
    assert result.speakers.method == "heuristic"
    _assert_not_a_sales_call(result, "广播")


def test_a_lecture_is_no_sales_call(analyzer: Analyzer) -> None:
    result = _given(
        analyzer,
        ("rep", "同学们好 这节课我们讲复利 上节课的作业大家都交了吧"),
        ("customer", "交了"),
        ("rep", "好 复利就是利滚利 本金一万 年利率百分之五 十年以后是多少 有没有同学算一下"),
        ("customer", "一万六千多"),
        ("rep", "对 一万六千二百八十九 下课前把课后作业第二题做完"),
    )
    _assert_not_a_sales_call(result, "广播或讲座用语")


def test_an_ivr_menu_is_no_sales_call(analyzer: Analyzer) -> None:
    result = _given(
        analyzer,
        ("rep", "您好 欢迎致电顺通快递客服中心 查件请按1 寄件请按2 投诉请按3"),
        ("customer", "人工服务请按0 返回上一级请按星号键"),
        ("rep", "坐席忙 请稍候 您也可以在公众号上自助下单"),
    )
    _assert_not_a_sales_call(result, "自动语音菜单")


def test_a_call_where_only_the_rep_speaks_is_no_sales_call(analyzer: Analyzer) -> None:
    # Stereo: the customer's channel holds nothing but a back-channel.
    segments = _segments(
        [
            ("rep", "喂 您好 是赵总吗 我是星云软件的小孙 想跟您约个时间演示一下我们的报销系统"),
            ("customer", "嗯"),
            ("rep", "我们这个系统员工手机拍票就能报销 财务月底不用再加班对账 您看下周三下午方便吗"),
            ("rep", "喂 您那边能听到吗 那我先把资料发您微信 您有空看看"),
        ]
    )
    result = analyzer.analyze_segments(segments, call_date=MONDAY, duration=None, stereo=True)
    _assert_not_a_sales_call(result, "只有一方在说话")


def test_a_monologue_is_no_sales_call(analyzer: Analyzer) -> None:
    result = _given(
        analyzer,
        (
            "rep",
            "今天跟大家聊聊我做餐饮这五年踩过的坑 第一个坑是选址 只看人流不看消费力 第二个坑是"
            "菜单太长 备料浪费 第三个坑是什么都自己干 累垮了身体 后来我想明白了 开店不是拼命 是拼系统",
        ),
    )
    _assert_not_a_sales_call(result, "只有一方在说话")


def test_a_sales_call_is_one_with_its_score_and_commitments(analyzer: Analyzer) -> None:
    result = _given(
        analyzer,
        ("rep", "您好 我是安家装饰的设计顾问小吕 您在网上约了免费量房 现在方便说两句吗"),
        ("customer", "方便 你说"),
        ("rep", "您家房子多大 是新房还是老房翻新"),
        ("customer", "九十平 老房子 厨房卫生间都漏水 楼下邻居都找上门好几回了 烦得很"),
        ("rep", "那这周六上午我们设计师上门 先看看防水 再出个报价 您看可以吗"),
        ("customer", "周六上午可以 十点吧"),
    )
    assert result.conversation.is_sales_call and result.conversation.confidence > 0.8
    assert result.score is not None and result.commitment_secured
    assert result.commitments[0].due == date(2026, 11, 28)


def test_a_short_sales_call_still_counts(analyzer: Analyzer) -> None:
    result = _given(
        analyzer,
        ("rep", "王姐 您的保单下个月到期了 今年还在我们这续吗 保费跟去年一样"),
        ("customer", "续吧 你把付款链接发我 我今天就交"),
    )
    assert result.conversation.is_sales_call and result.score is not None
    assert result.commitment_secured


def test_every_case_of_the_check_corpus_is_judged_right(analyzer: Analyzer) -> None:
    rows = [
        json.loads(line)
        for line in (CORPUS_DIR / "calls_check.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    wrong = [
        row["id"]
        for row in rows
        if _given(
            analyzer, *[(t["speaker"], t["text"]) for t in row["turns"]]
        ).conversation.is_sales_call
        != row["is_sales_call"]
    ]
    assert len(rows) >= 20 and wrong == []
