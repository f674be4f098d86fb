"""Chinese time expressions in commitments, resolved against the call's date.

下周二下午 → the Tuesday of next week, afternoon; 明天上午十点 → tomorrow 10:00; 15号 → the 15th
(this month, or next month when the 15th has passed; 31号 in a 30-day month: the next month that
has one); 下个月5号 → the 5th of next month; 月底 → the last day of the month, and 月初/月中/上旬
said after them → next month's. Weeks start on Monday, as on Chinese calendars: 这周/本周 is the
call's week, 下周/下个礼拜 the next, 下下周/下下个礼拜 the one after. Times are read from the words:
the 下 of 一下 (汇报一下下周给你回复) belongs to 一下, so that is 下周, not 下下周.

A time that names a span is resolved to its end, the day by which it is due: 下周 (下周给你回复)
→ Friday of next week, 这周/周末前 → this Friday, 过两天/这两天 → in two days, 过几天 → three,
一周内/一周以内 → seven, 半个月内 → fifteen, 三个工作日内 → the third Monday–Friday after the
call, 上旬/中旬/下旬 → the 10th/20th/last day, 年底/年内 →
31 December. Holidays: 年前/春节前 → two days before the next Spring Festival (除夕 eve eve),
年后/过完年/过了年/春节后 → its 8th day (初八, when work restarts), 国庆(节)后/十一后 → 8 October,
五一后 → 6 May, 元旦后 → 2 January, and the day before each for …前; a bare 节前/节后 means
the next of these holidays. Spring Festival dates are tabled for 2020–2040; 端午 and 中秋 are not
resolved.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["DueDate", "find_due_date", "mentions_time"]

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
_DAY_PART = r"(?P<part>上午|早上|早晨|中午|下午|傍晚|晚上|今晚|上昼|下昼|朝早|夜晚)?"
_PART_HOURS = {
    "上午": 9,
    "早上": 9,
    "早晨": 9,
    "朝早": 9,
    "上昼": 9,
    "中午": 12,
    "下午": 14,
    "下昼": 14,
    "傍晚": 17,
    "晚上": 19,
    "夜晚": 19,
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


_MONTH_EDGES = {"初": 1, "中": 15, "上旬": 10, "初旬": 10, "中旬": 20}  # 底, 末, 下旬: the last day
_UNIT_DAYS = {"天": 1, "周": 7, "星期": 7, "礼拜": 7, "月": 30}
_HOLIDAY_NAMES = {"年": "春节", "春节": "春节", "过年": "春节", "元旦": "元旦", "五一": "五一",
                  "劳动节": "五一", "国庆": "国庆", "十一": "国庆"}  # fmt: skip
# 春节 (the first day of the lunar year) by Gregorian year.
SPRING_FESTIVALS = {
    2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1),
    2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29),
    2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2028: date(2028, 1, 26),
    2029: date(2029, 2, 13), 2030: date(2030, 2, 3), 2031: date(2031, 1, 23),
    2032: date(2032, 2, 11), 2033: date(2033, 1, 31), 2034: date(2034, 2, 19),
    2035: date(2035, 2, 8), 2036: date(2036, 1, 28), 2037: date(2037, 2, 15),
    2038: date(2038, 2, 4), 2039: date(2039, 1, 24), 2040: date(2040, 2, 12),
}  # fmt: skip
# 年前/年后 but not 三年后 or 去年前; 节前/节后 but not 环节后.
_HOLIDAY = (
    r"((?<![\d零〇一二两三四五六七八九十几多去前今明每半百千当那这])年|春节|过年|元旦|五一|劳动节|国庆|"
    r"(?<![\d一二])十一|(?:(?<=[过等到在那])|(?<![\u4e00-\u9fff]))节)(?:(?<=[元旦一庆])节)?"
    r"(之?前|之?后|以后)|过[完了]年"
)
_ANY_DAY = date(2030, 6, 5)  # mentions_time only asks whether a time is named
_WHICH = r"(下下个?|下个?|这个?|本)"  # which week or month: 下下个礼拜, 下个月, 这周, 本月
# The 下 of 一下 ("briefly": 汇报一下, 看一下) is part of that word, not of a time after it:
# 汇报一下下周给你回复 is 一下 + 下周, not 下下周. It is masked before times are looked for.
_YIXIA = re.compile(r"(?<=一)下(?=下)")


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
    """The first time expression in `text` (the earliest in the text), as a date on or after
    `call_date`."""
    text = _YIXIA.sub("，", text)
    found = [f for f in (finder(text, call_date) for finder in _FINDERS) if f is not None]
    if not found:
        return None
    _, due = min(found, key=lambda pair: (pair[0], -len(pair[1].time_text)))
    return _with_hour(due, text)


def mentions_time(text: str) -> bool:
    """Whether `text` names a time that `find_due_date` can resolve."""
    return find_due_date(text, _ANY_DAY) is not None


Found = tuple[int, DueDate]  # where the expression starts in the text, and the date it names


def _relative_day(text: str, today: date) -> Found | None:
    match = re.search(r"(大后天|后天|明天|明儿|明早|今天|今儿|今晚)" + _DAY_PART, text)
    if not match:
        return None
    day = today + timedelta(days=_RELATIVE_DAYS[match.group(1)])
    return match.start(), DueDate(day, match.group(0))


def _weekday(text: str, today: date) -> Found | None:
    match = re.search(_WHICH + r"?(周|星期|礼拜)([一二三四五六日天])" + _DAY_PART, text)
    if not match:
        return None
    day = _monday(today, match.group(1)) + timedelta(days=_WEEKDAYS[match.group(3)])
    if day < today and not match.group(1):  # a bare 周二 said on a Thursday means the next one
        day += timedelta(weeks=1)
    return match.start(), DueDate(day, match.group(0))


def _weekend(text: str, today: date) -> Found | None:
    """周末 → Saturday; 周末前/周末之前 → the Friday before it."""
    match = re.search(_WHICH + r"?(周末|礼拜天|星期天)(之?前)?", text)
    if not match or (match.group(2) != "周末" and not match.group(3)):
        return None  # a plain 礼拜天 is a weekday, found by _weekday
    saturday = _monday(today, match.group(1)) + timedelta(days=5)
    if saturday < today and not match.group(1):
        saturday += timedelta(weeks=1)
    day = saturday - timedelta(days=1) if match.group(3) else saturday
    return match.start(), DueDate(max(day, today), match.group(0))


def _whole_week(text: str, today: date) -> Found | None:
    """下周 / 这周 / 本周 with no day named: due by that week's Friday."""
    match = re.search(_WHICH + r"(周|星期|礼拜)(?![一二三四五六日天末])(之?内)?", text)
    if not match:
        return None
    friday = _monday(today, match.group(1)) + timedelta(days=4)
    return match.start(), DueDate(max(friday, today), match.group(0))


def _month_day(text: str, today: date) -> Found | None:
    match = re.search(rf"(?P<month>{_NUM})月(?P<day>{_NUM})[日号]" + _DAY_PART, text)
    if not match:
        return None
    month, day = chinese_number(match.group("month")), chinese_number(match.group("day"))
    resolved = _safe_date(today.year, month, day)
    if resolved is not None and resolved < today:
        resolved = _safe_date(today.year + 1, month, day)
    return (match.start(), DueDate(resolved, match.group(0))) if resolved else None


def _day_of_month(text: str, today: date) -> Found | None:
    match = re.search(
        rf"(?<![月\d零〇一二两三四五六七八九十])(?P<day>{_NUM})[号日]" + _DAY_PART, text
    )
    if not match:
        return None
    day = chinese_number(match.group("day"))
    for months_ahead in range(3):  # 31号 on 23 November: 31 December
        year, month = _add_months(today.year, today.month, months_ahead)
        resolved = _safe_date(year, month, day)
        if resolved is not None and resolved >= today:
            return match.start(), DueDate(resolved, match.group(0))
    return None


def _day_of_named_month(text: str, today: date) -> Found | None:
    """下个月5号 / 下月十号 / 这个月20号: that day of that month."""
    match = re.search(_WHICH + rf"月(?P<day>{_NUM})[号日]" + _DAY_PART, text)
    if not match:
        return None
    year, month = _add_months(today.year, today.month, _periods_ahead(match.group(1)))
    resolved = _safe_date(year, month, chinese_number(match.group("day")))
    return (match.start(), DueDate(max(resolved, today), match.group(0))) if resolved else None


def _month_edge(text: str, today: date) -> Found | None:
    """月底/月初/月中, 上旬/中旬/下旬, and a bare 下个月/这个月 (due by its last day). An edge of
    no named month that has passed this month is next month's (月初 said on the 23rd)."""
    match = re.search(rf"{_WHICH}?月(底|初|中|末)(旬)?|{_WHICH}?月?([上中下])旬|{_WHICH}月", text)
    if not match:
        return None
    which = match.group(1) or match.group(4) or match.group(6)
    if match.group(2):
        edge = match.group(2) + (match.group(3) or "")
    else:
        edge = f"{match.group(5)}旬" if match.group(5) else "底"
    ahead = _periods_ahead(which)
    day = _edge_of_month(today, ahead, edge)
    if which is None and day < today:
        day = _edge_of_month(today, 1, edge)
    return match.start(), DueDate(max(day, today), match.group(0))


def _edge_of_month(today: date, ahead: int, edge: str) -> date:
    year, month = _add_months(today.year, today.month, ahead)
    return date(year, month, _MONTH_EDGES.get(edge, calendar.monthrange(year, month)[1]))


def _periods_ahead(which: str | None) -> int:
    """Weeks or months ahead: 下下(个) 2, 下(个) 1, 这(个)/本/none 0."""
    return 2 if (which or "").startswith("下下") else 1 if (which or "").startswith("下") else 0


def _add_months(year: int, month: int, ahead: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + ahead
    return index // 12, index % 12 + 1


def _in_n_days(text: str, today: date) -> Found | None:
    match = re.search(
        rf"(?P<n>{_NUM}|半)个?(?P<unit>天|个工作日|工作日|周|星期|礼拜|月)([之以]?[内后])", text
    )
    if not match:
        return None
    n = 0.5 if match.group("n") == "半" else chinese_number(match.group("n"))
    if n is None:
        return None
    if match.group("unit").endswith("工作日"):
        return match.start(), DueDate(_working_days_after(today, round(n)), match.group(0))
    days = round(n * _UNIT_DAYS[match.group("unit")])
    return match.start(), DueDate(today + timedelta(days=days), match.group(0))


def _working_days_after(today: date, count: int) -> date:
    """The `count`-th Monday–Friday after `today` (三个工作日内 said on a Monday: Thursday)."""
    day = today
    while count > 0:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


def _few_days(text: str, today: date) -> Found | None:
    """过两天 / 这两天 → in two days; 过几天 / 这几天 / 两三天 → in three."""
    match = re.search(
        r"(过|这|等)(一两|两|几|两三|三两)天|(?<![\d一二两三四五六七八九十])两三天", text
    )
    if not match:
        return None
    days = 2 if match.group(2) in ("一两", "两") else 3
    return match.start(), DueDate(today + timedelta(days=days), match.group(0))


def _year_edge(text: str, today: date) -> Found | None:
    match = re.search(r"(?<!去年)(?<!前年)(今年)?(年底|年内|年终)(之?前)?|今年之?内", text)
    if not match:
        return None
    return match.start(), DueDate(date(today.year, 12, 31), match.group(0))


def _holiday(text: str, today: date) -> Found | None:
    match = re.search(_HOLIDAY, text)
    if not match:
        return None
    name = match.group(1) or "春节"
    before = bool(match.group(2) and match.group(2).endswith("前"))
    holidays = _holidays_after(today)
    if name != "节":
        key = _HOLIDAY_NAMES.get(name, "春节")
        holidays = [h for h in holidays if h[0] == key]
    if not holidays:
        return None
    _, start, end = holidays[0]
    day = start - timedelta(days=1) if before else end
    return match.start(), DueDate(max(day, today), match.group(0))


_FINDERS = (
    _relative_day,
    _weekday,
    _weekend,
    _whole_week,
    _month_day,
    _day_of_month,
    _day_of_named_month,
    _month_edge,
    _in_n_days,
    _few_days,
    _year_edge,
    _holiday,
)


def _monday(today: date, which: str | None) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=_periods_ahead(which))


def _holidays_after(today: date) -> list[tuple[str, date, date]]:
    """(name, the day before which 节前 is due, the day 节后 is due) for coming holidays."""
    found = []
    for year in (today.year, today.year + 1):
        spring = SPRING_FESTIVALS.get(year)
        if spring is not None:
            found.append(("春节", spring - timedelta(days=1), spring + timedelta(days=7)))
        found += [
            ("元旦", date(year, 1, 1), date(year, 1, 2)),
            ("五一", date(year, 5, 1), date(year, 5, 6)),
            ("国庆", date(year, 10, 1), date(year, 10, 8)),
        ]
    return sorted((h for h in found if h[2] >= today), key=lambda h: h[1])


def _with_hour(found: DueDate, text: str) -> DueDate:
    part = next((p for p in _PART_HOURS if p in found.time_text), None)
    clock = re.search(rf"(?P<h>{_NUM})点(?P<half>半)?", text)
    hour = chinese_number(clock.group("h")) if clock else None
    if hour is not None and part in {"下午", "下昼", "傍晚", "晚上", "夜晚", "今晚"} and hour < 12:
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
