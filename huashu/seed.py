"""A documented demo data set: teams, reps, customers, opportunities over a year, analysed calls.

Built by rules simple enough to compute every metric by hand (the tests do):
- teams 华东 (reps 王磊 r=0, 李娜 r=1) and 华南 (rep 张伟 r=2); 王磊 manages 华东;
- per rep and month m (1–12): one customer and one opportunity created on day 5, amount
  10 000 × (r+1) yuan; m % 3 == 0 → won, m % 3 == 1 → lost (reason 价格), else open at stage
  number m % (stages − 1); won and lost ones close 10 × (r+1) days after creation;
- per opportunity two calls, on day 5 and day 6 at 10:00 Beijing time, 600 s each, analysed:
  the day-5 call secured an advance unless the opportunity was lost; every call asked 2
  situation and 1 problem question, plus 1 implication and 1 need-payoff question when the
  opportunity was won; score 80 (won) or 50; rep talk ratio 0.5 (won) or 0.7.

Each call opens fully: a scripted two-sided conversation (transcript segments and labelled turns
that follow the rules above: the questions, the customer's advance, continuation or decline),
metrics computed from those turns, and no recording (the pages say 无录音). The turns are
tokenised like analysed ones, so the demo calls can be searched, and two demo trackers (价格 said
by the customer, 演示 by either side) are counted on them.
`seed_accounts` adds sign-in accounts for the demo: the manager of 华东, one per rep, a QA user.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.metrics import call_metrics
from analysis.segmentation import SalesTokenizer
from analysis.types import Question, Turn
from auth.accounts import AccountIn, create_account
from auth.principal import Principal
from ingest.call_analysis import search_text
from ingest.labels_in_effect import refresh_labels
from models import (
    Call,
    CallAnalysis,
    CallStatus,
    CallTurn,
    Customer,
    Opportunity,
    Rep,
    Role,
    Team,
    Tracker,
    TranscriptSegment,
    User,
    utcnow,
)
from search.schemas import TrackerIn
from search.trackers import create_tracker

__all__ = ["SEED_REPS", "DemoAccount", "seed_accounts", "seed_demo"]

SEED_REPS = (("王磊", "华东"), ("李娜", "华东"), ("张伟", "华南"))
_BEIJING = ZoneInfo("Asia/Shanghai")


def seed_demo(session: Session, year: int, stages: tuple[str, ...]) -> dict[str, int]:
    reps = _teams_and_reps(session)
    tokenizer = SalesTokenizer()
    counts = {"teams": 2, "reps": len(reps), "customers": 0, "opportunities": 0, "calls": 0}
    for r, rep in enumerate(reps):
        for month in range(1, 13):
            opportunity = _opportunity(session, rep, r, year, month, stages)
            counts["customers"] += 1
            counts["opportunities"] += 1
            for day_offset in (0, 1):
                _analysed_call(session, rep, opportunity, day_offset, tokenizer)
                counts["calls"] += 1
    _demo_trackers(session)
    return counts


_DEMO_TRACKERS = (
    TrackerIn("价格", ["价格", "预算"], "customer"),
    TrackerIn("演示", ["演示"], "any"),
)


def _demo_trackers(session: Session) -> None:
    """Made (and counted on every call) unless a tracker of that name exists already."""
    seeder = Principal.system("seed")
    taken = set(session.scalars(select(Tracker.name)))
    for tracker in _DEMO_TRACKERS:
        if tracker.name not in taken:
            create_tracker(session, tracker, seeder)


def _teams_and_reps(session: Session) -> list[Rep]:
    teams = {name: Team(name=name, external_id=f"seed-team-{name}") for name in ("华东", "华南")}
    session.add_all(teams.values())
    session.flush()
    reps = [
        Rep(name=n, team_id=teams[t].id, external_id=f"seed-rep-{i}")
        for i, (n, t) in enumerate(SEED_REPS)
    ]
    session.add_all(reps)
    session.flush()
    teams["华东"].manager_id = reps[0].id
    return reps


def _opportunity(
    session: Session, rep: Rep, r: int, year: int, month: int, stages: tuple[str, ...]
) -> Opportunity:
    customer = Customer(company=f"{rep.name}的客户{month:02d}", tier="大客户" if month % 4 == 0 else "普通",
                        source="官网", owner_rep_id=rep.id, external_id=f"seed-cust-{r}-{month}")  # fmt: skip
    session.add(customer)
    session.flush()
    created = date(year, month, 5)
    status = {0: "won", 1: "lost"}.get(month % 3, "open")
    closed = created + timedelta(days=10 * (r + 1)) if status != "open" else None
    stage = stages[-1] if status == "won" else stages[month % (len(stages) - 1)]
    opportunity = Opportunity(
        name=f"{customer.company}采购项目", customer_id=customer.id, owner_rep_id=rep.id, stage=stage,
        amount=10_000.0 * (r + 1), status=status, created_on=created, closed_on=closed,
        loss_reason="价格" if status == "lost" else None, external_id=f"seed-opp-{r}-{month}",
    )  # fmt: skip
    session.add(opportunity)
    session.flush()
    return opportunity


def _analysed_call(
    session: Session, rep: Rep, opportunity: Opportunity, day_offset: int, tokenizer: SalesTokenizer
) -> None:
    won = opportunity.status == "won"
    day = opportunity.created_on + timedelta(days=day_offset)
    key = f"seed-{opportunity.id}-{day_offset}"
    call = Call(
        title=f"{opportunity.name} 第{day_offset + 1}通", rep=rep.name, rep_id=rep.id,
        customer=customer.company if (customer := session.get(Customer, opportunity.customer_id)) else None,
        customer_id=opportunity.customer_id, opportunity_id=opportunity.id,
        occurred_at=datetime.combine(day, time(10), _BEIJING),
        happened_at=datetime.combine(day, time(10), _BEIJING), channels="rep-left", status=CallStatus.DONE,
        progress=1.0, audio_sha256=hashlib.sha256(key.encode()).hexdigest(), audio_path=f"seed/{key}.wav",
        size_bytes=0, audio_format="wav", audio_codec="pcm_s16le", audio_channels=2, sample_rate=16000,
        duration_s=600.0, language="zh", asr_model="seed", transcribed_at=utcnow(),
    )  # fmt: skip
    session.add(call)
    session.flush()
    advance = day_offset == 0 and opportunity.status != "lost"
    outcome = (
        "advance" if advance else "decline" if opportunity.status == "lost" else "continuation"
    )
    turns = _script(rep.name, won, outcome, day, 0.5 if won else 0.7)
    _store_turns(session, call.id, turns, tokenizer)
    score = 80 if won else 50
    session.add(CallAnalysis(
        call_id=call.id, commitment_secured=advance, score=score, talk_ratio=0.5 if won else 0.7,
        question_count=5 if won else 3, situation_count=2, problem_count=1,
        implication_count=1 if won else 0, need_payoff_count=1 if won else 0, advance_count=int(advance),
        metrics=call_metrics(turns, _CALL_S, stereo=True), commitments=_commitments(turns),
        score_reasons=[{"criterion": "demo", "points": score,
                        "reason": "演示数据：评分按演示规则设定（赢单商机的通话 80 分，其余 50 分）"}],
        speaker_method="channels", speaker_confidence=1.0, speaker_reasons=["演示数据：立体声，左声道为销售"],
        conversation_confidence=1.0, conversation_reasons=["演示数据：脚本化的销售通话"],
    ))  # fmt: skip
    session.flush()
    refresh_labels(session, call.id)  # what the reports count with a minimum confidence


_CALL_S = 600.0
_SPEECH_S = 540.0  # the rest of the call is pauses between turns
_OUTCOMES = {
    "advance": ("好的，那就下周二下午来给我们做个演示吧。", "演示", "下周二下午"),
    "continuation": ("我们内部再商量一下，回头联系您。", None, None),
    "decline": ("暂时不需要了，价格超出我们的预算，谢谢。", None, None),
}


def _lines(rep: str, won: bool, outcome: str) -> list[tuple[str, str, str | None]]:
    """(speaker, text, question type) of the scripted conversation."""
    lines = [
        ("rep", f"您好，我是{rep}，今天想跟您聊聊贵公司的销售管理。", None), ("customer", "好的，您说。", None),
        ("rep", "贵公司现在有多少销售人员？", "situation"), ("customer", "大概二十个人，分两个区域。", None),
        ("rep", "目前客户信息是用什么系统管理的？", "situation"), ("customer", "主要用表格，各自记录。", None),
        ("rep", "跟进客户的时候，遇到最大的困难是什么？", "problem"),
        ("customer", "经常忘记回访，客户流失比较多。", None),
    ]  # fmt: skip
    if won:
        lines += [
            ("rep", "这些流失的客户，对这个季度的业绩影响有多大？", "implication"),
            ("customer", "影响挺大的，差不多少了两成。", None),
            ("rep", "如果每次回访都能自动提醒，对团队会有什么帮助？", "need_payoff"),
            ("customer", "那能省很多事，业绩也会更稳。", None),
        ]
    return [*lines, ("rep", "我们可以先给您安排一次产品演示。", None),
            ("customer", _OUTCOMES[outcome][0], None)]  # fmt: skip


def _script(rep: str, won: bool, outcome: str, day: date, talk_ratio: float) -> list[Turn]:
    """The conversation as analysed turns, timed so the rep speaks `talk_ratio` of the time."""
    lines = _lines(rep, won, outcome)
    per_side = {side: sum(1 for s, _, _ in lines if s == side) for side in ("rep", "customer")}
    share = {"rep": talk_ratio, "customer": 1 - talk_ratio}
    gap, clock, turns = (_CALL_S - _SPEECH_S) / len(lines), 0.0, []
    for index, (speaker, text, kind) in enumerate(lines):
        length = _SPEECH_S * share[speaker] / per_side[speaker]
        questions = (Question(text, kind),) if kind else ()
        last = index == len(lines) - 1
        commitment = outcome if last else None
        action = _OUTCOMES[outcome][1] if last else None
        due = _next_tuesday(day) if action else None
        turns.append(Turn(index, speaker, round(clock, 2), round(clock + length, 2), text, (), kind,
                          questions, commitment, action, due))  # fmt: skip
        clock += length + gap
    return turns


def _next_tuesday(day: date) -> date:
    """下周二: the Tuesday of the week after the call's."""
    return day + timedelta(days=7 - day.weekday() + 1)


def _store_turns(
    session: Session, call_id: int, turns: list[Turn], tokenizer: SalesTokenizer
) -> None:
    for t in turns:
        tokens = tokenizer.tokens(t.text)
        assert t.start is not None and t.end is not None
        session.add(TranscriptSegment(call_id=call_id, idx=t.index, start=t.start, end=t.end,
                                      speaker=t.speaker, text=t.text, words=[]))  # fmt: skip
        session.add(CallTurn(
            call_id=call_id, idx=t.index, speaker=t.speaker, start=t.start, end=t.end, text=t.text,
            tokens=tokens, search_text=search_text(tokens), question_type=t.question_type,
            questions=[{"text": q.text, "question_type": q.question_type, "probability": 1.0}
                       for q in t.questions],
            commitment=t.commitment, commitment_action=t.commitment_action, commitment_due=t.commitment_due,
            # Scripted labels: as sure as labels get, so min_confidence never drops them.
            question_probability=1.0 if t.speaker == "rep" else None,
            commitment_probability=1.0 if t.speaker == "customer" else None,
            evidence=["演示数据"] if t.question_type or t.commitment else [],
        ))  # fmt: skip


def _commitments(turns: list[Turn]) -> list[dict[str, object]]:
    return [
        {"turn_index": t.index, "action": t.commitment_action,
         "due": t.commitment_due.isoformat() if t.commitment_due else None,
         "time_text": _OUTCOMES["advance"][2], "text": t.text}
        for t in turns if t.commitment == "advance"
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoAccount:
    login: str
    name: str
    role: str
    password: str


_DEMO_LOGINS = {"王磊": "wanglei", "李娜": "lina", "张伟": "zhangwei"}


def seed_accounts(session: Session) -> list[DemoAccount]:
    """Sign-in accounts for the demo data: the manager of 华东, each rep, a QA reviewer (a login
    that is already taken is left alone)."""
    seeder = Principal.system("seed")
    team = session.scalar(select(Team).where(Team.external_id == "seed-team-华东"))
    reps = session.scalars(select(Rep).where(Rep.external_id.like("seed-rep-%")).order_by(Rep.id))
    wanted = [AccountIn("华东经理", Role.MANAGER, "manager", team_id=team.id if team else None)]
    wanted += [AccountIn(r.name, Role.REP, _DEMO_LOGINS.get(r.name, f"rep{r.id}"), rep_id=r.id)
               for r in reps]  # fmt: skip
    wanted.append(AccountIn("质检员", Role.QA, "qa"))
    taken = set(session.scalars(select(User.login).where(User.login.is_not(None))))
    made = [create_account(session, a, seeder) for a in wanted if a.login not in taken]
    return [DemoAccount(u.login or "", u.name, u.role, password) for u, password in made]
