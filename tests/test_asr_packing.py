"""Packing both sides of a stereo call into one stream of speech, and putting each decoded word
back on its side at its time; windows cut on both sides at once."""

from __future__ import annotations

import numpy as np

from asr import Speaker, Word
from asr.packing import pack_speech, unpack_words
from asr.windows import pause_windows

RATE = 16_000


def _side(level: float, seconds: float = 10.0) -> np.ndarray:
    return np.full(int(seconds * RATE), level, dtype=np.float32)


def test_speech_of_both_sides_is_packed_in_the_order_it_was_said() -> None:
    rep, customer = _side(0.1), _side(0.2)
    packed = pack_speech([
        (Speaker.REP, rep, [(0, 2 * RATE), (6 * RATE, 7 * RATE)]),
        (Speaker.CUSTOMER, customer, [(3 * RATE, 5 * RATE)]),
    ])  # fmt: skip
    assert [(p.speaker, p.start, p.end) for p in packed.pieces] == [
        (Speaker.REP, 0.0, 2.0), (Speaker.CUSTOMER, 3.0, 5.0), (Speaker.REP, 6.0, 7.0)]  # fmt: skip
    # 5 s of speech and a 0.1 s gap at each change of side, instead of 2 × 10 s
    assert len(packed.audio) == 5 * RATE + 2 * int(0.1 * RATE)
    second = packed.pieces[1]
    assert second.packed_start == 2.1
    middle = int((second.packed_start + 1.0) * RATE)
    assert packed.audio[middle] == np.float32(0.2)  # the customer's own audio


def test_each_word_goes_back_to_its_side_and_time() -> None:
    packed = pack_speech([
        (Speaker.REP, _side(0.1), [(0, 2 * RATE), (6 * RATE, 7 * RATE)]),
        (Speaker.CUSTOMER, _side(0.2), [(3 * RATE, 5 * RATE)]),
    ])  # fmt: skip
    words = [
        Word(0.2, 0.8, "您好", 0.9),
        Word(0.9, 1.9, "我是小王", 0.8),
        Word(2.2, 2.9, "你好", 0.95),  # the customer's piece starts at 2.1 in the stream
        Word(3.0, 4.0, "什么事", 0.7),
        Word(4.2, 4.9, "想约您", 0.6),  # back to the rep: 4.2 in the stream is 6.0 said
    ]
    groups = unpack_words(words, packed, offset=100.0)
    assert [(s, "".join(w.text for w in ws)) for s, ws in groups] == [
        (Speaker.REP, "您好我是小王"), (Speaker.CUSTOMER, "你好什么事"), (Speaker.REP, "想约您")]  # fmt: skip
    customer_words = groups[1][1]
    assert (customer_words[0].start, customer_words[0].end) == (103.1, 103.8)
    rep_again = groups[2][1][0]
    assert (rep_again.start, rep_again.end) == (106.0, 106.7)
    assert rep_again.probability == 0.6


def test_a_word_across_a_change_of_side_goes_by_its_middle_and_stays_in_its_piece() -> None:
    packed = pack_speech([
        (Speaker.REP, _side(0.1), [(0, 2 * RATE)]),
        (Speaker.CUSTOMER, _side(0.2), [(3 * RATE, 5 * RATE)]),
    ])  # fmt: skip
    ((speaker, (word,)),) = unpack_words([Word(1.5, 2.3, "好的", 0.5)], packed, offset=0.0)
    assert speaker is Speaker.REP and (word.start, word.end) == (1.5, 2.0)


def test_nothing_said_packs_nothing() -> None:
    packed = pack_speech([(Speaker.REP, _side(0.0), []), (Speaker.CUSTOMER, _side(0.0), [])])
    assert packed.pieces == () and len(packed.audio) == 0


def test_both_sides_are_cut_at_the_same_quiet_moment() -> None:
    rng = np.random.default_rng(0)
    loud = rng.normal(0, 0.3, (2, 70 * RATE)).astype(np.float32)
    loud[:, 55 * RATE : 55 * RATE + RATE // 2] = 0.0  # both sides quiet here
    loud[0, 52 * RATE : 53 * RATE] = 0.0  # only one side quiet here: no cut
    blocks = (loud[:, i : i + 4000] for i in range(0, loud.shape[1], 4000))
    windows = list(pause_windows(blocks, window_s=60.0, search_s=15.0))
    assert [w.audio.shape[0] for w in windows] == [2, 2]
    assert 55.0 <= windows[1].offset <= 55.5
    assert sum(w.audio.shape[1] for w in windows) == loud.shape[1]
    assert np.array_equal(np.concatenate([w.audio for w in windows], axis=1), loud)
