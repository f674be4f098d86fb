"""The "Hard cases" of the labelling standard (../shared/analysis-dev/LABELS.md), each in
sentences written for this test (none from the dev set), labelled in the context LABELS.md
describes, as the service labels them."""

from __future__ import annotations

from datetime import date

import pytest

from analysis import Analyzer, Utterance
from ingest.call_analysis import AnalyzerHolder

MONDAY = date(2026, 11, 23)
OPENING = "喂您好，我是智联仓储的小罗，我们是做仓库管理系统的。"
PROPOSAL = "那下周三上午我带工程师过去给您做个现场演示，您看行吗？"


@pytest.fixture(scope="module")
def labeller(analyzer: AnalyzerHolder) -> Analyzer:
    return analyzer.get()


def _last(labeller: Analyzer, *turns: tuple[str, str]) -> str | None:
    analysis = labeller.analyze_turns([Utterance(s, t) for s, t in turns], call_date=MONDAY)
    return analysis.turns[-1].commitment


@pytest.mark.parametrize(
    "reply",
    [
        "我们这边用不上这个，你找别家吧。",
        "没这个需求 谢谢啊",
        "我们有自己的系统了，不需要。",
        "不感兴趣 你别浪费时间了",
        "我们厂小 用不着这些 挂了啊",
    ],
)
def test_a_brush_off_before_any_proposal_is_a_decline(labeller: Analyzer, reply: str) -> None:
    assert _last(labeller, ("rep", OPENING), ("customer", reply)) == "decline"


@pytest.mark.parametrize(
    "reply",
    [
        "等以后真有需要了再说吧。",
        "过段时间再看吧 最近不考虑",
        "明年再说吧，今年预算都花完了。",
        "这事先放一放 以后有机会再联系",
        "等我们哪天想换系统了再找你，先别打了。",
    ],
)
def test_postponing_with_no_date_is_a_decline(labeller: Analyzer, reply: str) -> None:
    assert _last(labeller, ("rep", PROPOSAL), ("customer", reply)) == "decline"


@pytest.mark.parametrize(
    "reply",
    [
        "周三我在外地，下周五上午你们过来吧。",
        "上午不行 要开会 下午两点以后可以",
        "周三不方便，周四下午吧，我让仓储主管也在。",
        "这周都排满了 下周一早上九点来吧",
    ],
)
def test_a_counter_offer_of_another_time_is_an_advance(labeller: Analyzer, reply: str) -> None:
    assert _last(labeller, ("rep", PROPOSAL), ("customer", reply)) == "advance"


@pytest.mark.parametrize(
    ("proposal", "reply"),
    [
        ("那咱们这个月就把年度合同签了？", "年度合同现在签不了，先给我们开一个月试用，账号明天发我。"),
        ("您先订五百箱，我给您九折？", "五百箱太多了，先来一百箱试试，这周五送到。"),
        ("下周请您老板一起来看个全面演示？", "老板肯定没空，我自己先看，周四下午你们过来吧。"),
    ],
)  # fmt: skip
def test_a_smaller_concrete_step_after_refusing_a_bigger_one_is_an_advance(
    labeller: Analyzer, proposal: str, reply: str
) -> None:
    assert _last(labeller, ("rep", proposal), ("customer", reply)) == "advance"


@pytest.mark.parametrize(
    "reply",
    [
        "不用了，我们上个月已经跟另一家签了合同。",
        "不麻烦你了 我们已经定了用金蝶的",
        "算了吧，我们准备自己找人开发一套。",
        "不用过来了，我们这个项目已经取消了。",
    ],
)
def test_a_refusal_that_moves_away_from_the_sale_is_a_decline(
    labeller: Analyzer, reply: str
) -> None:
    assert _last(labeller, ("rep", PROPOSAL), ("customer", reply)) == "decline"


@pytest.mark.parametrize(
    "reply",
    [
        "这个我定不了，我回头跟我们领导说一声。",
        "你下周再打过来问问吧。",
        "行 我跟老板提一下 他感兴趣会联系你",
        "你月底再给我打个电话 到时候看情况",
    ],
)
def test_agreeing_only_to_be_called_again_or_to_pass_it_on_is_a_continuation(
    labeller: Analyzer, reply: str
) -> None:
    assert _last(labeller, ("rep", PROPOSAL), ("customer", reply)) == "continuation"


@pytest.mark.parametrize(
    "reply",
    [
        "不好意思，我这边来客户了，先挂了啊。",
        "哎呀我要进会议室了 回头聊",
        "我在开车 不方便 先这样",
    ],
)
def test_ending_the_call_for_an_outside_reason_with_nothing_proposed_is_none(
    labeller: Analyzer, reply: str
) -> None:
    turns = [("rep", OPENING), ("customer", "嗯 你说"),
             ("rep", "你们仓库现在有多少个库位？"), ("customer", reply)]  # fmt: skip
    assert _last(labeller, *turns) is None


@pytest.mark.parametrize(
    ("reply", "label"),
    [
        ("中 你礼拜三上午来吧", "advance"),
        ("要得 周三上午过来嘛 我在厂头", "advance"),
        ("得 你哋礼拜三朝早过嚟啦", "advance"),
        ("莫得那个必要 我们用不起", "decline"),
        ("唔使喇 我哋唔需要", "decline"),
        ("俺们不弄这个 你找别人吧", "decline"),
    ],
)
def test_regional_speech_is_labelled_by_its_meaning(
    labeller: Analyzer, reply: str, label: str
) -> None:
    assert _last(labeller, ("rep", PROPOSAL), ("customer", reply)) == label


@pytest.mark.parametrize(
    "reply",
    [
        "现在这套系统太慢了，月底盘点天天加班。",
        "价格太贵了，我们预算卡得紧。",
        "麻烦死了 每次都要人工对账",
    ],
)
def test_a_complaint_in_discovery_refuses_nothing(labeller: Analyzer, reply: str) -> None:
    turns = [("rep", OPENING), ("customer", "嗯 你说"),
             ("rep", "你们现在盘点一般怎么做？有什么不顺手的地方？"), ("customer", reply)]  # fmt: skip
    assert _last(labeller, *turns) is None
