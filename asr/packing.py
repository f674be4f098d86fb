"""Both sides of a stereo call decoded as one stream of speech.

Decoding each channel on its own costs an encoder pass over 30 s of audio for every window of
every side, however little of it is speech: a side that speaks 40 s takes two passes, the other
side's 35 s two more. Packing the speech of both sides, in the order it was said, into one
stream fills each window with speech, and Whisper hears the conversation as it went. Each word
that comes back is put back where it was said (side and time) by the piece of speech its middle
falls in — the same mapping faster-whisper makes for the silence its VAD removes.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from asr.audio import SAMPLE_RATE, FloatArray
from asr.types import Speaker, Word

__all__ = ["PackedSpeech", "Piece", "pack_speech", "unpack_words"]

# Silence put between two sides' pieces: Whisper ends a segment there, so one segment rarely
# holds words of both sides (a word is placed by its middle anyway).
_GAP_S = 0.1


@dataclass(frozen=True, slots=True)
class Piece:
    speaker: Speaker
    start: float  # seconds into the window where it was said
    end: float
    packed_start: float  # seconds into the packed stream

    @property
    def packed_end(self) -> float:
        return self.packed_start + (self.end - self.start)


@dataclass(frozen=True, slots=True)
class PackedSpeech:
    audio: FloatArray  # mono, 16 kHz
    pieces: tuple[Piece, ...]

    def piece_at(self, packed_time: float) -> Piece:
        """The piece holding `packed_time` (in a gap: the nearer one)."""
        starts = [p.packed_start for p in self.pieces]
        index = max(bisect.bisect_right(starts, packed_time) - 1, 0)
        piece = self.pieces[index]
        if packed_time > piece.packed_end and index + 1 < len(self.pieces):
            following = self.pieces[index + 1]
            if following.packed_start - packed_time < packed_time - piece.packed_end:
                return following
        return piece


def pack_speech(
    sides: Sequence[tuple[Speaker, FloatArray, Sequence[tuple[int, int]]]],
) -> PackedSpeech:
    """`sides`: each side's speaker, audio and speech regions (sample ranges, from a VAD).
    The regions of all sides in the order they start, one after another."""
    regions = sorted(
        ((start, end, speaker, audio) for speaker, audio, found in sides for start, end in found),
        key=lambda r: (r[0], r[1]),
    )
    parts: list[FloatArray] = []
    pieces: list[Piece] = []
    at = 0
    gap = np.zeros(int(_GAP_S * SAMPLE_RATE), dtype=np.float32)
    for start, end, speaker, audio in regions:
        if end <= start:
            continue
        if pieces and pieces[-1].speaker is not speaker:
            parts.append(gap)
            at += len(gap)
        parts.append(audio[start:end])
        pieces.append(Piece(speaker, start / SAMPLE_RATE, end / SAMPLE_RATE, at / SAMPLE_RATE))
        at += end - start
    audio_out = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    return PackedSpeech(audio_out.astype(np.float32, copy=False), tuple(pieces))


def unpack_words(
    words: Sequence[Word], packed: PackedSpeech, offset: float
) -> list[tuple[Speaker, list[Word]]]:
    """Words timed in the packed stream → (speaker, words timed in the recording), one group
    per run of words of one side (in the order they were decoded)."""
    groups: list[tuple[Speaker, list[Word]]] = []
    for word in words:
        piece = packed.piece_at((word.start + word.end) / 2)
        placed = _placed(word, piece, offset)
        if groups and groups[-1][0] is piece.speaker:
            groups[-1][1].append(placed)
        else:
            groups.append((piece.speaker, [placed]))
    return groups


def _placed(word: Word, piece: Piece, offset: float) -> Word:
    """The word's times moved from the packed stream to the recording, kept inside its piece."""
    shift = offset + piece.start - piece.packed_start
    start = min(max(word.start, piece.packed_start), piece.packed_end)
    end = min(max(word.end, start), piece.packed_end)
    return replace(word, start=round(start + shift, 3), end=round(end + shift, 3))
