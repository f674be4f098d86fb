"""Due dates in the forms customers use, resolved against the call's date (a Monday)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from analysis import find_due_date
from analysis.dates import mentions_time

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "day", "words"),
    [
        ("下周给你回复", date(2026, 12, 4), "下周"),  # a week named: due by its Friday
        ("这周之内给你答复", date(2026, 11, 27), "这周之内"),
        ("周末前把资料发你", date(2026, 11, 27), "周末前"),
        ("那就周末吧", date(2026, 11, 28), "周末"),
        ("过两天我再打给你", date(2026, 11, 25), "过两天"),
        ("这两天就给你消息", date(2026, 11, 25), "这两天"),
        ("过几天再说", date(2026, 11, 26), "过几天"),
        ("月底前定下来", date(2026, 11, 30), "月底"),
        ("下个月中我们开会定", date(2026, 12, 15), "下个月中"),
        ("下月中旬以前", date(2026, 12, 20), "下月中旬"),
        ("一周内发你", date(2026, 11, 30), "一周内"),
        ("半个月内回复", date(2026, 12, 8), "半个月内"),
        ("三个工作日内给报价", date(2026, 11, 26), "三个工作日内"),  # Tue, Wed, Thu
        ("年底前签", date(2026, 12, 31), "年底前"),
        ("年前把合同签了", date(2027, 2, 4), "年前"),  # Spring Festival 2027: 6 February
        ("过完年再说", date(2027, 2, 13), "过完年"),
        ("国庆后再联系", date(2027, 10, 8), "国庆后"),
        ("那就下个月", date(2026, 12, 31), "下个月"),
    ],
)
def test_new_due_date_forms(text: str, day: date, words: str) -> None:
    found = find_due_date(text, MONDAY)
    assert found is not None and (found.day, found.time_text) == (day, words)


def test_the_earliest_time_in_the_text_wins() -> None:
    found = find_due_date("明天先发资料 下周三再见面", MONDAY)
    assert found is not None and found.day == date(2026, 11, 24)


def test_a_week_said_on_its_weekend_is_not_in_the_past() -> None:
    sunday = date(2026, 11, 29)
    found = find_due_date("这周给你答复", sunday)
    assert found is not None and found.day == sunday


@pytest.mark.parametrize(
    "text",
    ["三年后设备归您", "这个环节后面再说", "去年年底出过一次事", "我们合作了好几年", "回头再说"],
)
def test_words_that_only_look_like_times(text: str) -> None:
    assert find_due_date(text, MONDAY) is None and not mentions_time(text)


def _table() -> list[tuple[str, date, date]]:
    rows = []
    path = Path(__file__).with_name("data") / "time_expressions.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, said, due = line.split("\t")
            rows.append((text, date.fromisoformat(said), date.fromisoformat(due)))
    return rows


TABLE = _table()


def test_the_table_is_big_enough() -> None:
    assert len(TABLE) >= 150 and len({(t, s) for t, s, _ in TABLE}) == len(TABLE)


@pytest.mark.parametrize(("text", "said", "due"), TABLE)
def test_every_time_expression_in_the_table(text: str, said: date, due: date) -> None:
    found = find_due_date(text, said)
    assert found is not None, text
    assert found.day == due, (text, found)
