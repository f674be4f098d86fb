"""What rests on the labels follows them (issue 20): the objective ladder is met by what the
labelling standard can say, and a person's correction re-derives, in the same transaction, the
call's commitment, the objective's judgement and the score's objective line, the follow-up
draft, the opportunity's outcome sequence and stalled flag, and the reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from analysis import Analyzer, Utterance
from analysis.objectives import RUNGS, assess_objective, continuations
from huashu.runtime import Services
from ingest.call_analysis import AnalyzerHolder
from tests.audio_files import CALLS
from tests.conftest import AUTH, upload, wait_for_status
from tests.test_api_corrections import _put_transcript, _reanalyse

MONDAY = date(2026, 11, 23)
# Per rung: a rep's proposal and the customer's yes to exactly that step (written for this test).
AGREEMENTS = {
    "发送资料": ("您方便把这三个月的出库数据发我一份吗？", "可以，我让仓管今天下班前把出库表发你。"),
    "会面": ("周四上午我去您公司当面聊半小时，方便吗？", "行，周四上午十点你过来吧，我在厂里。"),
    "报价": ("我按三百台的量给您出一份正式报价，好吗？", "好，你明天把报价单出给我。"),
    "演示": ("下周二下午我给您和团队线上演示一下系统，您看可以吗？", "可以，下周二下午两点演示，我叫上同事一起看。"),
    "引入决策人": ("下次能不能请您的老板也一起听一下？", "行，下次我把我们老板也叫上。"),
    "现场考察": ("您要不要来我们工厂实地看看生产线？", "好，下周三我们去你们工厂参观一下。"),
    "试用/POC": ("我们先给您开一个月免费试用，您看行吗？", "行，先试用一个月，账号今天开给我。"),
    "付款/下单": ("那这批货您今天能先下单吗？", "可以，我今天就下单，先订两百箱。"),
    "签约": ("条款都没问题的话，咱们这周把合同签了？", "行，合同发过来，我这周五签字盖章。"),
}  # fmt: skip


@pytest.fixture(scope="module")
def labeller(analyzer: AnalyzerHolder) -> Analyzer:
    return analyzer.get()


def _judged(analyzer: Analyzer, turns: list[tuple[str, str]], primary: str,
            minimum: str | None = None) -> str:  # fmt: skip
    analysis = analyzer.analyze_turns([Utterance(s, t) for s, t in turns], call_date=MONDAY)
    advances = [(c.action, c.text) for c in analysis.commitments]
    declines = [t.text for t in analysis.turns if t.commitment == "decline"]
    continued = continuations(analysis.turns)
    return assess_objective(primary, minimum, advances, declines, continued).outcome


@pytest.mark.parametrize("rung", [r.action for r in RUNGS])
def test_every_rung_is_met_by_the_customer_agreeing_to_it(labeller: Analyzer, rung: str) -> None:
    proposal, yes = AGREEMENTS[rung]
    assert _judged(labeller, [("rep", proposal), ("customer", yes)], rung) == "primary_achieved"


LEVEL = {r.action: r.level for r in RUNGS}


@pytest.mark.parametrize("rung", [r.action for r in RUNGS if r.level < 5])
def test_a_lower_step_meets_only_a_lower_minimum(labeller: Analyzer, rung: str) -> None:
    proposal, yes = AGREEMENTS[rung]
    higher = next(r.action for r in RUNGS if r.level > LEVEL[rung])
    turns = [("rep", proposal), ("customer", yes)]
    assert _judged(labeller, turns, higher, rung) == "minimum_achieved"
    assert _judged(labeller, turns, higher) == "continuation_only"


@pytest.mark.parametrize(
    ("offer", "reply"),
    [
        ("我把产品手册和案例发您微信上，您先看看？", "行，你发吧。"),
        ("方案我整理好了，发您邮箱方便吗？", "嗯 发我邮箱吧 我有空看看"),
        ("我们有个两分钟的介绍视频，我发给您？", "好的，你先发过来。"),
    ],
)
def test_taking_the_reps_materials_meets_the_lowest_rung(
    labeller: Analyzer, offer: str, reply: str
) -> None:
    """行，你发吧 is a continuation by the standard — and exactly what 发送资料 asks for."""
    turns = [("rep", offer), ("customer", reply)]
    analysis = labeller.analyze_turns([Utterance(s, t) for s, t in turns], call_date=MONDAY)
    assert analysis.turns[1].commitment == "continuation"
    assert _judged(labeller, turns, "演示", "发送资料") == "minimum_achieved"
    assert _judged(labeller, turns, "发送资料") == "primary_achieved"
    assert _judged(labeller, turns, "会面") == "continuation_only"


def test_a_refusal_is_declined_on_every_rung(labeller: Analyzer) -> None:
    turns = [("rep", "下周我过来给您演示一下？"), ("customer", "不用了，我们已经跟别家签了。")]
    for rung in RUNGS:
        assert _judged(labeller, turns, rung.action) == "declined"


# ---------------------------------------------------------------- corrections reach everything

DECLINED = [
    ("rep", "您好，我是云帆软件的小孙，上次给您寄过资料，现在方便说两句吗？"),
    ("customer", "方便，你说。"),
    ("rep", "你们仓库现在每天大概发多少单？"),
    ("customer", "旺季一天两千多单，全靠手工对账，经常出错。"),
    ("rep", "那下周二下午我过去给您和仓储经理演示一下，您看可以吗？"),
    ("customer", "不用了，我们暂时不需要，你别再打了。"),
]


@pytest.fixture
def deal(client: TestClient, services: Services) -> dict[str, Any]:
    """A rep, a customer, an opportunity created 60 days ago whose objective is a demo (minimum:
    materials), and one analysed call on it in which the customer refuses the demo."""
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    rep = client.post("/api/v1/reps", headers=AUTH, json={"name": "孙敏", "team_id": team}).json()
    customer = client.post("/api/v1/customers", headers=AUTH,
                           json={"company": "恒通物流", "owner_rep_id": rep["id"]}).json()  # fmt: skip
    created = (date.today() - timedelta(days=60)).isoformat()
    opportunity = client.post("/api/v1/opportunities", headers=AUTH, json={
        "name": "仓储系统", "customer_id": customer["id"], "owner_rep_id": rep["id"],
        "stage": "商机", "amount": 120000, "created_on": created,
        "objective_primary": "演示", "objective_minimum": "发送资料",
    }).json()  # fmt: skip
    call_id = upload(
        client, CALLS / "dev01.stereo.wav", channels="rep-left", rep_id=str(rep["id"]),
        customer_id=str(customer["id"]), opportunity_id=str(opportunity["id"]),
    ).json()["id"]  # fmt: skip
    wait_for_status(client, call_id)
    _put_transcript(services, call_id, DECLINED)
    analysis = _reanalyse(client, call_id)
    assert analysis["turns"][5]["commitment"] == "decline"
    return {"call": call_id, "rep": rep["id"], "opportunity": opportunity["id"]}


def _state(client: TestClient, deal: dict[str, Any]) -> dict[str, Any]:
    call_id, opp = deal["call"], deal["opportunity"]
    get = lambda path, **params: client.get(path, headers=AUTH, params=params).json()  # noqa: E731
    today = date.today()
    period = {"from": (today - timedelta(days=1)).isoformat(),
              "to": (today + timedelta(days=2)).isoformat()}  # fmt: skip
    reasons = get(f"/api/v1/calls/{call_id}/analysis")["score"]["reasons"]
    return {
        "secured": get(f"/api/v1/calls/{call_id}")["commitment_secured"],
        "objective": get(f"/api/v1/opportunities/{opp}")["objective_outcome"],
        "objective_line": next(r for r in reasons if r["criterion"] == "objective")["points"],
        "draft": get("/api/v1/follow-ups", call_id=call_id)["items"][0],
        "outcomes": [o["outcome"] for o in get(f"/api/v1/opportunities/{opp}/outcomes")],
        "stalled": opp in [d["opportunity_id"] for d in get("/api/v1/stalled-deals")],
        "rate": next(r for r in get("/api/v1/metrics/reps", **period)
                     if r["rep_id"] == deal["rep"])["commitment_rate"],
    }  # fmt: skip


def test_a_correction_reaches_everything_that_rests_on_the_label(
    client: TestClient, deal: dict[str, Any]
) -> None:
    before = _state(client, deal)
    assert (before["secured"], before["objective"], before["objective_line"]) == (
        False,
        "declined",
        0,
    )
    assert before["outcomes"] == ["decline"] and before["stalled"] and before["rate"] == 0
    assert before["draft"]["next_action"] is None
    due = (date.today() + timedelta(days=8)).isoformat()
    corrected = client.post(
        f"/api/v1/calls/{deal['call']}/turns/5/corrections", headers=AUTH,
        json={"commitment": "advance", "commitment_action": "演示", "commitment_due": due},
    )  # fmt: skip
    assert corrected.status_code == 201, corrected.text
    after = _state(client, deal)
    assert (after["secured"], after["objective"], after["objective_line"]) == (
        True, "primary_achieved", 30)  # fmt: skip
    assert after["outcomes"] == ["advance"] and not after["stalled"] and after["rate"] == 1.0
    assert (
        after["draft"]["next_action"].startswith("演示：")
        and after["draft"]["next_action_due"] == due
    )
    # and back: the correction of the correction takes it all back
    assert client.post(f"/api/v1/calls/{deal['call']}/turns/5/corrections", headers=AUTH,
                       json={"commitment": "decline"}).status_code == 201  # fmt: skip
    again = _state(client, deal)
    assert (again["secured"], again["objective"], again["outcomes"]) == (
        False,
        "declined",
        ["decline"],
    )
    assert again["stalled"] and again["draft"]["next_action"] is None
