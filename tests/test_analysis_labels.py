"""Labels on hand-written turns, including the hard cases the issue names."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import Analyzer, Utterance
from ingest.call_analysis import AnalyzerHolder

MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def analyzer(analyzer: AnalyzerHolder) -> Analyzer:  # type: ignore[override]
    return analyzer.get()


def _rep(analyzer: Analyzer, text: str) -> str | None:
    return analyzer.analyze_turns([Utterance("rep", text)], call_date=MONDAY).turns[0].question_type


def _customer(analyzer: Analyzer, text: str) -> str | None:
    return (
        analyzer.analyze_turns([Utterance("customer", text)], call_date=MONDAY).turns[0].commitment
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你们公司现在销售团队大概有多少人", "situation"),  # no question mark
        ("目前客户信息是放在Excel里还是有用CRM", "situation"),
        ("现在这个流程里面最让您头疼的是哪一块", "problem"),
        ("对现在这家供应商的交货速度满意吗？", "problem"),
        ("如果一直这么靠人工对账的话每个月要多花多少人力", "implication"),
        ("交付老是延期，会不会影响到你们跟大客户的续约？", "implication"),
        ("要是能把排课时间缩短一半，对你们教务来说意味着什么", "need_payoff"),
        ("如果有个办法能让销售少填一半的表您觉得值不值", "need_payoff"),
        ("您现在方便说话吗", "other_question"),
        ("那下周二下午我过来给您做个演示可以吗", "other_question"),
        ("很多客户都问怎么降成本，我们的方案就是从采购环节入手", None),
        ("我们的系统可以直接对接金蝶，数据实时同步", None),
        ("我跟您解释一下为什么我们的价格高一点", None),
    ],
)
def test_rep_question_types(analyzer: Analyzer, text: str, expected: str | None) -> None:
    assert _rep(analyzer, text) == expected


def test_several_questions_take_the_most_advanced_type(analyzer: Analyzer) -> None:
    text = "您现在用的什么系统？平时对账慢不慢？要是对账快一倍，对您月底结账有多大帮助？"
    turn = analyzer.analyze_turns([Utterance("rep", text)], call_date=MONDAY).turns[0]
    assert turn.question_type == "need_payoff"
    assert turn.questions[0].question_type == "situation"
    assert len(turn.questions) == 3 and turn.evidence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("那你周四下午过来吧我让采购也在", "advance"),  # indirect advance
        ("行，合同你今天发我，我这周走完审批", "advance"),
        ("可以先开两个账号试用两周", "advance"),
        ("听起来不错我们内部再商量商量", "continuation"),  # positive-sounding continuation
        ("我考虑一下吧，回头再说", "continuation"),
        ("你先发资料我看看", "continuation"),
        ("这个今年先不考虑了", "decline"),  # polite decline
        ("我们已经有供应商了，谢谢啊", "decline"),
        ("预算没有，做不了", "decline"),
        ("我们现在有三十多个销售，主要用Excel", None),
        ("嗯", None),
    ],
)
def test_customer_commitments(analyzer: Analyzer, text: str, expected: str | None) -> None:
    assert _customer(analyzer, text) == expected


def test_advance_carries_action_and_date(analyzer: Analyzer) -> None:
    result = analyzer.analyze_turns(
        [
            Utterance("rep", "下周二下午给您做个演示可以吗"),
            Utterance("customer", "行，那就下周二下午两点，你过来演示一下"),
        ],
        call_date=MONDAY,
    )
    customer = result.turns[1]
    assert customer.commitment == "advance" and customer.commitment_due == date(2026, 12, 1)
    assert customer.commitment_action in {"演示", "会面"}
    assert result.commitment_secured and result.commitments[0].due == date(2026, 12, 1)
    assert result.commitments[0].time_text == "下周二下午"


@pytest.mark.parametrize(
    "text",
    [
        "Hello, could we schedule a demo next week?",
        "😀😀👍",
        "\x00\x07控制字符\u200b",
        "1234567890",
        "ok",
    ],
)
def test_odd_text_is_analysed_without_crashing(analyzer: Analyzer, text: str) -> None:
    result = analyzer.analyze_turns(
        [Utterance("rep", text), Utterance("customer", text)], call_date=None
    )
    assert len(result.turns) == 2
    assert result.score is None or 0 <= result.score.total <= 100
