"""Labels that depend on the conversation: the same words mean different things after a
proposal and after a discovery question; questions build on what the customer said."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import Analyzer, Turn, Utterance
from ingest.call_analysis import AnalyzerHolder

MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def analyzer(analyzer: AnalyzerHolder) -> Analyzer:  # type: ignore[override]
    return analyzer.get()


def _last(analyzer: Analyzer, *turns: tuple[str, str]) -> Turn:
    utterances = [Utterance(speaker, text) for speaker, text in turns]
    return analyzer.analyze_turns(utterances, call_date=MONDAY).turns[-1]


DISCOVERY = "那您现在对账这块用下来 有没有哪里不太顺手的"
PROPOSAL = "那下周三下午我带顾问过去 给您和财务演示一下 一个小时 您看可以吗"


@pytest.mark.parametrize(
    "worry",
    [
        "太麻烦了 每个月对账都要搞到半夜 人手根本不够 我都快受不了了",
        "贵倒是其次 主要是预算卡得紧 老板一看软件的钱就皱眉头",
        "不行啊 我们那几个会计年纪大了 新东西学得慢 一出错就得返工",
    ],
)
def test_a_worry_after_a_discovery_question_is_no_decline(analyzer: Analyzer, worry: str) -> None:
    turn = _last(analyzer, ("rep", DISCOVERY), ("customer", worry))
    assert turn.commitment is None


@pytest.mark.parametrize(
    "refusal",
    [
        "不行 这个月太忙了 演示就先不约了",
        "算了吧 我们暂时不考虑换系统",
    ],
)
def test_a_refusal_after_a_proposal_is_a_decline(analyzer: Analyzer, refusal: str) -> None:
    turn = _last(analyzer, ("rep", PROPOSAL), ("customer", refusal))
    assert turn.commitment == "decline"


def test_refusing_to_share_what_was_asked_is_a_decline(analyzer: Analyzer) -> None:
    turn = _last(
        analyzer,
        ("rep", "那方便把你们上个月的出入库明细发我一份吗 我帮您算算成本"),
        ("customer", "明细不能给你 这是公司内部的东西"),
    )
    assert turn.commitment == "decline"


@pytest.mark.parametrize(
    ("reply", "action", "due"),
    [
        ("行 就周三吧", "演示", date(2026, 11, 25)),  # the rep named both: action and day
        ("周三不行 周四上午可以 十点以后", "演示", date(2026, 11, 26)),
    ],
)
def test_a_partial_acceptance_of_a_concrete_proposal_is_an_advance(
    analyzer: Analyzer, reply: str, action: str, due: date
) -> None:
    turn = _last(analyzer, ("rep", PROPOSAL), ("customer", reply))
    assert turn.commitment == "advance"
    assert turn.commitment_action == action and turn.commitment_due == due


def test_accepting_what_the_rep_sends_is_only_a_continuation(analyzer: Analyzer) -> None:
    turn = _last(
        analyzer,
        ("rep", "好的 那我先把报价单和几个案例发您微信上 您有空看看 好吗"),
        ("customer", "行 你发吧"),
    )
    assert turn.commitment == "continuation"


@pytest.mark.parametrize(
    "question",
    [
        "您家现在几口人住 孩子多大了",
        "咱们厂一个月电费大概多少钱",
        "你们门店现在收银用的哪家的系统",
        "那一天大概要发多少单 一般几点发货",
    ],
)
def test_quantity_and_fact_questions_are_situation(analyzer: Analyzer, question: str) -> None:
    turn = _last(
        analyzer,
        ("rep", "您好 我是云帆科技的小刘 现在方便聊两句吗"),
        ("customer", "方便 你说"),
        ("rep", question),
    )
    assert turn.question_type == "situation"


def test_an_implication_question_builds_on_the_stated_problem(analyzer: Analyzer) -> None:
    turn = _last(
        analyzer,
        ("rep", "现在排班这块 用下来有什么头疼的地方吗"),
        ("customer", "头疼死了 一到周末就缺人 店长天天临时打电话叫人 员工意见很大 上个月走了三个"),
        ("rep", "那员工这么走下去 周末高峰的时候服务跟不上 会不会影响到门店的营业额"),
    )
    assert turn.question_type == "implication"
