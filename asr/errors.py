"""Every exception `asr` raises, in one tree.

ASRError
├── AudioError          the input is not usable audio
│   ├── NotAudioError       no audio stream at all (text, image, archive…)
│   ├── CorruptAudioError   decoding failed or the file is cut short
│   ├── ChannelLayoutError  the layout asked for does not fit the file (mono sent as stereo)
│   └── AudioLimitError     over a limit the caller set: sample rate, channels or duration
└── ModelError          the Whisper model cannot be assembled, verified or loaded
"""

from __future__ import annotations


class ASRError(Exception):
    """Base class of every error raised by `asr`."""


class AudioError(ASRError):
    """The input cannot be used as a recording."""


class NotAudioError(AudioError):
    pass


class CorruptAudioError(AudioError):
    pass


class ChannelLayoutError(AudioError):
    pass


class ModelError(ASRError):
    pass


class AudioLimitError(AudioError):
    """The recording breaks one of the caller's `AudioLimits`; `limit` names which one."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit  # "sample_rate" | "channels" | "duration"
