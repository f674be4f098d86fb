"""Chinese time expressions in commitments, resolved against the call's date.

下周二下午 → the Tuesday of next week, afternoon; 明天上午十点 → tomorrow 10:00; 15号 → the 15th
(this month, or next month when the 15th has passed); 月底 → the last day of the month.
Weeks start on Monday, as on Chinese calendars: 这周/本周 is the call's week, 下周 the next.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["DueDate", "find_due_date"]

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_NUM = r"[零〇一二两三四五六七八九十\d]{1,3}"
_DAY_PART = r"(?P<part>上午|早上|早晨|中午|下午|傍晚|晚上|今晚)?"
_PART_HOURS = {
    "上午": 9,
    "早上": 9,
    "早晨": 9,
    "中午": 12,
    "下午": 14,
    "傍晚": 17,
    "晚上": 19,
    "今晚": 19,
}

_RELATIVE_DAYS = {
    "今天": 0,
    "今儿": 0,
    "今晚": 0,
    "明天": 1,
    "明儿": 1,
    "明早": 1,
    "后天": 2,
    "大后天": 3,
}


@dataclass(frozen=True, slots=True)
class DueDate:
    day: date
    time_text: str  # the words that named it, e.g. 下周二下午
    hour: int | None = None  # when a time of day was said (下午 → 14, 三点 → 15 with 下午)


def chinese_number(text: str) -> int | None:
    """一 → 1, 十五 → 15, 二十三 → 23, 15 → 15; None if it is not a number."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        high = _DIGITS.get(tens, 1) if tens else 1
        low = _DIGITS.get(ones, 0) if ones else 0
        return high * 10 + low
    if len(text) == 1 and text in _DIGITS:
        return _DIGITS[text]
    return None


def find_due_date(text: str, call_date: date) -> DueDate | None:
    """The first time expression in `text`, as a date on or after `call_date`."""
    for finder in (_relative_day, _weekday, _month_day, _day_of_month, _month_edge, _in_n_days):
        found = finder(text, call_date)
        if found is not None:
            return _with_hour(found, text)
    return None


def _relative_day(text: str, today: date) -> DueDate | None:
    match = re.search(r"(大后天|后天|明天|明儿|明早|今天|今儿|今晚)" + _DAY_PART, text)
    if not match:
        return None
    return DueDate(today + timedelta(days=_RELATIVE_DAYS[match.group(1)]), match.group(0))


def _weekday(text: str, today: date) -> DueDate | None:
    match = re.search(
        r"(下下|下个?|这个?|本)?(周|星期|礼拜)([一二三四五六日天末])" + _DAY_PART, text
    )
    if not match:
        return None
    week_offset = {"下下": 2, "下": 1, "下个": 1}.get(match.group(1) or "", 0)
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=week_offset)
    day = monday + timedelta(days=_WEEKDAYS[match.group(3)])
    if day < today and not match.group(1):  # a bare 周二 said on a Thursday means the next one
        day += timedelta(weeks=1)
    return DueDate(day, match.group(0))


def _month_day(text: str, today: date) -> DueDate | None:
    match = re.search(rf"(?P<month>{_NUM})月(?P<day>{_NUM})[日号]" + _DAY_PART, text)
    if not match:
        return None
    month, day = chinese_number(match.group("month")), chinese_number(match.group("day"))
    resolved = _safe_date(today.year, month, day)
    if resolved is not None and resolved < today:
        resolved = _safe_date(today.year + 1, month, day)
    return DueDate(resolved, match.group(0)) if resolved else None


def _day_of_month(text: str, today: date) -> DueDate | None:
    match = re.search(
        rf"(?<![月\d零〇一二两三四五六七八九十])(?P<day>{_NUM})[号日]" + _DAY_PART, text
    )
    if not match:
        return None
    day = chinese_number(match.group("day"))
    resolved = _safe_date(today.year, today.month, day)
    if resolved is not None and resolved < today:
        month = today.month % 12 + 1
        resolved = _safe_date(today.year + (today.month == 12), month, day)
    return DueDate(resolved, match.group(0)) if resolved else None


def _month_edge(text: str, today: date) -> DueDate | None:
    match = re.search(r"(下个?|这个?|本)?月(底|初|中)|下个?月", text)
    if not match:
        return None
    year, month = today.year, today.month
    if match.group(0).startswith("下"):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    edge = match.group(2) or "初"
    last = calendar.monthrange(year, month)[1]
    day = {"底": last, "中": 15, "初": 1}[edge]
    resolved = date(year, month, day)
    return DueDate(max(resolved, today), match.group(0))


def _in_n_days(text: str, today: date) -> DueDate | None:
    match = re.search(rf"(?P<n>{_NUM})(天|个工作日)(之?[内后])", text)
    if not match:
        return None
    n = chinese_number(match.group("n"))
    return DueDate(today + timedelta(days=n), match.group(0)) if n is not None else None


def _with_hour(found: DueDate, text: str) -> DueDate:
    part = next((p for p in _PART_HOURS if p in found.time_text), None)
    clock = re.search(rf"(?P<h>{_NUM})点(?P<half>半)?", text)
    hour = chinese_number(clock.group("h")) if clock else None
    if hour is not None and part in {"下午", "傍晚", "晚上", "今晚"} and hour < 12:
        hour += 12
    if hour is None and part is not None:
        hour = _PART_HOURS[part]
    return DueDate(found.day, found.time_text, hour if hour is not None and hour < 24 else None)


def _safe_date(year: int, month: int | None, day: int | None) -> date | None:
    if month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
