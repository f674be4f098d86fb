"""Advances name the action the text names, and every label carries a consistent probability."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import COMMITMENTS, QUESTION_TYPES, SPIN_ORDER, Analysis, Analyzer, Utterance
from ingest.call_analysis import AnalyzerHolder

MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def analyzer(analyzer: AnalyzerHolder) -> Analyzer:  # type: ignore[override]
    return analyzer.get()


def _given(analyzer: Analyzer, *turns: tuple[str, str]) -> Analysis:
    return analyzer.analyze_turns([Utterance(s, t) for s, t in turns], call_date=MONDAY)


@pytest.mark.parametrize(
    ("proposal", "reply", "action"),
    [
        (
            "那合同我今天发您 您这周能走完流程吗",
            "可以 合同发过来 我这周盖章",
            "签约",
        ),
        (
            "那我先给您开两个账号 您团队先用两个礼拜 您看行吗",
            "行 先开两个账号试用",
            "试用/POC",
        ),
        (
            "那下周我们派工程师去您厂里看看设备现场 您看哪天方便",
            "下周二吧 你们直接到车间来",
            "现场考察",
        ),
        (
            "方案定了的话 下次能不能请您老板也一起听一下",
            "可以 周四我把我们老板也叫上",
            "引入决策人",
        ),
        (
            "那您把近三个月的用电数据发我 我们按数据做方案 可以吗",
            "行 我明天让电工把数据整理好发你",
            "发送资料",
        ),
        (
            "那我周三下午过去给您和财务做个演示 您看可以吗",
            "行",  # the action is in the proposal the customer accepts
            "演示",
        ),
    ],
)
def test_an_advance_names_its_action(
    analyzer: Analyzer, proposal: str, reply: str, action: str
) -> None:
    result = _given(analyzer, ("rep", proposal), ("customer", reply))
    assert result.turns[1].commitment == "advance"
    assert [c.action for c in result.commitments] == [action]


def test_the_generic_action_only_when_nothing_is_named(analyzer: Analyzer) -> None:
    result = _given(
        analyzer,
        ("rep", "那咱们就按刚才说的 下一步怎么推进 您看怎么安排合适"),
        ("customer", "行 就按你说的办 下周一开始"),
    )
    assert result.turns[1].commitment == "advance"
    assert result.commitments[0].action == "下一步"


DIALOGUE = [
    ("rep", "您好 我是云帆科技的小刘 之前您在官网申请过试用 现在方便聊两句吗"),
    ("customer", "方便 你说"),
    ("rep", "咱们现在销售团队多少人 客户资料放在哪里 平时跟进麻烦不麻烦"),
    ("customer", "二十来个人 都在Excel里 麻烦死了 谁跟了哪个客户都说不清"),
    ("rep", "那客户跟丢了 一个月大概会丢几单"),
    ("customer", "少说三四单吧"),
    (
        "rep",
        "我们的系统可以把每个客户的跟进记录都留下来 很多老板都问怎么防止销售离职带走客户 这个就是办法",
    ),
    ("customer", "听着还行"),
    ("rep", "那下周二下午我给您和销售主管演示一下 您看可以吗"),
    ("customer", "下周二不行 周三下午吧"),
]


def test_probabilities_are_in_range_and_agree_with_the_labels(analyzer: Analyzer) -> None:
    result = _given(analyzer, *DIALOGUE)
    for turn in result.turns:
        label = turn.question_type if turn.speaker == "rep" else turn.commitment
        probability = (
            turn.question_probability if turn.speaker == "rep" else turn.commitment_probability
        )
        other = turn.commitment_probability if turn.speaker == "rep" else turn.question_probability
        assert other is None and probability is not None and 0.0 <= probability <= 1.0
        if label is not None:  # the probability is the one the evidence shows for the label
            assert f"model: {label} p={probability:.2f}" in " ".join(turn.evidence)
            assert probability > 1 / len(
                COMMITMENTS if turn.speaker == "customer" else QUESTION_TYPES
            )
        if turn.question_type is not None:  # the turn's type is its most advanced question
            kinds = [q.question_type for q in turn.questions]
            assert max(kinds, key=SPIN_ORDER.index) == turn.question_type
            assert all(0.0 <= q.probability <= 1.0 for q in turn.questions)
    advances = [t for t in result.turns if t.commitment == "advance"]
    assert [c.probability for c in result.commitments] == [
        t.commitment_probability for t in advances
    ]
    assert result.commitments and result.commitments[0].due == date(2026, 12, 2)  # 下周三


def test_a_plain_refusal_after_a_proposal_is_a_confident_decline(analyzer: Analyzer) -> None:
    turn = _given(
        analyzer,
        ("rep", "那我明天上午过去给您演示一下 半个小时 您看行吗"),
        ("customer", "不用了 我们现在不需要 谢谢"),
    ).turns[1]
    assert turn.commitment == "decline" and (turn.commitment_probability or 0) > 0.7
