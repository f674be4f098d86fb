"""Correct what Whisper wrote, after decoding, with what the team knows.

Whisper's base model spells names by ear (孙经理 → 曾经理, 云帆 → 赢翻) and picks the wrong one of
several homophones (报销 → 爆销). Biasing the decoder with hotwords fixed names but harmed the rest
of the text (README, "Hotwords"), so corrections are made on the decoded words instead, in three
passes over each segment, each keeping out of what an earlier one changed:

1. **Learned corrections**: text people replaced the same way on several calls (`Term.heard`),
   replaced wherever it occurs.
2. **Vocabulary**: a stretch of text that sounds like a term of the team's vocabulary or of the
   call's CRM record (tones ignored, Mandarin's usual confusions allowed: `asr.pronunciation`) is
   replaced by the term when the evidence favours it: how alike they sound, how sure Whisper
   was of the words, and whether the stretch is itself a common word.
3. **Homophones**: a stretch that the frequency lexicon (`asr.lexicon`) can only split into rare
   characters is replaced by a word read exactly the same when the text then reads far more
   plausibly (爆销 → 报销, 防戴 → 房贷), never where Whisper was very sure.

Terms found spelled right are protected from the later passes. Every change is returned as a
`Replacement` (what was heard, what replaced it, why, how alike, how sure Whisper was), so the
original stays visible and a person can undo it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from pypinyin.pinyin_dict import pinyin_dict

from asr.lexicon import Lexicon
from asr.pronunciation import (
    Reading,
    is_han,
    readings_of_text,
    readings_of_word,
    syllable_similarity,
    word_similarity,
)
from asr.types import Segment, Speaker, Word

__all__ = [
    "TERM_KINDS",
    "CorrectedSegments",
    "CorrectionOptions",
    "Corrector",
    "Replacement",
    "Term",
    "company_terms",
    "crm_terms",
    "person_terms",
    "vocabulary_terms",
]

TERM_KINDS = ("product", "company", "person", "competitor", "term")
LEARNED, VOCABULARY, HOMOPHONE = "learned", "vocabulary", "homophone"
# How people are addressed: 孙经理, 孙总, 小孙, 刘姐. A person's CRM name stands for these too.
_TITLES = ("经理", "总", "总监", "主任", "老师", "姐", "哥", "工", "老板", "先生", "女士", "小姐",
           "院长", "校长", "处长", "科长", "部长", "主管", "医生", "会计", "师傅", "厂长", "律师",
           "董")  # fmt: skip
_PREFIXES = ("小", "老")
# A customer is not called 小王 by the rep selling to them; a rep is, by the customer.
_CUSTOMER_PREFIXES = ("老",)
# How a company is registered (地名 + 字号 + 行业 + 组织形式) and what people say of it: the
# trade name, with or without its trade (锦茂建材集团 → 锦茂建材; 成都锐格网络科技有限公司 →
# 锐格网络, 锐格).
_LEGAL_FORMS = re.compile(
    r"(集团股份有限公司|集团有限公司|股份有限公司|有限责任公司|有限公司|分公司|总公司|公司|集团|"
    r"门诊部|经营部|工作室|事务所|合作社|商行)$"
)
_TRADES = ("网络科技", "信息科技", "信息技术", "科技发展", "科技", "技术", "网络", "餐饮管理",
           "供应链管理", "企业管理", "管理", "制造", "机械", "食品", "贸易", "实业", "商贸",
           "电子", "设备", "工程", "建设", "咨询", "服务", "发展", "投资", "控股", "物流", "文化",
           "传媒", "国际", "中国", "软件", "教育", "医疗", "汽车", "汽修", "快运", "快递", "财经",
           "财税", "保险", "人寿", "置业", "地产", "装饰", "广场", "激光", "影像", "机电", "建材",
           "餐饮", "酒店", "药业", "医药", "生物", "能源", "环保", "家居", "服饰", "包装")  # fmt: skip
_REGIONS = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏",
            "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川",
            "贵州", "云南", "陕西", "甘肃", "青海", "内蒙古", "广西", "西藏", "宁夏", "新疆",
            "香港", "澳门", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "苏州", "郑州",
            "长沙", "东莞", "沈阳", "青岛", "合肥", "佛山", "宁波", "昆明", "济南", "无锡", "厦门",
            "福州", "大连", "哈尔滨", "长春", "石家庄", "南昌", "南宁", "贵阳", "太原", "兰州",
            "乌鲁木齐", "呼和浩特", "银川", "西宁", "拉萨", "海口", "温州", "泉州", "绍兴", "嘉兴",
            "金华", "台州", "常州", "南通", "徐州", "扬州", "烟台", "潍坊", "临沂", "唐山", "保定",
            "洛阳", "德阳", "绵阳", "宜宾", "珠海", "中山", "惠州", "江门", "汕头", "芜湖")  # fmt: skip
_REGION_SUFFIXES = ("省", "市", "自治区")
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "令狐", "皇甫", "公孙",
                      "夏侯", "尉迟", "长孙", "宇文", "端木", "司徒", "独孤", "南宫", "申屠")  # fmt: skip
_HOMOPHONE_SYLLABLE = 0.95
# Three syllables or more, all close (yu/yi, 渝味坊 / 一位方), are no chance likeness.
_LONG_TERM_SYLLABLE = 0.9  # as alike as two readings of one syllable get (-n/-ng aside)
# Numbers are said as numbers: 八八 is not 爸爸 and 五提 not 物体.
_NUMERALS = frozenset("零一二三四五六七八九十百千万亿两幺")
# Degree adverbs and negations are short, frequent and decoded reliably; a lexicon that prefers a
# two-character word to two single ones would "fix" them (太高 → 抬高, 不对 → 步队).
_STEADY_CHARS = frozenset("太很挺最更都也还就才只不没别再又")
_UNKNOWN_CONFIDENCE = 0.7  # text without word probabilities: neither sure nor doubtful


@dataclass(frozen=True, slots=True)
class Term:
    """A word of the vocabulary: the team's (products, competitors, industry words), the call's
    CRM names, or a learned correction (`heard` is then the exact text people replaced)."""

    text: str
    kind: str = "term"
    heard: str | None = None


def person_terms(
    name: str, title: str | None = None, *, customer: bool = False
) -> tuple[Term, ...]:
    """A person's full name and the ways they are addressed: 孙立新 → 孙立新, 孙经理, 孙总, 小孙…
    (`title`, from the CRM, first; the usual titles after it). A `customer` is not 小孙."""
    name = name.strip()
    if len(name) < 2 or not all(is_han(c) for c in name):
        return (Term(name, "person"),) if name else ()
    surname = name[:2] if name[:2] in _COMPOUND_SURNAMES else name[:1]
    titles = dict.fromkeys(([title.strip()] if title and title.strip() else []) + list(_TITLES))
    prefixes = _CUSTOMER_PREFIXES if customer else _PREFIXES
    forms = [name, *(surname + t for t in titles), *(p + surname for p in prefixes)]
    return tuple(Term(form, "person") for form in dict.fromkeys(forms))


def company_terms(name: str, kind: str = "company") -> tuple[Term, ...]:
    """A company's registered name and the shorter names people say (trade name with and
    without its trade; no region, no legal form), longest first."""
    name = name.strip()
    forms = [name]
    core = name
    while (shorter := _LEGAL_FORMS.sub("", core)) != core and len(shorter) >= 2:
        core = shorter
    core = _without_region(core)
    forms.append(core)
    while (trade := next((t for t in _TRADES if core.endswith(t)), None)) and len(core) - len(
        trade
    ) >= 2:
        core = core[: -len(trade)]
        forms.append(core)
    return tuple(Term(f, kind) for f in dict.fromkeys(forms) if len(f) >= 2)


def crm_terms(
    companies: Sequence[str], contacts: Sequence[str], reps: Sequence[str], deals: Sequence[str]
) -> list[Term]:
    """What a call's CRM record says of who it is with, as terms: the customer's company (and
    its short names), the contact and the rep (and how they are addressed), the deal's name."""
    terms: list[Term] = []
    for company in dict.fromkeys(c for c in companies if c.strip()):
        terms.extend(company_terms(company))
    for contact in dict.fromkeys(c for c in contacts if c.strip()):
        terms.extend(person_terms(contact, customer=True))
    for rep in dict.fromkeys(r for r in reps if r.strip()):
        terms.extend(person_terms(rep))
    terms.extend(Term(deal, "term") for deal in dict.fromkeys(d for d in deals if d.strip()))
    return terms


def vocabulary_terms(text: str, kind: str, heard: str | None = None) -> tuple[Term, ...]:
    """A vocabulary entry as terms: a company or competitor also by its short names; a taught
    correction (`heard`) exactly as it was taught."""
    if heard:
        return (Term(text, kind, heard),)
    if kind in ("company", "competitor"):
        return company_terms(text, kind)
    return (Term(text, kind),)


def _without_region(core: str) -> str:
    for region in sorted(_REGIONS, key=len, reverse=True):
        if core.startswith(region):
            rest = core[len(region) :]
            for suffix in _REGION_SUFFIXES:
                rest = rest.removeprefix(suffix)
            return rest if len(rest) >= 2 else core
    return core


@dataclass(frozen=True, slots=True)
class CorrectionOptions:
    """Thresholds, measured on the shared calls and clips (README, "Correcting the transcript")."""

    # A term replaces a stretch when its score (mean syllable likeness, adjusted for Whisper's
    # confidence and for the stretch being a common word) reaches this, by the term's length:
    min_score_two: float = 0.88
    min_score_three: float = 0.84
    min_score_longer: float = 0.80
    min_syllable: float = 0.5  # no syllable of the stretch may sound less alike than this
    confidence_weight: float = 0.15  # how much Whisper's doubt (or certainty) moves the score
    homophones: bool = True
    homophone_margin: float = 5.0  # log-probability gain the lexicon must see (×150)
    homophone_min_frequency: int = 50
    homophone_max_confidence: float = 0.95  # words Whisper was this sure of stay as they are
    # Whisper usually gets some of a word's characters right: each one a candidate keeps counts
    # as this much log-probability (篇章 for 偏章 rather than 芯片 for 新偏).
    homophone_kept_char: float = 2.0
    homophone_require_kept: bool = False


@dataclass(frozen=True, slots=True)
class Replacement:
    speaker: Speaker
    start: float  # seconds: the words replaced
    end: float
    heard: str  # what Whisper wrote
    text: str  # what replaced it
    reason: str  # learned | vocabulary | homophone
    kind: str  # the term's kind (product, company…); "" for a homophone
    similarity: float  # how alike they sound, 0..1 (1: the same syllables)
    confidence: float  # Whisper's probability of the words heard


@dataclass(frozen=True, slots=True)
class CorrectedSegments:
    segments: tuple[Segment, ...]
    replacements: tuple[Replacement, ...]


@dataclass(frozen=True, slots=True)
class _Fix:
    start: int  # character offsets into the segment's text
    end: int
    text: str
    reason: str
    kind: str
    similarity: float
    confidence: float
    score: float


@dataclass(frozen=True, slots=True)
class _Text:
    """A segment's text, character by character, with Whisper's confidence and readings."""

    chars: str
    confidence: tuple[float, ...]
    readings: tuple[Reading, ...]

    def mean_confidence(self, start: int, end: int, against: str | None = None) -> float:
        """Over [start, end), or only over the characters that differ from `against`."""
        spots = [
            i for i in range(start, end) if against is None or self.chars[i] != against[i - start]
        ]
        return sum(self.confidence[i] for i in spots) / max(len(spots), 1)


@dataclass(frozen=True, slots=True)
class _PreparedTerm:
    term: Term
    readings: tuple[Reading, ...]
    near: tuple[frozenset[str], ...]  # per position: the syllables that could be a slip of it


class Corrector:
    """Corrects segments against one vocabulary (the team's terms and a call's CRM names).
    Cheap to build per call; the `lexicon` is the expensive part and is shared."""

    def __init__(
        self,
        terms: Iterable[Term],
        lexicon: Lexicon | None = None,
        options: CorrectionOptions | None = None,
    ) -> None:
        self._options = options or CorrectionOptions()
        self._lexicon = lexicon
        unique = list({(t.text, t.heard): t for t in terms if t.text.strip()}.values())
        self._learned = [t for t in unique if t.heard and t.heard != t.text]
        self._known = frozenset(t.text for t in unique)
        self._sounded = [p for t in unique if not t.heard and (p := _prepare(t)) is not None]

    def correct(self, segments: Sequence[Segment]) -> CorrectedSegments:
        corrected: list[Segment] = []
        replacements: list[Replacement] = []
        for segment in segments:
            fixed, found = self._correct_segment(segment)
            corrected.append(fixed)
            replacements.extend(found)
        return CorrectedSegments(tuple(corrected), tuple(replacements))

    def correct_text(self, text: str) -> tuple[str, list[tuple[str, str, str]]]:
        """Plain text (no timings or confidences): the corrected text and (heard, text, reason)."""
        fixes = self._fixes(_prepared_text(text, [_UNKNOWN_CONFIDENCE] * len(text)))
        return _applied(text, fixes), [(text[f.start : f.end], f.text, f.reason) for f in fixes]

    def _correct_segment(self, segment: Segment) -> tuple[Segment, list[Replacement]]:
        words = segment.words or (
            Word(segment.start, segment.end, segment.text, _UNKNOWN_CONFIDENCE),
        )
        chars = "".join(w.text for w in words)
        confidence = [w.probability for w in words for _ in w.text]
        fixes = self._fixes(_prepared_text(chars, confidence))
        if not fixes:
            return segment, []
        spans = _word_spans(words)
        found = [_replacement(segment.speaker, words, spans, chars, f) for f in fixes]
        if not segment.words:
            return replace(segment, text=_applied(chars, fixes).strip()), found
        new_words = tuple(_rebuilt_words(words, spans, fixes))
        text = "".join(w.text for w in new_words).strip()
        return replace(segment, text=text, words=new_words), found

    def _fixes(self, text: _Text) -> list[_Fix]:
        taken = [False] * len(text.chars)
        _mark(taken, self._protected(text.chars))
        fixes: list[_Fix] = []
        for candidates in (
            self._learned_fixes(text),
            self._term_fixes(text),
            self._homophone_fixes(text),
        ):
            for fix in _non_overlapping(candidates, taken):
                fixes.append(fix)
                _mark(taken, [(fix.start, fix.end)])
        return sorted(fixes, key=lambda f: f.start)

    def _protected(self, chars: str) -> list[tuple[int, int]]:
        """Where a term already stands, spelled right."""
        return [
            (start, start + len(term))
            for term in self._known
            for start in _occurrences(chars, term)
        ]

    def _learned_fixes(self, text: _Text) -> list[_Fix]:
        return [
            _Fix(start, start + len(heard), term.text, LEARNED, term.kind, 1.0,
                 text.mean_confidence(start, start + len(heard)), 2.0 + len(heard))
            for term in self._learned
            for heard in [term.heard or ""]
            for start in _occurrences(text.chars, heard)
        ]  # fmt: skip

    def _term_fixes(self, text: _Text) -> list[_Fix]:
        fixes = []
        for prepared in self._sounded:
            size = len(prepared.readings)
            for start in range(len(text.chars) - size + 1):
                fix = self._term_fix(text, start, prepared)
                if fix is not None:
                    fixes.append(fix)
        return fixes

    def _term_fix(self, text: _Text, start: int, prepared: _PreparedTerm) -> _Fix | None:
        size = len(prepared.readings)
        heard = text.chars[start : start + size]
        window = text.readings[start : start + size]
        if heard == prepared.term.text or not all(
            any(s in near for s in reading)
            for reading, near in zip(window, prepared.near, strict=True)
        ):
            return None
        likeness = word_similarity(prepared.readings, window)
        if min(likeness) < self._options.min_syllable or not _anchored(heard, prepared, likeness):
            return None
        similarity = sum(likeness) / size
        confidence = text.mean_confidence(start, start + size, prepared.term.text)
        score = similarity + self._options.confidence_weight * (_UNKNOWN_CONFIDENCE - confidence)
        score -= self._common_word_penalty(heard)
        if score < self._min_score(size):
            return None
        term = prepared.term
        return _Fix(start, start + size, term.text, VOCABULARY, term.kind, round(similarity, 3),
                    round(confidence, 3), score + size * 0.01)  # fmt: skip

    def _common_word_penalty(self, heard: str) -> float:
        """A stretch that is itself a common word (经理, 曾经) is less likely a slip."""
        if self._lexicon is None:
            return 0.0
        return 0.02 * math.log10(1 + self._lexicon.frequency(heard))

    def _min_score(self, size: int) -> float:
        o = self._options
        return (
            o.min_score_two if size == 2 else o.min_score_three if size == 3 else o.min_score_longer
        )

    def _homophone_fixes(self, text: _Text) -> list[_Fix]:
        lexicon, o = self._lexicon, self._options
        if lexicon is None or not o.homophones:
            return []
        fixes = []
        for size in (2, 3, 4):
            for start in range(len(text.chars) - size + 1):
                fix = self._homophone_fix(text, start, size, lexicon)
                if fix is not None:
                    fixes.append(fix)
        return fixes

    def _homophone_fix(self, text: _Text, start: int, size: int, lexicon: Lexicon) -> _Fix | None:
        end = start + size
        heard = text.chars[start:end]
        readings = text.readings[start:end]
        if (
            not all(readings)
            or lexicon.frequency(heard) >= self._options.homophone_min_frequency
            or _NUMERALS.intersection(heard)
            or len(set(heard)) == 1  # 砂砂, 哈哈: doubled sounds are said as they are
        ):
            return None
        syllables = tuple(r[0] for r in readings)
        best: _Fix | None = None
        for word in lexicon.homophones(syllables)[:8]:
            if word == heard or lexicon.frequency(word) < self._options.homophone_min_frequency:
                continue
            confidence = text.mean_confidence(start, end, word)
            if confidence >= self._options.homophone_max_confidence:
                continue
            kept = sum(a == b for a, b in zip(heard, word, strict=True))
            if (kept == 0 and self._options.homophone_require_kept) or _changes_steady(heard, word):
                continue
            gain = _plausibility_gain(lexicon, text.chars, start, end, word)
            gain += kept * self._options.homophone_kept_char
            score = gain + size  # of two overlapping fixes, the longer word is the likelier
            if gain >= self._options.homophone_margin and (best is None or score > best.score):
                best = _Fix(start, end, word, HOMOPHONE, "", 1.0, round(confidence, 3), score)
        return best


def _anchored(heard: str, prepared: _PreparedTerm, likeness: Sequence[float]) -> bool:
    """A stretch that shares no character with the term must sound the same all through: 也有,
    用计 and 燕之 each sound about 0.9 like 样机 but are none of them a slip of it."""
    shared = any(a == b for a, b in zip(heard, prepared.term.text, strict=True))
    alike = _HOMOPHONE_SYLLABLE if len(likeness) < 3 else _LONG_TERM_SYLLABLE
    return shared or min(likeness) >= alike


def _changes_steady(heard: str, word: str) -> bool:
    return any(a != b and a in _STEADY_CHARS for a, b in zip(heard, word, strict=True))


def _plausibility_gain(lexicon: Lexicon, chars: str, start: int, end: int, word: str) -> float:
    """How much more probable the text around the stretch reads with `word` in it."""
    left, right = max(0, start - 3), min(len(chars), end + 3)
    before = chars[left:right]
    after = chars[left:start] + word + chars[end:right]
    return lexicon.segment_score(after) - lexicon.segment_score(before)


def _prepare(term: Term) -> _PreparedTerm | None:
    text = term.text.strip()
    if len(text) < 2 or not all(is_han(c) for c in text):
        return None  # a one-character term would match everywhere; Latin terms are left alone
    readings = readings_of_word(text)
    if readings is None:
        return None
    return _PreparedTerm(Term(text, term.kind), readings, tuple(_near(r) for r in readings))


@lru_cache(maxsize=4096)
def _near(reading: Reading) -> frozenset[str]:
    """Every syllable that sounds at least half like one of `reading`'s."""
    return frozenset(
        s for s in _syllables() if max(syllable_similarity(s, r) for r in reading) >= 0.5
    )


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless syllable of Mandarin (about 410)."""
    found: set[str] = set()
    for code in pinyin_dict:
        readings = readings_of_word(chr(code))
        if readings:
            found.update(readings[0])
    return frozenset(found)


def _prepared_text(chars: str, confidence: Sequence[float]) -> _Text:
    return _Text(chars, tuple(confidence), tuple(readings_of_text(chars)))


def _occurrences(text: str, needle: str) -> Iterator[int]:
    start = text.find(needle) if needle else -1
    while start >= 0:
        yield start
        start = text.find(needle, start + len(needle))


def _mark(taken: list[bool], spans: Iterable[tuple[int, int]]) -> None:
    for start, end in spans:
        for i in range(start, end):
            taken[i] = True


def _non_overlapping(candidates: Iterable[_Fix], taken: list[bool]) -> Iterator[_Fix]:
    """Best first; a candidate touching anything already taken is dropped."""
    claimed = list(taken)
    for fix in sorted(candidates, key=lambda f: (-f.score, f.start)):
        if not any(claimed[fix.start : fix.end]):
            _mark(claimed, [(fix.start, fix.end)])
            yield fix


def _applied(chars: str, fixes: Sequence[_Fix]) -> str:
    out, position = [], 0
    for fix in sorted(fixes, key=lambda f: f.start):
        out.append(chars[position : fix.start])
        out.append(fix.text)
        position = fix.end
    out.append(chars[position:])
    return "".join(out)


def _word_spans(words: Sequence[Word]) -> list[tuple[int, int]]:
    spans, position = [], 0
    for word in words:
        spans.append((position, position + len(word.text)))
        position += len(word.text)
    return spans


def _touching(spans: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    return [i for i, (a, b) in enumerate(spans) if a < end and start < b]


def _replacement(
    speaker: Speaker, words: Sequence[Word], spans: Sequence[tuple[int, int]], chars: str, fix: _Fix
) -> Replacement:
    touched = _touching(spans, fix.start, fix.end) or [0]
    return Replacement(
        speaker=speaker, start=words[touched[0]].start, end=words[touched[-1]].end,
        heard=chars[fix.start : fix.end], text=fix.text, reason=fix.reason, kind=fix.kind,
        similarity=fix.similarity, confidence=fix.confidence,
    )  # fmt: skip


def _rebuilt_words(
    words: Sequence[Word], spans: Sequence[tuple[int, int]], fixes: Sequence[_Fix]
) -> Iterator[Word]:
    """The words with each fix applied: the words a fix touches become one word holding the
    term (and whatever of them lay outside it), timed from the first to the last."""
    groups = _word_groups(spans, fixes)
    index = 0
    while index < len(words):
        group = groups.get(index)
        if group is None:
            yield words[index]
            index += 1
            continue
        last, inside = group
        first_char = spans[index][0]
        text = "".join(w.text for w in words[index : last + 1])
        shifted = [replace(f, start=f.start - first_char, end=f.end - first_char) for f in inside]
        merged = words[index : last + 1]
        yield replace(
            words[index],
            end=words[last].end,
            text=_applied(text, shifted),
            probability=sum(w.probability for w in merged) / len(merged),
        )
        index = last + 1


def _word_groups(
    spans: Sequence[tuple[int, int]], fixes: Sequence[_Fix]
) -> dict[int, tuple[int, list[_Fix]]]:
    """first word index → (last word index, the fixes inside), merging groups that share words."""
    groups: list[tuple[int, int, list[_Fix]]] = []
    for fix in sorted(fixes, key=lambda f: f.start):
        touched = _touching(spans, fix.start, fix.end)
        first, last = touched[0], touched[-1]
        if groups and first <= groups[-1][1]:
            start, end, inside = groups[-1]
            groups[-1] = (start, max(end, last), [*inside, fix])
        else:
            groups.append((first, last, [fix]))
    return {first: (last, inside) for first, last, inside in groups}
