"""Chinese clean-ups: simplification, hallucination filter, repetition loops."""

from __future__ import annotations

import pytest

from asr import collapse_repeats, is_hallucination, to_simplified


def test_traditional_becomes_simplified() -> None:
    assert to_simplified("廣西壯族自治區的計程車司機說話") == "广西壮族自治区的计程车司机说话"
    assert to_simplified("您好，我們這邊是啟航教育") == "您好，我们这边是启航教育"


def test_particle_zhe_is_simplified_but_literary_zhu_is_kept() -> None:
    assert to_simplified("他拉著我說，帶著全部家當") == "他拉着我说，带着全部家当"
    assert to_simplified("這是一家著名企業，效果顯著") == "这是一家著名企业，效果显著"


def test_simplified_and_latin_text_is_unchanged() -> None:
    assert to_simplified("我们下周二做POC演示") == "我们下周二做POC演示"


@pytest.mark.parametrize(
    "text",
    [
        "字幕由Amara.org社区提供",
        "請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目",
        "谢谢观看!",
        "感谢收看",
        "中文字幕",
        "优优独播剧场——YoYo Television Series Exclusive",
        "。。。",
        "",
    ],
)
def test_stock_phrases_for_silence_are_hallucinations(text: str) -> None:
    assert is_hallucination(text)


@pytest.mark.parametrize(
    "text",
    [
        "谢谢您的时间,我们下周二见",
        "好的谢谢",
        "这个字幕组的价格是多少",
        "我们的预算大概是五十万",
        "本节目由26年专注高品质燕窝的燕之屋冠名播出",
        "谢谢观看我们的演示，有问题随时问",
    ],
)
def test_real_speech_is_kept(text: str) -> None:
    assert not is_hallucination(text)


def test_repetition_loops_are_cut_back_to_four() -> None:
    assert "".join(collapse_repeats(list("好的" + "治" * 12 + "结束"))) == "好的治治治治结束"
    looped = ["我们", "下周", "见"] * 9
    assert collapse_repeats(looped) == ["我们", "下周", "见"] * 4


def test_ordinary_repetition_in_speech_is_kept() -> None:
    assert collapse_repeats(list("对对对对")) == list("对对对对")
    assert collapse_repeats(list("嗯嗯好的好的")) == list("嗯嗯好的好的")
    assert collapse_repeats(["一", "二", "一", "二", "三"]) == ["一", "二", "一", "二", "三"]
