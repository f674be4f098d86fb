"""The hotword hint handed to Whisper: call context first, cut to a size, no duplicates."""

from __future__ import annotations

from asr import hotword_prompt


def test_hotwords_are_joined_in_order_without_duplicates_or_blanks() -> None:
    words = ["云帆软件", " 张伟 ", "", "王总", "云帆软件", "张伟"]
    assert hotword_prompt(words, max_chars=100) == "云帆软件，张伟，王总"


def test_the_list_is_cut_not_the_words() -> None:
    words = ["启航教育", "课程顾问小李", "英语试听课", "超声设备"]
    # 课程顾问小李 would not fit in 10 characters; the next, shorter term still does
    assert hotword_prompt(words, max_chars=10) == "启航教育，英语试听课"
    assert hotword_prompt(words, max_chars=3) is None


def test_no_hotwords_means_no_hint() -> None:
    assert hotword_prompt([], max_chars=100) is None
    assert hotword_prompt(["  "], max_chars=100) is None
