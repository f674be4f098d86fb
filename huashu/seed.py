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
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import Call, CallAnalysis, CallStatus, Customer, Opportunity, Rep, Team, utcnow

__all__ = ["SEED_REPS", "seed_demo"]

SEED_REPS = (("王磊", "华东"), ("李娜", "华东"), ("张伟", "华南"))
_BEIJING = ZoneInfo("Asia/Shanghai")


def seed_demo(session: Session, year: int, stages: tuple[str, ...]) -> dict[str, int]:
    reps = _teams_and_reps(session)
    counts = {"teams": 2, "reps": len(reps), "customers": 0, "opportunities": 0, "calls": 0}
    for r, rep in enumerate(reps):
        for month in range(1, 13):
            opportunity = _opportunity(session, rep, r, year, month, stages)
            counts["customers"] += 1
            counts["opportunities"] += 1
            for day_offset in (0, 1):
                _analysed_call(session, rep, opportunity, day_offset)
                counts["calls"] += 1
    return counts


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


def _analysed_call(session: Session, rep: Rep, opportunity: Opportunity, day_offset: int) -> None:
    won = opportunity.status == "won"
    day = opportunity.created_on + timedelta(days=day_offset)
    key = f"seed-{opportunity.id}-{day_offset}"
    call = Call(
        title=f"{opportunity.name} 第{day_offset + 1}通", rep=rep.name, rep_id=rep.id,
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
    session.add(CallAnalysis(
        call_id=call.id, commitment_secured=advance, score=80 if won else 50, talk_ratio=0.5 if won else 0.7,
        question_count=5 if won else 3, situation_count=2, problem_count=1,
        implication_count=1 if won else 0, need_payoff_count=1 if won else 0, advance_count=int(advance),
        metrics={}, score_reasons=[], commitments=[], speaker_method="channels", speaker_confidence=1.0,
        speaker_reasons=[],
    ))  # fmt: skip
