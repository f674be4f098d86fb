"""Rule cues: is a clause a question, is a customer turn an advance, and what action it names.

Rules sit beside the classifiers where they are clearly better: question marks and sentence-
final particles are certain signs, and an advance needs an action to point at.
"""

from __future__ import annotations

import re

__all__ = ["ACTIONS", "find_action", "question_cues", "split_clauses"]

_QUESTION_PATTERNS = (
    ("question mark", r"[?？]"),
    ("final particle 吗/呢/么", r"(吗|呢|么|嘛)\s*[，,。.!！]?\s*$"),
    (
        "question word",
        r"什么|怎么|怎样|为什么|为啥|多少|多久|多大|多长|哪|谁|如何|是否|几(个|点|号|年|月|天|位|家|次|台|套|成|种|岁)",
    ),
    (
        "A-not-A",
        r"(有没有|是不是|能不能|会不会|要不要|可不可以|行不行|好不好|对不对|愿不愿意|方不方便|需不需要|用不用|满不满意|(.)不\2)",
    ),
    ("tag question", r"(对吧|是吧|好吧|行吧|对不对|是不是)\s*[?？]?\s*$"),
    (
        "asking to tell",
        r"想了解|了解一下|能说说|说说看|介绍一下|请问|我比较好奇|想听听|您看(呢|行|可以|怎么样)?\s*$",
    ),
)
# Statements that carry a question word without asking anything.
_NOT_ASKING = re.compile(
    r"(很多|不少|有的|好多)(客户|人|家长|老板)?(都|也)?(问|会问|在问)|不管|无论|不论|什么都|怎么都|多少都|"
    r"(跟|给|和)(您|你)(说|讲|解释|介绍|汇报)(一下)?(为什么|怎么|什么)|告诉(您|你)(为什么|怎么)|"
    r"知道(为什么|怎么)|这就是为什么|所以说为什么"
)
_CLAUSE_END = re.compile(r"(?<=[。？！?!；;])|\s{1,}")

ACTIONS = (
    ("签约", r"签(合同|约|协议|单|字)?|合同.{0,4}(发|走流程|盖章|没问题)|盖章|走(合同|采购)?流程"),
    ("付款/下单", r"打款|付款|转账|定金|订金|首付|预付|下单|订单|\bPO\b|开票|打过去"),
    ("试用/POC", r"试用|试听|试驾|试课|体验课|POC|poc|试点|试一下|试试|样品|打样|测试"),
    ("演示", r"演示|demo|Demo|DEMO|讲解一下|展示"),
    (
        "引入决策人",
        r"(叫上|拉上|带上|让|请|约|喊)(我们)?(老板|领导|采购|财务|技术|IT|it|法务|校长|院长|主任|总|经理|负责人)",
    ),
    (
        "现场考察",
        r"过来看|来看看|上门|到.{0,6}(现场|公司|店|工厂|门店)|考察|参观|看房|看车|看现场|实地",
    ),
    (
        "会面",
        r"见面|面谈|碰(一下|个头)|聊一下|约(个|一下)?时间|开(个)?会|过来(吧|一趟)?|来一趟|拜访|视频会|线上会",
    ),
    (
        "发送资料",
        r"发(给)?(你|您)?.{0,8}(需求|资料|数据|清单|名单|表|材料|图纸|参数|执照|邮箱)|需求.{0,6}发|(整理|准备).{0,6}(需求|资料|数据)",
    ),
)


def split_clauses(text: str) -> list[str]:
    """Sentence-like pieces: at 。？！；, and at spaces (ASR puts them between phrases)."""
    pieces = [p.strip(" ，,") for p in _CLAUSE_END.split(text) if p and p.strip(" ，,")]
    merged: list[str] = []
    for piece in pieces:
        if merged and len(piece) < 4:
            merged[-1] = merged[-1] + piece
        else:
            merged.append(piece)
    return merged or [text.strip()]


def question_cues(clause: str) -> list[str]:
    """Names of the question cues found in a clause; empty if it is a statement."""
    if _NOT_ASKING.search(clause) and not re.search(r"[?？]|(吗|呢)\s*$", clause):
        return []
    return [name for name, pattern in _QUESTION_PATTERNS if re.search(pattern, clause)]


def find_action(text: str) -> tuple[str, str] | None:
    """(action, the words that named it) for the first action a customer turn mentions."""
    best: tuple[int, str, str] | None = None
    for action, pattern in ACTIONS:
        match = re.search(pattern, text)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), action, match.group(0))
    return (best[1], best[2]) if best else None
