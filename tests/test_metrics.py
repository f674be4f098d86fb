"""Conversion metrics and targets on the documented seed (huashu/seed.py), each figure checked
against a value computed by hand from the seed's rules."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from huashu.runtime import Services
from huashu.seed import seed_demo
from models import session_scope
from tests.conftest import AUTH

STAGES = ("线索", "商机", "方案", "谈判", "成交")
Q1 = {"from": "2026-01-01", "to": "2026-04-01"}
YEAR = {"from": "2026-01-01", "to": "2027-01-01"}


@pytest.fixture
def seeded(services: Services, client: TestClient) -> TestClient:
    with session_scope(services.session_factory) as session:
        counts = seed_demo(session, 2026, STAGES)
    assert counts == {"teams": 2, "reps": 3, "customers": 36, "opportunities": 36, "calls": 72}
    return client


def _get(client: TestClient, path: str, **params: object) -> object:
    response = client.get(path, headers=AUTH, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_rep_metrics_q1(seeded: TestClient) -> None:
    rows = {r["rep"]: r for r in _get(seeded, "/api/v1/metrics/reps", **Q1)}  # type: ignore[union-attr]
    wang, li, zhang = rows["王磊"], rows["李娜"], rows["张伟"]
    # 3 opportunities each (Jan lost, Feb open, Mar won), two 600-s calls per opportunity
    assert wang["calls"] == 6 and wang["analysed_calls"] == 6 and wang["talk_time_s"] == 3600.0
    assert (
        wang["commitment_rate"] == 0.3333 and wang["advances_per_call"] == 0.3333
    )  # Feb + Mar day-5 calls
    assert wang["spin_mix"] == {
        "situation": 0.5455,
        "problem": 0.2727,
        "implication": 0.0909,
        "need_payoff": 0.0909,
    }
    assert wang["implication_need_payoff_share"] == 0.1818  # 4 of 22 questions
    assert (
        wang["mean_score"] == 60.0 and wang["mean_talk_ratio"] == 0.633
    )  # (2×80+4×50)/6, (2×.5+4×.7)/6
    assert (wang["opportunities_created"], wang["won"], wang["lost"], wang["win_rate"]) == (
        3,
        1,
        1,
        0.5,
    )
    assert wang["average_won_amount"] == 10000.0 and wang["mean_sales_cycle_days"] == 10.0
    assert wang["sales_velocity_per_day"] == 1500.0  # 3 × 0.5 × 10 000 / 10
    assert li["average_won_amount"] == 20000.0 and li["mean_sales_cycle_days"] == 20.0
    assert li["sales_velocity_per_day"] == 1500.0  # 3 × 0.5 × 20 000 / 20
    # 张伟's March deal closes on 4 April: no win inside Q1, and no NaN either
    assert (zhang["won"], zhang["lost"], zhang["win_rate"], zhang["sales_velocity_per_day"]) == (
        0,
        1,
        0.0,
        0.0,
    )
    # open pipeline (now, all months): Feb→方案, May→商机, Aug→线索, Nov→谈判
    assert wang["pipeline_by_stage"] == {
        "方案": 10000.0,
        "商机": 10000.0,
        "线索": 10000.0,
        "谈判": 10000.0,
    }
    assert wang["pipeline_value"] == 40000.0 and zhang["pipeline_value"] == 120000.0


def test_a_deal_won_the_day_it_was_created_has_a_velocity(client: TestClient) -> None:
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "华东"}).json()["id"]
    rep = client.post("/api/v1/reps", headers=AUTH, json={"name": "王磊", "team_id": team}).json()
    customer = client.post("/api/v1/customers", headers=AUTH, json={"company": "云帆科技"}).json()
    deal = {"name": "当天成交", "customer_id": customer["id"], "owner_rep_id": rep["id"],
            "stage": "成交", "status": "won", "amount": 36000, "created_on": "2026-02-10",
            "closed_on": "2026-02-10"}  # fmt: skip
    made = client.post("/api/v1/opportunities", headers=AUTH, json=deal)
    assert made.status_code == 201, made.text
    (row,) = _get(client, "/api/v1/metrics/reps", **Q1)  # type: ignore[misc]
    assert row["won"] == 1 and row["mean_sales_cycle_days"] == 1.0
    assert row["sales_velocity_per_day"] == 36000.0  # 1 × 1.0 × 36 000 / 1 day, not ¥0


def test_team_filter_and_empty_period(seeded: TestClient) -> None:
    teams = _get(seeded, "/api/v1/teams")
    east = next(t["id"] for t in teams["items"] if t["name"] == "华东")  # type: ignore[index]
    rows = _get(seeded, "/api/v1/metrics/reps", team=east, **Q1)
    assert [r["rep"] for r in rows] == ["王磊", "李娜"]  # type: ignore[union-attr]
    empty = _get(seeded, "/api/v1/metrics/reps", **{"from": "2030-01-01", "to": "2030-02-01"})
    for row in empty:  # type: ignore[union-attr]
        assert row["calls"] == 0 and row["commitment_rate"] == 0.0 and row["win_rate"] == 0.0
        assert row["sales_velocity_per_day"] == 0.0 and row["mean_score"] == 0.0
    funnel = _get(seeded, "/api/v1/metrics/funnel", **{"from": "2030-01-01", "to": "2030-02-01"})
    assert funnel["created"] == 0 and all(s["conversion"] == 0.0 for s in funnel["steps"])  # type: ignore[index]


def test_funnel_q1(seeded: TestClient) -> None:
    funnel = _get(seeded, "/api/v1/metrics/funnel", **Q1)
    # per rep: Jan lost at 商机 (reached 2 stages), Feb open at 方案 (3), Mar won (all 5)
    assert [s["reached"] for s in funnel["stages"]] == [9, 9, 6, 3, 3]  # type: ignore[index]
    assert [s["conversion"] for s in funnel["steps"]] == [1.0, 0.6667, 0.5, 1.0]  # type: ignore[index]
    assert (funnel["created"], funnel["won"], funnel["lost"], funnel["overall_conversion"]) == (
        9,
        3,
        3,
        0.3333,
    )  # type: ignore[index]


def test_funnel_of_one_rep_counts_only_their_deals(seeded: TestClient) -> None:
    """The rep dashboard draws the chosen rep's own funnel, not the team's under their name."""
    reps = _get(seeded, "/api/v1/metrics/reps", **Q1)
    wang = next(r["rep_id"] for r in reps if r["rep"] == "王磊")  # type: ignore[union-attr, index]
    funnel = _get(seeded, "/api/v1/metrics/funnel", rep_id=wang, **Q1)
    # one deal a month: Jan lost at 商机 (2 stages), Feb open at 方案 (3), Mar won (all 5)
    assert [s["reached"] for s in funnel["stages"]] == [3, 3, 2, 1, 1]  # type: ignore[index]
    assert (funnel["created"], funnel["won"], funnel["lost"]) == (3, 1, 1)
    missing = seeded.get("/api/v1/metrics/funnel", headers=AUTH, params={"rep_id": 99999, **Q1})
    assert missing.status_code == 404 and missing.json()["field"] == "rep_id"


def test_commitment_ranking_flags_small_samples(seeded: TestClient) -> None:
    q1 = _get(seeded, "/api/v1/metrics/commitments", **Q1)
    assert all(r["small_sample"] and r["analysed_calls"] == 6 for r in q1)  # type: ignore[union-attr]
    year = _get(seeded, "/api/v1/metrics/commitments", **YEAR)
    top = year[0]  # type: ignore[index]
    assert not top["small_sample"] and (top["analysed_calls"], top["committed_calls"]) == (24, 8)
    # Wilson 95 % interval for 8 of 24, by hand: centre 0.3563, half-width 0.1766
    assert top["confidence_low"] == pytest.approx(0.1797, abs=1e-3)
    assert top["confidence_high"] == pytest.approx(0.5329, abs=1e-3)
    assert [r["rank"] for r in year] == [1, 2, 3]  # type: ignore[union-attr]


def test_small_samples_are_not_ranked_first(seeded: TestClient) -> None:
    # a rep with 2 calls, both with an advance (100 %), must rank below 24-call reps at 33 %
    rep = seeded.post("/api/v1/reps", headers=AUTH, json={"name": "新人"}).json()
    from tests.test_metrics_helpers import add_analysed_calls

    add_analysed_calls(seeded, rep["id"], committed=2, total=2, day=date(2026, 6, 1))
    ranking = _get(seeded, "/api/v1/metrics/commitments", **YEAR)
    newcomer = next(r for r in ranking if r["rep"] == "新人")  # type: ignore[union-attr]
    assert newcomer["commitment_rate"] == 1.0 and newcomer["small_sample"] and newcomer["rank"] == 4


def test_behaviour_bands(seeded: TestClient) -> None:
    behaviour = _get(seeded, "/api/v1/metrics/behaviour", **YEAR)
    # closed in 2026: 11 won (张伟's December win closes in 2027), 12 lost
    assert behaviour["by_advance"] == [  # type: ignore[index]
        {"band": "with advance", "opportunities": 11, "won": 11, "win_rate": 1.0},
        {"band": "without advance", "opportunities": 12, "won": 0, "win_rate": 0.0},
    ]
    spin = {b["band"]: (b["opportunities"], b["win_rate"]) for b in behaviour["by_spin_mix"]}  # type: ignore[index]
    assert spin == {
        "implication+need-payoff < 20%": (12, 0.0),
        "implication+need-payoff ≥ 40%": (11, 1.0),
    }
    talk = {b["band"]: (b["opportunities"], b["win_rate"]) for b in behaviour["by_talk_ratio"]}  # type: ignore[index]
    assert talk == {"rep talk 40–60%": (11, 1.0), "rep talk ≥ 60%": (12, 0.0)}


def test_target_breakdown_and_needed_activity(seeded: TestClient) -> None:
    # Q4 2026: rates come from the 365 days before 1 October, so the result does not depend on today
    east = next(t["id"] for t in _get(seeded, "/api/v1/teams")["items"] if t["name"] == "华东")  # type: ignore[index]
    target = seeded.post(
        "/api/v1/targets",
        headers=AUTH,
        json={"team_id": east, "year": 2026, "quarter": 4, "amount": 300000},
    ).json()
    progress = _get(seeded, f"/api/v1/targets/{target['id']}/progress")
    # October 22, November 21, December 23 working days (Mon–Fri)
    assert progress["working_days"] == 66 and progress["per_working_day"] == 4545.45  # type: ignore[index]
    assert [m["target"] for m in progress["months"]] == [100000.0, 95454.55, 104545.45]  # type: ignore[index]
    # weeks: Thu 1 Oct–Sun 4 Oct (2 working days), then Monday weeks up to Mon 28–Thu 31 Dec
    weeks = progress["weeks"]  # type: ignore[index]
    assert len(weeks) == 14 and weeks[0]["working_days"] == 2 and weeks[-1]["working_days"] == 4
    # rates, January–September: 6 won, 6 lost, 18 created, 12 of 36 calls with an advance
    assert progress["rates"] == {  # type: ignore[index]
        "average_deal_size": 15000.0,
        "win_rate": 0.5,
        "opportunities_per_committed_call": 1.5,
        "commitment_rate": 0.3333,
    }
    # won in Q4: the two December deals (10 000 + 20 000); 270 000 to go
    assert progress["actual"] == 30000.0 and progress["needed"] == {  # type: ignore[index]
        "amount": 270000.0,
        "deals": 18,
        "opportunities": 36,
        "calls_with_commitment": 24,
        "calls": 72,
    }
    december = progress["months"][2]  # type: ignore[index]
    assert december["actual"] == 30000.0 and december["gap"] == 74545.45


def test_a_target_with_no_history_needs_no_made_up_figures(client: TestClient) -> None:
    """A new team: no won deal in the year before, so no deal size, win rate or commitment
    rate to divide by: what is needed has no figure (null), not 0."""
    team = client.post("/api/v1/teams", headers=AUTH, json={"name": "新团队"}).json()["id"]
    target = client.post("/api/v1/targets", headers=AUTH,
                         json={"team_id": team, "year": 2026, "quarter": 4, "amount": 464000}).json()  # fmt: skip
    progress = _get(client, f"/api/v1/targets/{target['id']}/progress")
    assert progress["needed"] == {  # type: ignore[index]
        "amount": 464000.0, "deals": None, "opportunities": None,
        "calls_with_commitment": None, "calls": None,
    }  # fmt: skip
    assert [q["start"] for q in progress["quarters"]] == ["2026-10-01"]  # type: ignore[index]


def test_annual_target_progress_counts_won_deals(seeded: TestClient) -> None:
    east = next(t["id"] for t in _get(seeded, "/api/v1/teams")["items"] if t["name"] == "华东")  # type: ignore[index]
    target = seeded.post(
        "/api/v1/targets", headers=AUTH, json={"team_id": east, "year": 2026, "amount": 1200000}
    ).json()
    progress = _get(seeded, f"/api/v1/targets/{target['id']}/progress")
    # won in 2026: 王磊 4 × 10 000 + 李娜 4 × 20 000
    assert progress["actual"] == 120000.0 and progress["attainment"] == 0.1  # type: ignore[index]
    assert [q["actual"] for q in progress["quarters"]] == [30000.0, 30000.0, 30000.0, 30000.0]  # type: ignore[index]


@pytest.mark.parametrize(
    "body",
    [{"team_id": 1, "year": 2026, "amount": 0}, {"team_id": 1, "year": 2026, "amount": -5},
     {"year": 2026, "amount": 100}, {"team_id": 1, "rep_id": 1, "year": 2026, "amount": 100}],
)  # fmt: skip
def test_bad_targets_are_refused(seeded: TestClient, body: dict[str, object]) -> None:
    assert seeded.post("/api/v1/targets", headers=AUTH, json=body).status_code == 422


def test_metrics_period_must_be_a_range(seeded: TestClient) -> None:
    response = seeded.get(
        "/api/v1/metrics/reps", headers=AUTH, params={"from": "2026-02-01", "to": "2026-01-01"}
    )
    assert response.status_code == 422 and "must be after" in response.json()["detail"]


def test_monthly_trend_for_a_rep(seeded: TestClient) -> None:
    wang = next(r for r in _get(seeded, "/api/v1/reps")["items"] if r["name"] == "王磊")  # type: ignore[index]
    trend = _get(seeded, "/api/v1/metrics/trend", rep_id=wang["id"], **Q1)
    # Jan: lost (no advance); Feb: open, advance on the first call; Mar: won, advance on the first call
    assert trend == [
        {"month": "2026-01", "analysed_calls": 2, "commitment_rate": 0.0, "mean_talk_ratio": 0.7},
        {"month": "2026-02", "analysed_calls": 2, "commitment_rate": 0.5, "mean_talk_ratio": 0.7},
        {"month": "2026-03", "analysed_calls": 2, "commitment_rate": 0.5, "mean_talk_ratio": 0.5},
    ]


@pytest.mark.parametrize(
    "path", ["/api/v1/metrics/reps", "/api/v1/metrics/commitments", "/api/v1/metrics/behaviour",
             "/api/v1/metrics/trend"],
)  # fmt: skip
def test_counting_labels_with_a_minimum_confidence_agrees_with_the_summaries(
    seeded: TestClient, path: str
) -> None:
    """The seed's labels are sure (probability 1): any minimum keeps them all, so the reports
    counted from the labels must equal those counted from the calls' summaries."""
    plain = _get(seeded, path, **YEAR)
    assert plain and _get(seeded, path, **YEAR, min_confidence=0) == plain
    assert _get(seeded, path, **YEAR, min_confidence=1) == plain


def test_a_minimum_confidence_must_be_between_0_and_1(seeded: TestClient) -> None:
    for bad in (-0.1, 1.01, "sure"):
        response = seeded.get("/api/v1/metrics/commitments", headers=AUTH,
                              params={**YEAR, "min_confidence": bad})  # fmt: skip
        assert response.status_code == 422 and response.json()["field"] == "min_confidence"
