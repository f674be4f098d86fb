"""The sales method (issue 15): RFM layering, continuation traps, commitment objectives.

Each rule is checked on a hand-worked example: the expected figures are worked out in the
comments from the rule as the README states it, not read back from the code.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from sales.rfm import SEGMENTS, CustomerFigures, quintiles, score_customers, segment_of
from tests.conftest import AUTH

# ---------------------------------------------------------------- RFM, pure


def test_quintiles_of_five_distinct_values_are_one_to_five() -> None:
    assert quintiles([30, 10, 50, 20, 40]) == [3, 1, 5, 2, 4]


def test_quintiles_share_a_score_on_ties() -> None:
    # 0 has nobody strictly behind: 1; 5 has three behind: 1 + 5*3//5 = 4; 9 has four: 5.
    assert quintiles([0, 0, 5, 0, 9]) == [1, 1, 4, 1, 5]
    # Ten values: 1 + 5*k//10 for k = 0..9 → two customers per quintile.
    assert quintiles(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_segments_follow_high_and_low_of_r_f_m() -> None:
    assert segment_of(3, 3, 3) == "重要价值客户"
    assert segment_of(5, 1, 4) == "重要发展客户"
    assert segment_of(2, 4, 5) == "重要保持客户"
    assert segment_of(1, 2, 3) == "重要挽留客户"
    assert segment_of(4, 4, 2) == "一般价值客户"
    assert segment_of(4, 1, 1) == "一般发展客户"
    assert segment_of(2, 5, 1) == "一般保持客户"
    assert segment_of(1, 1, 1) == "一般挽留客户"
    assert len(set(SEGMENTS)) == 8


def test_never_contacted_scores_lowest_recency() -> None:
    figures = [
        CustomerFigures(1, 2, 3, 100.0),
        CustomerFigures(2, None, 0, 0.0),
        CustomerFigures(3, 400, 0, 0.0),
    ]
    # Recency by negated days: -2 (two behind → 1 + 10//3 = 4), never (1), -400 (one behind → 2).
    r = [s.r for s in score_customers(figures)]
    assert r == [4, 1, 2]


# ---------------------------------------------------------------- RFM over HTTP


def _post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1/{path}", headers=AUTH, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the default business time zone


def _ago(days: int) -> str:
    return f"{_today() - timedelta(days=days)}T10:00:00+08:00"


def _rfm_world(client: TestClient) -> dict[str, int]:
    """Five customers, worked by hand (today = T):
    A: follow-ups at T-2, T-3, T-4 (F 3, R 2), won 100 000 at T-10 → M 100 000
    B: one follow-up at T-40 (F 1, R 40), nothing won, open 50 000 → M 50 000
    C: one follow-up at T-200 (outside 90 days: F 0, R 200), M 0
    D: never contacted, M 0
    E: follow-ups at T-5, T-6 (F 2, R 5), M 0
    R (fewer days better): D 1, C 2, B 3, E 4, A 5.  F: C, D 1; B 3; E 4; A 5.
    M: C, D, E 1; B 4; A 5.  Segments (high = 3 or more):
    A 5/5/5 重要价值; B 3/3/4 重要价值; C 2/1/1 一般挽留; D 1/1/1 一般挽留; E 4/4/1 一般价值."""
    rep = _post(client, "reps", {"name": "王磊"})["id"]
    ids = {k: _post(client, "customers", {"company": f"客户{k}", "owner_rep_id": rep})["id"]
           for k in "ABCDE"}  # fmt: skip
    for key, days in (("A", 2), ("A", 3), ("A", 4), ("B", 40), ("C", 200), ("E", 5), ("E", 6)):
        _post(client, "follow-ups", {"rep_id": rep, "customer_id": ids[key], "occurred_at": _ago(days),
                                     "status": "done"})  # fmt: skip
    won_on = str(date.today() - timedelta(days=10))
    _post(client, "opportunities", {"name": "A 单", "customer_id": ids["A"], "owner_rep_id": rep,
          "stage": "成交", "amount": 100000, "status": "won", "created_on": str(date.today() - timedelta(days=60)),
          "closed_on": won_on})  # fmt: skip
    _post(client, "opportunities", {"name": "B 单", "customer_id": ids["B"], "owner_rep_id": rep,
                                    "stage": "方案", "amount": 50000})  # fmt: skip
    return ids | {"rep": rep}


def test_customers_carry_rfm_scores_and_segments(client: TestClient) -> None:
    ids = _rfm_world(client)
    page = client.get("/api/v1/customers", headers=AUTH).json()
    by_id = {c["id"]: c for c in page["items"]}
    a, b, e = by_id[ids["A"]]["rfm"], by_id[ids["B"]]["rfm"], by_id[ids["E"]]["rfm"]
    assert (a["recency_days"], a["frequency"], a["monetary"]) == (2, 3, 100000)
    assert (b["recency_days"], b["frequency"], b["monetary"]) == (40, 1, 50000)
    assert (e["r"], e["f"], e["m"]) == (4, 4, 1)
    assert by_id[ids["D"]]["rfm"]["recency_days"] is None
    segments = {k: by_id[ids[k]]["segment"] for k in "ABCDE"}
    assert segments == {"A": "重要价值客户", "B": "重要价值客户", "C": "一般挽留客户",
                        "D": "一般挽留客户", "E": "一般价值客户"}  # fmt: skip
    lapsed = client.get(
        "/api/v1/customers", headers=AUTH, params={"segment": "一般挽留客户"}
    ).json()
    assert lapsed["total"] == 2 and {c["id"] for c in lapsed["items"]} == {ids["C"], ids["D"]}
    bad = client.get("/api/v1/customers", headers=AUTH, params={"segment": "VIP"})
    assert bad.status_code == 422 and bad.json()["field"] == "segment"


def test_due_follow_ups_sort_by_segment(client: TestClient) -> None:
    ids = _rfm_world(client)
    due = str(date.today() + timedelta(days=3))
    made = {k: _post(client, "follow-ups", {"rep_id": ids["rep"], "customer_id": ids[k],
                     "occurred_at": _ago(300), "next_action": "回访", "next_action_due": due})["id"]
            for k in "CEA"}  # fmt: skip
    # These old follow-ups (T-300) change no R or F: older than every other contact, outside 90 days.
    listed = client.get("/api/v1/follow-ups", headers=AUTH,
                        params={"status": "open", "order": "segment"}).json()  # fmt: skip
    assert [f["id"] for f in listed["items"]] == [made["A"], made["E"], made["C"]]
