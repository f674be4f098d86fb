"""Correcting Whisper's words after decoding: how alike two words sound, the vocabulary and the
learned corrections, homophones against the frequency lexicon, and the words a person's edit
changed. The lexicon is the one the service builds (jieba's dictionary, the sales dictionary and
the modern words), so these run on the real tables."""

from __future__ import annotations

import pytest

from analysis.segmentation import SalesTokenizer
from asr import Segment, Speaker, Word
from asr.correction import Corrector, Term, company_terms, crm_terms, person_terms
from asr.edits import edit_changes
from asr.lexicon import MODERN_WORDS, Lexicon, read_frequencies
from asr.pronunciation import readings_of_word, word_similarity


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon([SalesTokenizer().word_frequencies(), read_frequencies(MODERN_WORDS)])


def _likeness(a: str, b: str) -> float:
    first, second = readings_of_word(a), readings_of_word(b)
    assert first is not None and second is not None
    scores = word_similarity(first, second)
    return sum(scores) / len(scores)


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("赢翻", "云帆"),
        ("曾经理", "孙经理"),
        ("江伟", "张伟"),
        ("留经理", "刘经理"),
        ("防戴", "房贷"),
    ],
)
def test_the_confusions_whisper_makes_sound_alike(heard: str, meant: str) -> None:
    # ying/yun, z/s + eng/un, j/zh, n/l, f+ang: the confusions the issue names
    assert _likeness(heard, meant) >= 0.85


@pytest.mark.parametrize(("a", "b"), [("张伟", "李明"), ("报价", "合同"), ("云帆", "天虹")])
def test_different_words_do_not(a: str, b: str) -> None:
    assert _likeness(a, b) < 0.6


def _segment(*words: tuple[str, float], speaker: Speaker = Speaker.REP) -> Segment:
    timed, at = [], 10.0
    for text, probability in words:
        timed.append(Word(at, at + 0.3 * len(text), text, probability))
        at += 0.3 * len(text)
    return Segment(10.0, at, "".join(w for w, _ in words), speaker, tuple(timed))


def test_a_vocabulary_term_replaces_what_sounds_like_it_and_says_what_it_replaced() -> None:
    heard = _segment(("我是", 0.95), ("赢", 0.41), ("翻", 0.38), ("科技", 0.9), ("的小王", 0.9))
    corrected = Corrector([Term("云帆科技", "company")]).correct([heard])
    assert corrected.segments[0].text == "我是云帆科技的小王"
    (fix,) = corrected.replacements
    assert (fix.heard, fix.text, fix.reason, fix.kind) == (
        "赢翻科技",
        "云帆科技",
        "vocabulary",
        "company",
    )
    assert fix.speaker is Speaker.REP and fix.start == pytest.approx(10.6)
    assert fix.confidence < 0.7 and fix.similarity > 0.9
    # the words are rebuilt: one word for the term, the others as they were, times kept
    words = corrected.segments[0].words
    assert "".join(w.text for w in words) == "我是云帆科技的小王"
    assert any(w.text == "云帆科技" for w in words)
    assert words[0].start == 10.0 and words[-1].end == heard.words[-1].end


def test_a_persons_titles_are_vocabulary_and_the_name_is_restored() -> None:
    terms = person_terms("孙丽", "经理")
    assert {"孙丽", "孙经理", "孙总", "小孙"} <= {t.text for t in terms}
    text, fixes = Corrector(terms).correct_text("曾经理您好，我跟您约个时间")
    assert text == "孙经理您好，我跟您约个时间"
    assert fixes == [("曾经理", "孙经理", "vocabulary")]


@pytest.mark.parametrize(
    ("registered", "said"),
    [
        ("德阳金鼎钣金制造有限公司", ["金鼎钣金制造", "金鼎钣金"]),
        ("成都锐格网络科技有限公司", ["锐格"]),
        ("锦茂建材集团", ["锦茂建材", "锦茂"]),
        ("上海市云帆科技有限公司", ["云帆科技", "云帆"]),
    ],
)
def test_a_company_is_also_known_by_the_names_people_say(registered: str, said: list[str]) -> None:
    forms = [t.text for t in company_terms(registered)]
    assert forms[0] == registered and set(said) <= set(forms)
    assert all(len(f) >= 2 for f in forms)


def test_a_short_company_name_said_wrong_is_restored() -> None:
    terms = company_terms("渝味坊餐饮管理有限公司")
    text, fixes = Corrector(terms).correct_text("请问是一位方的吴总吗？")  # yu/yi, all else alike
    assert text == "请问是渝味坊的吴总吗？" and fixes == [("一位方", "渝味坊", "vocabulary")]


def test_the_crm_record_names_rep_and_customer_as_they_are_addressed() -> None:
    terms = {t.text for t in crm_terms(["锦茂建材集团"], ["鲁海燕"], ["阚志远"], ["费控系统替换"])}
    assert {"锦茂建材", "鲁经理", "鲁总", "老鲁", "小阚", "阚志远", "费控系统替换"} <= terms
    assert "小鲁" not in terms  # the rep does not call the customer 小鲁
    # 小晏 (the rep) and 颜厂长 (the customer) sound alike: only the rep is 小晏
    (fix,) = Corrector(crm_terms([], ["颜国富"], ["晏磊"], [])).correct_text(
        "哦，小燕，报价我看了"
    )[1]
    assert fix[:2] == ("小燕", "小晏")


def test_words_that_only_half_sound_like_a_term_are_left_alone() -> None:
    corrector = Corrector([Term("样机", "product"), Term("云帆科技", "company")])
    for sentence in ("我们也有这个需求", "用计算器算一下", "今天天气不错，我们聊聊合同"):
        assert corrector.correct_text(sentence) == (sentence, [])


def test_a_name_is_restored_where_it_sounds_alike_and_only_there() -> None:
    term = [Term("刘经理", "person")]
    doubtful = _segment(("留", 0.3), ("经理", 0.6), ("您好", 0.95))
    sure = _segment(("留", 0.99), ("经理", 0.99), ("您好", 0.99))
    assert Corrector(term).correct([doubtful]).segments[0].text == "刘经理您好"
    # one syllable apart (liu/liu, tones aside) is still the same name: sure or not
    assert Corrector(term).correct([sure]).segments[0].text == "刘经理您好"
    # n/l is a confusion Whisper makes: 牛经理 on a call with 刘经理 is him
    near = _segment(("牛", 0.99), ("经理", 0.99), ("您好", 0.99))
    assert Corrector(term).correct([near]).segments[0].text == "刘经理您好"
    far = _segment(("王", 0.99), ("经理", 0.99), ("您好", 0.99))  # another surname: kept
    assert Corrector(term).correct([far]).segments[0].text == "王经理您好"


def test_a_learned_correction_replaces_its_exact_words() -> None:
    learned = Term("孙经理", "learned", heard="曾经理")
    text, fixes = Corrector([learned]).correct_text("曾经理说下周再看，曾经理很忙")
    assert text == "孙经理说下周再看，孙经理很忙"
    assert [f[2] for f in fixes] == ["learned", "learned"]


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("这个发票爆销的流程比较麻烦", "这个发票报销的流程比较麻烦"),
        ("我们的防戴利率太高了", "我们的房贷利率太高了"),
    ],
)
def test_homophones_that_make_no_word_are_corrected(
    lexicon: Lexicon, heard: str, meant: str
) -> None:
    text, fixes = Corrector([], lexicon).correct_text(heard)
    assert text == meant
    assert {f[2] for f in fixes} == {"homophone"}


@pytest.mark.parametrize(
    "sentence",
    ["价格太高了，我们再考虑一下", "这个方案不对，我们八八折也不做", "好的，我们下周二下午三点见"],
)
def test_right_words_are_not_corrected_into_likelier_ones(lexicon: Lexicon, sentence: str) -> None:
    assert Corrector([], lexicon).correct_text(sentence) == (sentence, [])


def test_a_homophone_whisper_was_sure_of_stays(lexicon: Lexicon) -> None:
    sure = _segment(("发票", 0.99), ("爆销", 0.99), ("流程", 0.99))
    doubtful = _segment(("发票", 0.99), ("爆销", 0.55), ("流程", 0.99))
    assert Corrector([], lexicon).correct([sure]).segments[0].text == "发票爆销流程"
    assert Corrector([], lexicon).correct([doubtful]).segments[0].text == "发票报销流程"


def test_an_edit_yields_the_words_it_replaced(lexicon: Lexicon) -> None:
    assert edit_changes("曾经理您好，我们约周三", "孙经理您好，我们约周三", lexicon) == [
        ("曾经理", "孙经理")
    ]
    assert edit_changes("发票爆销要签字", "发票报销要签字", lexicon) == [("爆销", "报销")]
    # punctuation and a rewritten sentence teach nothing word-for-word
    assert edit_changes("好的。", "好的！", lexicon) == []
