"""The analysis entry point: segments (or given turns) in, an `Analysis` out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from analysis.context import TurnContext, dialogue_contexts
from analysis.conversation import check_conversation
from analysis.labels import TurnLabeler
from analysis.metrics import call_metrics
from analysis.score import coaching_score
from analysis.segmentation import SalesTokenizer
from analysis.speakers import assign_mono_speakers, attribute_voices
from analysis.turns import SpeechSegment, build_turns, split_utterances
from analysis.types import Analysis, Commitment, SpeakerGuess, Turn, Utterance

__all__ = ["Analyzer"]

_CHANNELS = SpeakerGuess("channels", 1.0, ("销售和客户分别录在两个声道",))
_GIVEN = SpeakerGuess("given", 1.0, ("说话人随文本一起给出",))
_SWAPPED = SpeakerGuess("swapped", 1.0, ("有人核对后把销售和客户对调了（自动区分弄反了）",))
_OTHER_SIDE = {"rep": "customer", "customer": "rep"}
_GENERIC_ACTION = "下一步"  # an advance whose text names no action


class Analyzer:
    """Build once per process (loads jieba and trains both classifiers, ~5 s, or reads them from
    `cache_dir`, ~2 s); thread-safe to use.

    `corrections`: reviewed-corrections files (JSONL, analysis/corpus/LABELING.md) to train on
    besides the shipped corpus. `cache_dir`: a folder for fitted classifiers (analysis.model_cache)
    shared by the processes that analyse; None trains every time.
    """

    def __init__(
        self,
        user_dictionaries: Sequence[Path] = (),
        corrections: Sequence[Path] = (),
        cache_dir: Path | None = None,
    ) -> None:
        tokenizer = SalesTokenizer(user_dictionaries)
        self._labeler = TurnLabeler.from_corpus(tokenizer, corrections, cache_dir)

    def tokens(self, text: str) -> list[str]:
        """The words the analysis stores for `text` (a search tokenises its query with this)."""
        return self._labeler.tokenizer.tokens(text)

    def word_frequencies(self) -> Mapping[str, int]:
        """The words the tokenizer knows, with their frequencies (asr.Lexicon reads them)."""
        return self._labeler.tokenizer.word_frequencies()

    @classmethod
    def with_labeler(cls, labeler: TurnLabeler) -> Analyzer:
        """An analyzer around a labeller trained elsewhere (analysis.train's evaluations)."""
        analyzer = cls.__new__(cls)
        analyzer._labeler = labeler
        return analyzer

    def analyze_segments(
        self,
        segments: Sequence[SpeechSegment],
        *,
        call_date: date | None,
        duration: float | None,
        stereo: bool,
        revise: Callable[[int, Utterance], Utterance] | None = None,
        swap_speakers: bool = False,
    ) -> Analysis:
        """A transcribed call: cut into utterances, find the speakers, merge into turns, label.

        `revise(index, turn)`: the turn as it should be labelled, called once per turn after the
        turns are built (a person's edit of its text): the turns themselves never move.
        `swap_speakers`: a person checked the call and found rep and customer the wrong way
        round (a mono call whose speakers were guessed): they are swapped before labelling."""
        utterances = split_utterances(segments)
        if utterances and all(u.speaker == "unknown" for u in utterances):
            # Voices told apart acoustically where asr could; else the text alone decides.
            voiced = attribute_voices(segments)
            utterances, speakers = voiced or assign_mono_speakers(utterances)
        else:
            speakers = _CHANNELS
        if swap_speakers:
            utterances = [replace(u, speaker=_OTHER_SIDE.get(u.speaker, u.speaker))
                          for u in utterances]  # fmt: skip
            speakers = _SWAPPED
        turns = build_turns(utterances)
        if revise is not None:
            turns = [revise(index, turn) for index, turn in enumerate(turns)]
        return self._analyze(turns, speakers, call_date, duration, stereo)

    def analyze_turns(self, turns: Sequence[Utterance], *, call_date: date | None) -> Analysis:
        """Turns as given (the text API): labelled as they are, never merged or re-split."""
        return self._analyze(list(turns), _GIVEN, call_date, None, stereo=False)

    def _analyze(
        self,
        utterances: Sequence[Utterance],
        speakers: SpeakerGuess,
        call_date: date | None,
        duration: float | None,
        stereo: bool,
    ) -> Analysis:
        contexts = dialogue_contexts([(u.speaker, u.text) for u in utterances])
        turns = tuple(
            self._label(i, u, c, call_date)
            for i, (u, c) in enumerate(zip(utterances, contexts, strict=True))
        )
        conversation = check_conversation(turns, speakers)
        if not conversation.is_sales_call:  # no outcome to a conversation that did not happen
            turns = tuple(_without_commitment(t) for t in turns)
        metrics = call_metrics(turns, duration, stereo)
        commitments = tuple(_commitment(t) for t in turns if t.commitment == "advance")
        return Analysis(
            turns=turns,
            metrics=metrics,
            commitments=commitments,
            score=coaching_score(turns, metrics) if conversation.is_sales_call else None,
            speakers=speakers,
            commitment_secured=bool(commitments),
            conversation=conversation,
        )

    def _label(
        self, index: int, utterance: Utterance, context: TurnContext, call_date: date | None
    ) -> Turn:
        tokens = tuple(self._labeler.tokenizer.tokens(utterance.text))
        base = Turn(
            index, utterance.speaker, utterance.start, utterance.end, utterance.text, tokens
        )
        if utterance.speaker == "rep":
            q = self._labeler.label_rep_turn(utterance.text, context)
            return _replace(
                base,
                question_type=q.question_type,
                questions=q.questions,
                evidence=q.evidence,
                question_probability=round(q.probability, 3),
            )
        if utterance.speaker == "customer":
            c = self._labeler.label_customer_turn(utterance.text, call_date, context)
            return _replace(
                base,
                commitment=c.commitment,
                commitment_action=c.action,
                commitment_due=c.due,
                evidence=c.evidence,
                commitment_probability=round(c.probability, 3),
            )
        return base


def _replace(turn: Turn, **changes: object) -> Turn:
    return replace(turn, **changes)  # type: ignore[arg-type]


def _without_commitment(turn: Turn) -> Turn:
    if turn.speaker != "customer":
        return turn
    return _replace(
        turn,
        commitment=None,
        commitment_action=None,
        commitment_due=None,
        commitment_probability=None,
        evidence=(),
    )


def _commitment(turn: Turn) -> Commitment:
    time_text = next(
        (e.removeprefix("time: ") for e in turn.evidence if e.startswith("time: ")), None
    )
    return Commitment(
        turn.index,
        turn.commitment_action or _GENERIC_ACTION,
        turn.commitment_due,
        time_text,
        turn.text,
        turn.commitment_probability,
    )
