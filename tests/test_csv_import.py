"""CSV import and export of CRM records through the HTTP API, with files shaped like a Chinese
CRM's exports: GBK or UTF-8 with a BOM, Chinese column names, external ids for references."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AUTH

BOM = "\ufeff".encode()
CUSTOMER_MAPPING = {
    "客户编号": "external_id",
    "客户名称": "company",
    "联系人": "contact",
    "电话": "phone",
    "客户级别": "tier",
    "负责人编号": "owner_rep_external_id",
}
OPPORTUNITY_MAPPING = {
    "商机编号": "external_id",
    "商机名称": "name",
    "客户编号": "customer_external_id",
    "负责人编号": "owner_rep_external_id",
    "阶段": "stage",
    "金额": "amount",
    "创建日期": "created_on",
    "关闭日期": "closed_on",
    "状态": "status",
}
CUSTOMER_ROWS = [
    ["客户编号", "客户名称", "联系人", "电话", "客户级别", "负责人编号", "备注"],
    ["C001", "杭州云帆科技有限公司", "王经理", "13800000001", "大客户", "R001", "老客户"],
    ["C002", "苏州明远贸易有限公司", "", "0512-6666666", "普通", "", ""],
]


def _csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def _import(
    client: TestClient,
    entity: str,
    data: bytes,
    mapping: dict[str, str] | None = None,
    **form: str,
) -> Any:  # the TestClient's response (httpx or httpx2, by version)
    if mapping is not None:
        form["mapping"] = json.dumps(mapping, ensure_ascii=False)
    files = {"file": (f"{entity}.csv", data, "text/csv")}
    return client.post(f"/api/v1/import/{entity}", headers=AUTH, files=files, data=form)


def _create(client: TestClient, path: str, body: dict[str, Any]) -> int:
    response = client.post(f"/api/v1/{path}", headers=AUTH, json=body)
    assert response.status_code == 201, response.text
    record_id: int = response.json()["id"]
    return record_id


def _items(client: TestClient, path: str) -> list[dict[str, Any]]:
    body = client.get(f"/api/v1/{path}", headers=AUTH, params={"limit": 200}).json()
    items: list[dict[str, Any]] = body["items"]
    assert body["total"] == len(items)
    return items


@pytest.fixture
def rep_id(client: TestClient) -> int:
    team = _create(client, "teams", {"name": "华东一组", "external_id": "T01"})
    return _create(client, "reps", {"name": "李雷", "team_id": team, "external_id": "R001"})


def test_gbk_customers_with_chinese_columns_and_a_mapping_import(
    client: TestClient, rep_id: int
) -> None:
    data = _csv(CUSTOMER_ROWS, "gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the GBK fallback is what reads this file
    response = _import(client, "customers", data, CUSTOMER_MAPPING)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report == {
        "entity": "customers",
        "dry_run": False,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "failed": 0,
        "stopped_at_row": None,
        "stopped_because": None,
        "errors": [],
    }
    stored = {c["external_id"]: c for c in _items(client, "customers")}
    assert stored["C001"]["company"] == "杭州云帆科技有限公司"
    assert stored["C001"]["owner_rep_id"] == rep_id and stored["C001"]["tier"] == "大客户"
    assert stored["C002"]["contact"] is None and stored["C002"]["owner_rep_id"] is None


@pytest.mark.parametrize("where", ["form", "query"])
def test_a_dry_run_reports_the_same_counts_and_stores_nothing(
    client: TestClient, rep_id: int, where: str
) -> None:
    data = _csv(CUSTOMER_ROWS, "gbk")
    if where == "form":
        dry = _import(client, "customers", data, CUSTOMER_MAPPING, dry_run="true")
    else:
        files = {"file": ("c.csv", data, "text/csv")}
        form = {"mapping": json.dumps(CUSTOMER_MAPPING)}
        dry = client.post(
            "/api/v1/import/customers?dry_run=true", headers=AUTH, files=files, data=form
        )
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["created"] == 2
    assert _items(client, "customers") == []
    real = _import(client, "customers", data, CUSTOMER_MAPPING).json()
    assert {k: v for k, v in real.items() if k != "dry_run"} == {
        k: v for k, v in dry.json().items() if k != "dry_run"
    }
    assert len(_items(client, "customers")) == 2


def test_reimporting_the_same_file_updates_instead_of_duplicating(
    client: TestClient, rep_id: int
) -> None:
    first = _import(client, "customers", _csv(CUSTOMER_ROWS, "gbk"), CUSTOMER_MAPPING).json()
    assert first["created"] == 2
    changed = [row[:] for row in CUSTOMER_ROWS]
    changed[1][3] = "13900000009"  # the CRM updated C001's phone since the last export
    second = _import(client, "customers", _csv(changed, "gbk"), CUSTOMER_MAPPING).json()
    assert (second["created"], second["updated"], second["failed"]) == (0, 2, 0)
    stored = {c["external_id"]: c for c in _items(client, "customers")}
    assert len(stored) == 2
    assert stored["C001"]["phone"] == "13900000009"
    assert stored["C001"]["owner_rep_id"] == rep_id  # unchanged columns keep their values


def test_bad_rows_are_reported_by_row_number_and_the_good_rows_go_in(
    client: TestClient, rep_id: int
) -> None:
    _create(client, "customers", {"company": "杭州云帆", "external_id": "C001"})
    header = list(OPPORTUNITY_MAPPING)
    rows = [
        header,
        ["O1", "云帆 CRM 采购", "C001", "R001", "方案", "120000", "2026-01-05", "", "open"],
        ["O2", "负金额", "C001", "R001", "商机", "-5", "2026-01-05", "", "open"],
        ["O3", "先关后建", "C001", "R001", "成交", "800", "2026-03-01", "2026-02-01", "won"],
        ["O4", "不存在的客户", "C404", "R001", "线索", "100", "2026-01-05", "", "open"],
        ["O5", "不在漏斗", "C001", "R001", "立项", "100", "2026-01-05", "", "open"],
        ["O6", "云帆 二期", "C001", "R001", "成交", "90000", "2026-01-05", "2026-04-01", "won"],
    ]
    report = _import(client, "opportunities", BOM + _csv(rows), OPPORTUNITY_MAPPING).json()
    assert (report["rows"], report["created"], report["failed"]) == (6, 2, 4)
    errors = {e["row"]: e for e in report["errors"]}
    assert sorted(errors) == [2, 3, 4, 5]
    assert errors[2]["field"] == "amount" and "greater than or equal to 0" in errors[2]["message"]
    assert "before created_on" in errors[3]["message"]
    assert errors[4]["field"] == "customer_external_id" and "C404" in errors[4]["message"]
    assert errors[5]["field"] == "stage" and "立项" in errors[5]["message"]
    stored = _items(client, "opportunities")
    assert sorted(o["external_id"] for o in stored) == ["O1", "O6"]


def test_missing_required_columns_are_422_and_nothing_is_stored(
    client: TestClient, rep_id: int
) -> None:
    rows = [["客户编号", "联系人"], ["C001", "王经理"]]
    response = _import(client, "customers", _csv(rows), {"客户编号": "external_id"})
    assert response.status_code == 422
    assert "company" in response.json()["detail"]
    opportunities = _import(client, "opportunities", _csv([["name", "stage"], ["x", "线索"]]))
    assert opportunities.status_code == 422
    detail = opportunities.json()["detail"]
    assert "customer_id (or customer_external_id)" in detail and "owner_rep_id" in detail
    assert _items(client, "customers") == [] and _items(client, "opportunities") == []


@pytest.mark.parametrize(
    ("data", "words"),
    [(b"company\n\xff\xfe\xff\x80\n", "neither UTF-8 nor GBK"), (b"", "empty"), (BOM, "empty")],
)
def test_undecodable_or_empty_files_are_422(client: TestClient, data: bytes, words: str) -> None:
    response = _import(client, "customers", data)
    assert response.status_code == 422
    assert words in response.json()["detail"]
    assert _items(client, "customers") == []


def test_bad_requests_name_the_problem(client: TestClient) -> None:
    data = _csv([["company"], ["杭州云帆"]])
    unknown = _import(client, "invoices", data)
    assert unknown.status_code == 404 and "invoices" in unknown.json()["detail"]
    assert client.get("/api/v1/export/invoices", headers=AUTH).status_code == 404
    bad_json = client.post(
        "/api/v1/import/customers",
        headers=AUTH,
        files={"file": ("c.csv", data, "text/csv")},
        data={"mapping": "{客户名称: company"},
    )
    assert bad_json.status_code == 422 and bad_json.json()["field"] == "mapping"
    wrong_field = _import(client, "customers", _csv([["名称"], ["x"]]), {"名称": "compnay"})
    assert wrong_field.status_code == 422 and "compnay" in wrong_field.json()["detail"]
    too_big = _import(client, "customers", b"company\n" + b"x" * (20 * 1024 * 1024))
    assert too_big.status_code == 413
    assert _items(client, "customers") == []


def test_reps_and_follow_ups_resolve_references_by_external_id(
    client: TestClient, rep_id: int
) -> None:
    reps = _csv(
        [["name", "team_external_id", "external_id", "active"], ["韩梅梅", "T01", "R002", "否"]]
    )
    report = _import(client, "reps", reps).json()
    assert report["failed"] == 1 and report["errors"][0]["field"] == "active"  # 否 is not a bool
    reps = reps.replace("否".encode(), b"false")
    assert _import(client, "reps", reps).json()["created"] == 1
    _create(client, "customers", {"company": "杭州云帆", "external_id": "C001"})
    follow_ups = _csv(
        [
            [
                "rep_external_id",
                "customer_external_id",
                "occurred_at",
                "channel",
                "content",
                "external_id",
            ],
            ["R002", "C001", "2026-01-05T10:30:00+08:00", "visit", "上门拜访,\n客户关心价格", "F1"],
        ]
    )
    assert _import(client, "follow-ups", follow_ups).json()["created"] == 1
    (stored,) = _items(client, "follow-ups")
    assert stored["content"] == "上门拜访,\n客户关心价格" and stored["channel"] == "visit"


@pytest.mark.parametrize("entity", ["customers", "opportunities", "follow-ups", "teams"])
def test_export_has_a_bom_and_reimports_cleanly(
    client: TestClient, rep_id: int, entity: str
) -> None:
    _import(client, "customers", _csv(CUSTOMER_ROWS, "gbk"), CUSTOMER_MAPPING)
    customer = _items(client, "customers")[0]["id"]
    deal = {
        "customer_id": customer,
        "owner_rep_id": rep_id,
        "stage": "成交",
        "status": "won",
        "amount": 5000.5,
        "created_on": "2026-01-05",
        "closed_on": "2026-02-01",
    }
    _create(client, "opportunities", {"name": "云帆 一期", "external_id": "O1", **deal})
    visit = {
        "rep_id": rep_id,
        "customer_id": customer,
        "occurred_at": "2026-01-05T10:30:00Z",
        "content": "电话沟通",
        "status": "done",
        "external_id": "F1",
    }
    _create(client, "follow-ups", visit)
    before = _items(client, entity)

    response = client.get(f"/api/v1/export/{entity}", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f'filename="{entity}.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(BOM)
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[0] == "id" and "external_id" in header

    report = _import(client, entity, response.content).json()
    assert (report["created"], report["failed"]) == (0, 0), report
    assert report["updated"] == len(before) > 0
    assert _items(client, entity) == before


def test_export_guards_against_spreadsheet_formulas_and_round_trips(client: TestClient) -> None:
    created = client.post(
        "/api/v1/customers",
        headers=AUTH,
        json={"company": '=HYPERLINK("http://x")', "external_id": "F-1"},
    )
    assert created.status_code == 201
    exported = client.get("/api/v1/export/customers", headers=AUTH).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in exported
    again = client.post(
        "/api/v1/import/customers",
        headers=AUTH,
        files={"file": ("c.csv", exported.encode("utf-8-sig"))},
    ).json()
    assert again["updated"] == 1 and again["failed"] == 0
    company = client.get("/api/v1/customers", headers=AUTH).json()["items"][0]["company"]
    assert company == '=HYPERLINK("http://x")'
