"""Rule cues: is a clause a question, is a customer turn an advance, and what action it names.

Rules sit beside the classifiers where they are clearly better: question marks and sentence-
final particles are certain signs, and an advance needs an action to point at.
"""

from __future__ import annotations

import re

__all__ = [
    "ACCEPTANCE",
    "ACTIONS",
    "ASKS_FOR_DATA",
    "ASK_FORM",
    "BROADCAST",
    "COUNTER_OFFER",
    "INTRODUCTION",
    "IVR",
    "LEAVING",
    "NO_ANSWER",
    "OFFERS_INFO",
    "PAIN",
    "PASS_ON",
    "PERMISSION",
    "POSITIVE",
    "POSTPONE",
    "REFUSAL",
    "SALES_WORDS",
    "WITHHOLDING",
    "find_action",
    "question_cues",
    "split_clauses",
]

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
_SPOKEN_PATTERNS = (
    (
        "spoken question word",
        r"啥|咋|几多|几大|几耐|几时|咩|乜|点样|边个|边度|有冇|係唔係|系唔系|(.)唔\1|么样|冇得",
    ),
    ("final 吧", r"吧\s*[?？]?\s*$"),
    ("final 不/没", r"(?<![不没])[不没]\s*[?？]?\s*$"),
    ("A or B 还是", r"[\u4e00-\u9fffA-Za-z]{2,}还是[\u4e00-\u9fffA-Za-z]{2,}"),
)
# Statements that carry a question word without asking anything.
_NOT_ASKING = re.compile(
    r"(很多|不少|有的|好多|好些|一些|许多)[\u4e00-\u9fff]{0,6}?(都|也)?(会|在)?(问|关心|担心|好奇)|不管|无论|不论|什么都|怎么都|多少都|啥都|"
    r"(跟|给|和)(您|你)(说|讲|解释|介绍|汇报)(一下)?(为什么|怎么|什么)|告诉(您|你)(为什么|怎么)|"
    r"知道(为什么|怎么)|这就是为什么|所以说为什么|"
    r"(帮|给|替|让|我们?)[^，。？！?!\s]{0,8}?(算算|算一下|算一算|看看|看一下|查一下|查查|分析一下|评估一下|对比一下|测一下|研究一下)[^，。？！?!]{0,16}(多少|怎么|什么|哪|能不能|够不够|有没有|是不是|合不合适|值不值)"
)
_CLAUSE_END = re.compile(r"(?<=[。？！?!；;])|\s{1,}")

# The actions an advance can name, most specific first: when a turn names two (你周四过来演示一下),
# the first of this list wins, so 会面 only stands when nothing more specific was said.
ACTIONS = (
    (
        "签约",
        r"签(合同|约|协议|单|字)|合同(你|您)?(先|今天|明天)?发(过来|我|给我)|盖章|走(合同|采购)?流程|走完审批|把(保单|合同)(做|签)|投保|续(签|保)|合同(没问题|可以)",
    ),
    (
        "付款/下单",
        r"打款|付款|转账|定金|订金|首付|预付|下单|订单|\bPO\b|开票|打过去|交(钱|费|学费)|报名|办(卡|理|了)|进货|订货|铺货|放.{0,3}[0-9一二两三四五六七八九十几]+箱|送.{0,6}[0-9一二两三四五六七八九十几]+(箱|盒|包)",
    ),
    (
        "试用/POC",
        r"试用|试听|试驾|试课|试吃|试喝|试销|试点|体验课|体验(一下|一周|中心)|POC|poc|试一下|试试|试一个|样品|样件|打样|打.{0,2}样|测试|免费体验",
    ),
    ("演示", r"演示|demo|Demo|DEMO|讲解一下|展示|走一遍给"),
    ("报价", r"报价|报个价|出.{0,4}(价|报价单|方案和报价)|估价|出价|测算"),
    (
        "引入决策人",
        r"(叫上|拉上|带上|让|请|约|喊|找)(我们|咱们|您|你)?的?(老板|领导|采购|财务|技术|IT|it|法务|校长|院长|主任|总|经理|负责人|老公|老婆|爱人|家里人|股东|合伙人|运维|设备科|车队长|项目经理)|(老板|领导|采购|财务|技术|IT|it|法务|校长|院长|主任|总|经理|负责人|老公|老婆|爱人|家里人|股东|合伙人|运维|设备科|车队长|项目经理)(也|一起)?(叫上|拉上|带上|叫来|喊上|喊来|请来|一起(来|听|看|参加))",
    ),
    (
        "现场考察",
        r"过来看|来看看|看看现场|上门|到.{0,6}(现场|公司|店|工厂|门店|车间|训练场|体验中心|样板间)|考察|参观|看房|看车|看现场|实地|勘测|量房|量.{0,2}尺寸|测.{0,2}水质|验车|取.{0,2}点",
    ),
    (
        "发送资料",
        r"发(给)?(你|您)?.{0,8}(需求|资料|数据|清单|名单|表|材料|图纸|参数|执照|邮箱|流水|对账单|记录|地址|户型图|电费单|报表)|(需求|资料|数据|清单|名单|表|材料|图纸|参数|流水|对账单|记录|报表).{0,4}发(给)?(你|您|过去)|需求.{0,6}发|(整理|准备).{0,6}(需求|资料|数据|流水|材料)|(我|我们).{0,8}发(给)?(你|您)|拍给(你|您)|拍.{0,6}发(我|给我|你|给你|您)|交到|导.{0,4}(一份|出来)",
    ),
    (
        "会面",
        r"见面|面谈|碰(一下|个头|头)|聊一下|约(个|一下)?时间|开(个)?会|过来(吧|一趟)?|过去|来一趟|拜访|视频会|线上会|会议|培训|讲座|来听",
    ),
)

# Customer turns: a problem or worry said in negative words (a need, not a refusal).
PAIN = r"贵|麻烦|受不了|头疼|头痛|头大|头晕|烦|累|慢|卡|难|愁|担心|怕|压力|吵|乱|差|坏|漏|投诉|抱怨|加班|亏|损失|浪费|来不及|跟不上|不够|紧|缺|没办法|折腾|糟|崩溃|郁闷|着急|急|焦虑|费劲|吃力|毛病|故障|出错|丢|跑了|流失|骂|憋屈|窝火|心疼|难受|不满意|不顺|不行|不中|唔得|不好|扣|罚|赔|停|断|拖|白花|白干|睡不着|心慌|后怕|不敢"
# Customer turns: words that refuse or put off what was proposed.
REFUSAL = r"不用了|不要不要|唔使|唔需要|勿要|勿需要|用不上|用不到|没(这个|啥|什么)?(需求|需要|打算)|不做这(个|块)|不用(麻烦|发|来|过来|送|打|报|做|换)|不需要|不要了|不要(发|来|打|送)|算了|先不(了|用|要|考虑|买|做|签|需要|弄|办|交|定|换|装)|暂时不|不考虑|不感兴趣|没兴趣|不方便(说|讲|透露|给|发|跟|告诉|接|聊)|(现在|这会儿?)不太?方便|(先|就|还是)不了|不了不了|别(送|来|过来|打|发|做|约)|不买|不签|不换|不续|不报|不装|不试|不约|没空|没时间|不得空|不合适|没必要|拒绝|不能给|不给|不能(发|外传|说|讲|告诉)|进不了|用不着|不想(换|买|做|报|签|加|弄)|再说吧|以后再说|回头再说|(先|我)挂了|挂了啊|去不了|来不了|走不开|抽不开身|不在家|有事|出差"
# Customer turns: putting off what was proposed with no date (以后再说, 过段时间再看, 有需要再找你).
POSTPONE = r"(以后|过段时间|过阵子|过些日子|改天|有机会|有需要|等.{1,10}(了|的时候)|明年|下半年)(的时候)?(再|才)?(说|看|联系|考虑|聊|找你|打|弄|谈)"
# Customer turns: handing the matter on instead of deciding (我跟领导说一声, 你下周再打过来).
PASS_ON = r"(跟|和|给|向)(我们|咱们|俺们|我)?的?(领导|老板|上面|上级|经理|主任|老总|总|家里人|家里|老公|老婆|爱人|合伙人|财务|同事|采购).{0,6}(说|讲|汇报|提|请示|商量|反映|转达|问)|转告|带个话|(你|您).{0,6}再(打|来电话|联系我|问问)|定不了|做不了主"
# Customer turns: leaving the call for a reason of their own (来客户了, 要进会议室, 在开车).
LEAVING = r"(先)?挂了|(要|得)(去)?(开会|进会|上课|上车|开车|出门|接孩子)|(在|正在)(开车|开会|忙|上课)|来客(户|人)了|有人找我|先这样吧?$|先不说了|回头(再)?聊"
# Customer turns: not telling or not handing over what the rep asked for.
WITHHOLDING = r"(不方便|不能|不好|不想|不便|没法)(跟你|跟您|和你)?(说|讲|透露|告诉|给|发|外传|外发|拍|唠)|就?不(说|讲|拍|发|给)了|不跟(你|您)(说|讲|唠|细说)|保密|机密|内部(资料|材料|的东西|数据)|不往外"
# Customer turns: a positive reaction to what the rep said (听着不错, 有点意思).
POSITIVE = r"听着|听起来|听落|有点意思|有意思|挺好|不错|还行|还可以|靠谱|划算|实在|几好|几抵|巴适|挺方便|有诚意|比.{0,6}强"
# Customer turns: one time refused and another offered (周三不行 周四上午可以).
COUNTER_OFFER = r"(不行|不中|唔得|不得空|没空|有事|不在|没人|走不开|去不了|来不了|要(开会|面试|上班|出差|上课|加班|值班)|有个?(会|课|安排|事)|出差).{0,16}?(可以|行|吧|嘛|啦|中|要得|没问题|都在|有空)"
# Customer turns: a yes at the start of the turn (行, 可以, 好, 中, 要得, 得, 成…).
ACCEPTANCE = r"^\W*(行|可以|好|好的|好啊|好嘞|中|要得|得|成|没问题|OK|ok|那就|就这么|那行)"

# Rep turns: asking the customer to agree to something (the form of a proposal).
ASK_FORM = r"可以吗|可以不|行吗|行不行?|好吗|好不好|好吧|怎么样|方便吗|方便不|中不中|成不|要得不|得唔得|好唔好|您看|你看|要不要|要不|愿不愿意|有没有时间|有空吗|哪天|几点|什么时候方便|能不能|能否|吧[?？]?\s*$"
# Rep turns: the rep offers to send the customer something (材料, 报价单, 链接…).
OFFERS_INFO = r"(我|我们)(先|这边|今天|明天|一会儿?)?(把|给(您|你))?.{0,12}发(给)?(您|你)|(我|我们).{0,6}(加您?|留).{0,4}微信"
# Rep turns: the rep asks the customer to send or hand over something.
ASKS_FOR_DATA = r"(您|你|麻烦|方便).{0,12}(把|给我).{0,20}(发|给|提供)(我|给我|一份)|提供.{0,12}(清单|报表|资料|数据|流水|记录)"
# Rep turns: asking whether the customer can talk now.
PERMISSION = r"(现在|这会儿?|而家|今儿)?(说话|讲话|聊|唠|讲|说)?.{0,4}(方便吗|方便不|有空吗|有空冇|得闲|方便讲)|打扰|耽误(您|你)?.{0,6}(分钟|时间)"


# Conversation check (analysis.conversation): what a sales call, a broadcast and a phone menu say.
INTRODUCTION = r"我是.{0,14}?(的|公司|顾问|经理|老师|业务|专员|客服|小[\u4e00-\u9fff])|我系.{0,12}(的|经理)|我这边是|我们公司|我们是做|俺是.{0,10}的"
SALES_WORDS = r"价格|报价|价钱|多少钱|优惠|折扣|活动价|合同|签约|签单|试用|试驾|试听|体验课|演示|方案|产品|套餐|费用|预算|采购|下单|订单|付款|定金|首付|月供|保费|保单|投保|理赔|续保|样品|供货|进货|经销|代理|安装|上门|免费|课程|报名|学费|贷款|额度|利息|利率|合作|供应商|客户|门店|售后|保修|质保|服务费|年费|账号|试点|POC|poc|demo|CRM|ERP|SaaS"
BROADCAST = r"欢迎收听|收听|本期|这期节目|上期|下期|节目|听众|观众|主播|嘉宾|播客|订阅|点赞|转发|评论区|弹幕|直播间|粉丝|家人们|同学们|各位同学|各位老师|各位朋友|各位听众|大家好|朋友们|这节课|上节课|下节课|下课|课后作业|点个关注|关注(我们|我)的?(频道|账号|节目)|我们今天(来)?(聊|讲|分享|说)"
IVR = r"请按|按[0-9一二三四五六七八九零#＊*井星](?![0-9一二三四五六七八九零十百千万亿台个件套吨斤箱条张份折成倍的下次])|转人工|人工服务|人工客服|欢迎致电|欢迎来电|返回上一级|重听请|请输入|坐席忙|本次通话(可能)?(会)?(将)?被录音|通话将被录音|为了提高服务质量|为保证服务质量"
# Nobody answered: the network's announcements and voicemail.
NO_ANSWER = r"您拨打的|已关机|无法接通|暂时无法|不在服务区|请稍后再拨|正在通话中|无人接听|提示音后|嘀声后|请留言|语音信箱|power off|not available|leave a message"


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


def question_cues(clause: str, spoken: bool = False) -> list[str]:
    """Names of the question cues found in a clause; empty if it is a statement.

    `spoken` adds the weaker cues of regional and spoken Mandarin (啥, 咋, 几多, 有冇, 方唔方便, a
    final 吧): the labeller uses them, with its classifier to say whether the clause asks."""
    if _NOT_ASKING.search(clause) and not re.search(r"[?？]|(吗|呢)\s*$", clause):
        return []
    patterns = _QUESTION_PATTERNS + _SPOKEN_PATTERNS if spoken else _QUESTION_PATTERNS
    return [name for name, pattern in patterns if re.search(pattern, clause)]


def find_action(text: str) -> tuple[str, str] | None:
    """(action, the words that named it): the most specific action the text names (see ACTIONS)."""
    for action, pattern in ACTIONS:
        match = re.search(pattern, text)
        if match:
            return action, match.group(0)
    return None
