"""Audio (and not-audio) files built for tests from the shared recordings, in a temp folder."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
from pathlib import Path

import av
import numpy as np

SHARED_AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio"
REAL = SHARED_AUDIO / "real"
CALLS = SHARED_AUDIO / "calls"
SHORT_SPEECH = REAL / "aishell1_BAC009S0724W0121.wav"  # 4.3 s, read speech


def write_wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    """Write int16 PCM; `samples` is (n,) for mono or (n, channels)."""
    data = np.clip(samples, -1, 1)
    pcm = (data * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        raw = w.readframes(w.getnframes())
        data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32767
        return data.reshape(-1, w.getnchannels()).squeeze(), w.getframerate()


def silence_wav(path: Path, seconds: float = 5.0) -> Path:
    return write_wav(path, np.zeros(int(16_000 * seconds), dtype=np.float32))


def stereo_from_mono(path: Path, left: Path, right: Path | None = None) -> Path:
    """Left channel from one recording, right from another (or silence)."""
    a, _ = read_wav(left)
    b = read_wav(right)[0] if right else np.zeros_like(a)
    n = max(len(a), len(b))
    both = np.zeros((n, 2), dtype=np.float32)
    both[: len(a), 0] = a
    both[: len(b), 1] = b
    return write_wav(path, both)


def encode(source: Path, target: Path, codec: str, fmt: str, rate: int = 16_000) -> Path:
    """Re-encode a mono WAV with PyAV (mp3, aac in m4a, opus in ogg…)."""
    samples, source_rate = read_wav(source)
    with av.open(str(target), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            (samples * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = source_rate
        resampler = av.AudioResampler(
            format=stream.codec_context.format.name, layout="mono", rate=rate
        )
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(resampled):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return target


def truncated_copy(source: Path, target: Path, keep: float = 0.5) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


def text_file(path: Path) -> Path:
    path.write_text("这不是音频文件。This is not audio.\n" * 20, encoding="utf-8")
    return path


def png_file(path: Path) -> Path:
    """A real 1×1 PNG image."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


def zip_file(path: Path, member: Path = SHORT_SPEECH) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.write(member, member.name)
    path.write_bytes(buffer.getvalue())
    return path
