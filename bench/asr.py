"""ASR benchmark: Huashu's transcription against plain faster-whisper, same model, same run.

    python bench/asr.py                       # 41 clips + 4 stereo calls: baseline, default
    python bench/asr.py --variants all        # also every other decoding configuration
    python bench/asr.py --suites long --variants none   # a 6-minute assembled stereo call
    python bench/asr.py --suites call30 --no-baseline   # a 30-minute assembled stereo call
    python bench/asr.py --suites names        # names CER on the calls without / with hotwords
    python bench/asr.py --device cuda --compute-type float16   # on a GPU host
    python bench/asr.py --suites heldout --calls-dir DIR --no-baseline  # calls written elsewhere
    python bench/asr.py --suites service       # stereo calls from upload to done, real server

Suites (all audio from ../shared/audio, assembled ones built in a temp folder at bench time):
  clips   the 41 real recordings of real/ (mono), reference = manifest.tsv
  stereo  the 4 synthetic sales calls of calls/ (rep left, customer right), reference per
          channel = that speaker's turns
  long    one ~6-minute stereo call: the 41 real clips alternating left/right with pauses and
          line noise, reference per channel = the clips on it
  call30  the same assembly repeated to 30 minutes
  names   CER of the names and products known to be said in the 4 calls, without and with
          hotwords (the call's CRM context first, then the team's dictionary)
  heldout stereo calls rendered from scripts kept outside the repository (--calls-dir: per
          call <id>.json with turns, its CRM record, the team's vocabulary and the names said,
          and <id>.stereo.wav)

  service the 4 stereo calls (and --calls-dir's) uploaded to a real `huashu serve` (its own
          data folder, SQLite, the bundled model) one after another: seconds from the upload's
          first byte to `done` (transcription, correction, analysis, QA, trackers), against
          plain faster-whisper on both channels in the same run

On clips, stereo and heldout every configuration also gets a "+ corrections" row: its words
corrected after decoding as the service does (asr.correction: the call's CRM names and the
team's vocabulary, homophones against the frequency lexicon). Its time is the correction's
alone (the transcript is the configuration's own, decoded once). "names right" counts each
name of each call that appears spelled exactly so in the transcript.
  hotclips  the 41 clips with the team's hotword list (no names in them: does it harm?)
  mono    speakers on mono: the 4 calls' mono mixes, share of the speech time attributed to
          the right speaker (voices + text, and the old text-only heuristic); and, to see the
          voices on natural speech, dialogues of two real speakers cut from pairs of real/
          clips taking turns (acoustic voice accuracy under the better of the two mappings)

Every configuration prints its real-time factor (processing seconds per audio second), its
time relative to the baseline measured in the same run, and CER (normalised as in
asr.scoring). The baseline is plain faster-whisper `WhisperModel(model).transcribe(audio)`
with default arguments: on a mono clip the file, on a stereo call each channel separately.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asr import (
    ChannelLayout,
    Segment,
    Speaker,
    Transcript,
    TranscriptionOptions,
    WhisperTranscriber,
    character_errors,
    ensure_bundled_model,
    normalize_for_cer,
)
from asr.correction import Corrector, Term, crm_terms, person_terms, vocabulary_terms
from asr.lexicon import MODERN_WORDS, Lexicon, read_frequencies

SHARED = Path(__file__).resolve().parents[2] / "shared" / "audio"
REAL = SHARED / "real"
CALLS = SHARED / "calls"
DEFAULTS = TranscriptionOptions()
FALLBACK = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # faster-whisper's own temperature schedule
VARIANTS = {
    # Huashu before issue 11: sequential 30-s windows over everything, sampling fallback.
    "v1": dataclasses.replace(DEFAULTS, batch_size=0, vad_filter=False, temperatures=FALLBACK),
    "seq": dataclasses.replace(DEFAULTS, batch_size=0, vad_filter=False),
    "seq-vad": dataclasses.replace(DEFAULTS, batch_size=0, vad_filter=True),
    "seq-vad-fallback": dataclasses.replace(
        DEFAULTS, batch_size=0, vad_filter=True, temperatures=FALLBACK
    ),
    "batch4": dataclasses.replace(DEFAULTS, batch_size=4),
    "batch8": dataclasses.replace(DEFAULTS, batch_size=8),
    "batch16": dataclasses.replace(DEFAULTS, batch_size=16),
    "batch-beam1": dataclasses.replace(DEFAULTS, batch_size=8, beam_size=1),
    "batch-beam5": dataclasses.replace(DEFAULTS, batch_size=8, beam_size=5),
    "beam5": dataclasses.replace(DEFAULTS, beam_size=5),
    "no-normalize": dataclasses.replace(DEFAULTS, peak_normalize=False),
    "window60": dataclasses.replace(DEFAULTS, window_s=60.0),
    # Both sides of a stereo call packed into one stream (asr.packing), not the default.
    "pack": dataclasses.replace(DEFAULTS, pack_channels=True),
}

# What a team's CRM and dictionary would hold for each synthetic call: the customer's company
# and contact, the rep's name, and the products, all said in the call.
CALL_CONTEXT = {
    "dev01": ("启航教育", "小李", "英语试听"),
    "dev02": ("云帆软件", "张伟", "王总"),
    "dev03": ("陈主任", "超声设备", "样机"),
    "dev04": ("刘姐", "布艺沙发"),
}
TEAM_DICTIONARY = ("启航教育", "云帆软件", "英语试听", "超声设备", "布艺沙发", "样机", "商机")


@dataclass(frozen=True)
class Item:
    """One recording and what should come out of it (per speaker for stereo)."""

    path: Path
    layout: ChannelLayout
    seconds: float
    references: dict[Speaker, str]
    hotwords: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()  # what the service would correct the call against

    @property
    def known_names(self) -> tuple[str, ...]:
        """The names the service can know: a term of the call's CRM record or vocabulary."""
        texts = {t.text for t in self.terms}
        return tuple(n for n in self.names if n in texts)


@dataclass
class Tally:
    audio: float = 0.0  # seconds of audio
    seconds: float = 0.0  # seconds taken
    errors: int = 0
    length: int = 0
    name_errors: int = 0
    name_length: int = 0
    names_right: int = 0
    names_total: int = 0
    known_right: int = 0
    known_total: int = 0
    texts: list[str] = field(default_factory=list)

    @property
    def cer(self) -> float:
        return self.errors / max(self.length, 1)

    @property
    def names_cer(self) -> float:
        return self.name_errors / max(self.name_length, 1)


Runner = Callable[[Item, bool], dict[Speaker, str]]


def main() -> None:
    args = _arguments()
    model_dir = str(ensure_bundled_model(Path.home() / ".cache" / "huashu-bench"))
    with tempfile.TemporaryDirectory(prefix="huashu-bench-") as tmp:
        if "mono" in args.suites.split(","):
            _mono_suite(WhisperTranscriber(model_dir, **_model_args(args)), Path(tmp))
            args.suites = ",".join(s for s in args.suites.split(",") if s != "mono")
        if "service" in args.suites.split(","):
            _service_suite(model_dir, args, Path(tmp))
            args.suites = ",".join(s for s in args.suites.split(",") if s != "service")
        suites = _suites(
            [s for s in args.suites.split(",") if s], Path(tmp), args.limit, args.calls_dir
        )
        configs = _configs(args.variants)
        print(f"{args.threads} threads, device {args.device}, {args.compute_type}")
        baseline = None if args.no_baseline else _plain(model_dir, args)
        for name, items in suites.items():
            _run_suite(name, items, configs, baseline, model_dir, args)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--suites", default="clips,stereo")
    parser.add_argument(
        "--variants", default="", help=f"'all', 'none' or some of: {', '.join(VARIANTS)}"
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--compute-type", default="int8", help="int8, float16, int8_float16…")
    parser.add_argument("--no-baseline", action="store_true", help="skip plain faster-whisper")
    parser.add_argument("--limit", type=int, default=0, help="only the first N items (smoke)")
    parser.add_argument("--calls-dir", type=Path, help="the heldout suite's folder")
    parser.add_argument(
        "--no-corrections", action="store_true", help="skip the '+ corrections' rows"
    )
    return parser.parse_args()


def _configs(variants: str) -> dict[str, TranscriptionOptions]:
    if variants == "none":
        return {}
    chosen = list(VARIANTS) if variants == "all" else [v for v in variants.split(",") if v]
    return {"huashu (defaults)": DEFAULTS, **{name: VARIANTS[name] for name in chosen}}


def _run_suite(
    suite: str,
    items: list[Item],
    configs: dict[str, TranscriptionOptions],
    baseline: Runner | None,
    model_dir: str,
    args: argparse.Namespace,
) -> None:
    """Every configuration on every recording, interleaved recording by recording, so that
    load from other processes on a shared machine falls on all of them alike."""
    seconds = sum(i.seconds for i in items)
    print(f"\n== {suite}: {len(items)} recordings, {seconds:.0f} s of audio")
    runs: dict[str, tuple[Runner, bool]] = {}
    if baseline and suite != "names":
        runs["plain faster-whisper (baseline)"] = (baseline, False)
    if suite == "names":
        configs = {"huashu (defaults)": DEFAULTS}
    correct = not args.no_corrections and suite in ("clips", "stereo", "heldout")
    corrector = _Corrections() if correct else None
    for name, options in (configs or {"huashu (defaults)": DEFAULTS}).items():
        decoded: dict[Path, Transcript] = {}
        transcriber = WhisperTranscriber(model_dir, **_model_args(args), options=options)
        runner = _huashu(transcriber, decoded)
        if suite == "names":
            runs[name] = (runner, False)
            runs[f"{name} + hotwords"] = (runner, True)
        else:
            runs[name] = (runner, suite == "hotclips")
        if corrector is not None:
            runs[f"{name} + corrections"] = (corrector.runner(decoded), False)
    tallies = _measure_interleaved(runs, items)
    reference = tallies.get("plain faster-whisper (baseline)")
    for name, tally in tallies.items():
        _print(name, tally, reference)


def _model_args(args: argparse.Namespace) -> dict[str, object]:
    return {"cpu_threads": args.threads, "device": args.device, "compute_type": args.compute_type}


def _plain(model_dir: str, args: argparse.Namespace) -> Runner:
    from faster_whisper import WhisperModel, decode_audio

    model = WhisperModel(model_dir, **_model_args(args))  # type: ignore[arg-type]

    def text(audio: np.ndarray) -> str:
        segments, _ = model.transcribe(audio)
        return "".join(s.text for s in segments)

    def run(item: Item, hot: bool) -> dict[Speaker, str]:
        if item.layout is ChannelLayout.MONO:
            return {Speaker.UNKNOWN: text(decode_audio(str(item.path)))}
        left, right = decode_audio(str(item.path), split_stereo=True)
        return {Speaker.REP: text(left), Speaker.CUSTOMER: text(right)}

    return run


def _huashu(transcriber: WhisperTranscriber, decoded: dict[Path, Transcript]) -> Runner:
    def run(item: Item, hot: bool) -> dict[Speaker, str]:
        hotwords = item.hotwords if hot else ()
        transcript = transcriber.transcribe(item.path, item.layout, hotwords=hotwords)
        decoded[item.path] = transcript  # what "+ corrections" corrects
        return _by_speaker(transcript.segments)

    return run


class _Corrections:
    """The service's correction after decoding: the lexicon is built once (as the worker does)."""

    def __init__(self) -> None:
        from analysis.segmentation import SalesTokenizer

        self.lexicon = Lexicon(
            [SalesTokenizer().word_frequencies(), read_frequencies(MODERN_WORDS)]
        )

    def runner(self, decoded: dict[Path, Transcript]) -> Runner:
        def run(item: Item, hot: bool) -> dict[Speaker, str]:
            segments = decoded[item.path].segments  # runs right after its configuration
            corrected = Corrector(item.terms, self.lexicon).correct(segments)
            return _by_speaker(corrected.segments)

        return run


def _by_speaker(segments: Sequence[Segment]) -> dict[Speaker, str]:
    said: dict[Speaker, str] = {}
    for segment in segments:
        said[segment.speaker] = said.get(segment.speaker, "") + segment.text
    return said


def _measure_interleaved(
    runs: dict[str, tuple[Runner, bool]], items: list[Item]
) -> dict[str, Tally]:
    for run, hot in runs.values():
        run(items[0], hot)  # warm-up (model load, first allocations), not timed
    # (in order: a "+ corrections" run comes right after the configuration it corrects)
    tallies = {name: Tally(audio=sum(i.seconds for i in items)) for name in runs}
    for item in items:
        for name, (run, hot) in runs.items():
            started = time.perf_counter()
            said = run(item, hot)
            tallies[name].seconds += time.perf_counter() - started
            _score(tallies[name], item, said)
    return tallies


def _score(tally: Tally, item: Item, said: dict[Speaker, str]) -> None:
    for speaker, reference in item.references.items():
        errors, length = character_errors(reference, said.get(speaker, ""))
        tally.errors += errors
        tally.length += length
    everything = normalize_for_cer("".join(said.values()))
    for name in item.names:
        tally.name_errors += _substring_distance(normalize_for_cer(name), everything)
        tally.name_length += len(name)
        tally.names_right += normalize_for_cer(name) in everything
        tally.names_total += 1
    for name in item.known_names:
        tally.known_right += normalize_for_cer(name) in everything
        tally.known_total += 1


def _substring_distance(needle: str, haystack: str) -> int:
    """Fewest edits turning `needle` into some substring of `haystack` (Sellers' algorithm):
    how far the transcript is from containing the name, wherever it is said."""
    previous = [0] * (len(haystack) + 1)
    for i, char in enumerate(needle, 1):
        current = [i]
        for j, other in enumerate(haystack, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return min(previous)


def _print(name: str, tally: Tally, baseline: Tally | None) -> None:
    rtf = tally.seconds / tally.audio
    ratio = f"time ×{tally.seconds / baseline.seconds:.2f}" if baseline else "time ×  – "
    cer_ratio = f"CER ×{tally.cer / max(baseline.cer, 1e-9):.2f}" if baseline else ""
    names = (
        f"  names CER {tally.names_cer:.3f}, right {tally.names_right}/{tally.names_total}"
        f" (in the CRM or vocabulary: {tally.known_right}/{tally.known_total})"
        if tally.name_length
        else ""
    )
    print(f"{name:34s} RTF {rtf:.3f}  {ratio}  CER {tally.cer:.3f}  {cer_ratio}{names}", flush=True)


# --- the suites -------------------------------------------------------------------------------


def _suites(
    names: Sequence[str], tmp: Path, limit: int, calls_dir: Path | None
) -> dict[str, list[Item]]:
    builders: dict[str, Callable[[], list[Item]]] = {
        "heldout": lambda: _held_out_calls(calls_dir),
        "clips": _clips,
        "hotclips": lambda: [dataclasses.replace(i, hotwords=TEAM_DICTIONARY) for i in _clips()],
        "stereo": _stereo_calls,
        "names": _stereo_calls,
        "long": lambda: [_assembled_call(tmp / "long.wav", repeats=1, seed=1)],
        "call30": lambda: [_assembled_call(tmp / "call30.wav", repeats=5, seed=2)],
    }
    return {name: builders[name]()[: limit or None] for name in names}


def _manifest() -> list[dict[str, str]]:
    with (REAL / "manifest.tsv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _clips() -> list[Item]:
    return [
        Item(
            REAL / row["file"],
            ChannelLayout.MONO,
            float(row["duration_s"]),
            {Speaker.UNKNOWN: row["reference_text"]},
        )
        for row in _manifest()
    ]


def _stereo_calls() -> list[Item]:
    items = []
    for script in sorted(CALLS.glob("dev*.json")):
        call = json.loads(script.read_text(encoding="utf-8"))
        refs = _references(call["turns"])
        context = CALL_CONTEXT[call["id"]]
        hotwords = tuple(dict.fromkeys((*context, *TEAM_DICTIONARY)))
        path = CALLS / f"{call['id']}.stereo.wav"
        terms = tuple(_context_terms(context)) + tuple(Term(t, "term") for t in TEAM_DICTIONARY)
        items.append(
            Item(path, ChannelLayout.REP_LEFT, _wav_seconds(path), refs, hotwords, context, terms)
        )
    return items


def _references(turns: Sequence[dict[str, Any]]) -> dict[Speaker, str]:
    """What each side said, from a call's script."""
    return {
        Speaker.REP: "".join(t["spoken_text"] for t in turns if t["speaker"] == "rep"),
        Speaker.CUSTOMER: "".join(t["spoken_text"] for t in turns if t["speaker"] != "rep"),
    }


def _context_terms(context: Sequence[str]) -> list[Term]:
    """A full name (two or three characters, no title) stands for the ways it is addressed."""
    terms: list[Term] = []
    for text in context:
        full_name = len(text) in (2, 3) and not text.startswith("小") and text[-1] not in "总姐哥"
        terms.extend(person_terms(text) if full_name and "主任" not in text else [Term(text, "")])
    return terms


def _held_out_calls(folder: Path | None) -> list[Item]:
    """Calls rendered from scripts written outside the repository, with what the service would
    know of each: its CRM record (as vocabulary.terms.call_terms reads it) and the team's
    vocabulary."""
    if folder is None:
        raise SystemExit("the heldout suite needs --calls-dir")
    items = []
    for script in sorted(folder.glob("*.json")):
        call = json.loads(script.read_text(encoding="utf-8"))
        refs = _references(call["turns"])
        crm = call["crm"]
        terms = crm_terms([crm["customer_company"]], [crm["contact"]], [crm["rep"]],
                          [crm["opportunity"]])  # fmt: skip
        for entry in call["vocabulary"]:
            terms.extend(vocabulary_terms(entry["term"], entry["kind"]))
        names = tuple(dict.fromkeys(n["text"] for n in call["names"]))
        path = script.with_suffix(".stereo.wav")
        hotwords = tuple(dict.fromkeys(t.text for t in terms))
        items.append(Item(path, ChannelLayout.REP_LEFT, _wav_seconds(path), refs, hotwords,
                          names, tuple(terms)))  # fmt: skip
    return items


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def _assembled_call(path: Path, repeats: int, seed: int) -> Item:
    """A stereo "call": the real clips taking turns left (rep) and right (customer) with
    0.3-1.5 s pauses, -50 dBFS line noise on both sides, written block by block."""
    rng = np.random.default_rng(seed)
    refs = {Speaker.REP: "", Speaker.CUSTOMER: ""}
    samples = 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(16_000)
        for turn, (clip, text) in enumerate(_clip_cycle(repeats)):
            side = turn % 2
            refs[Speaker.REP if side == 0 else Speaker.CUSTOMER] += text
            pause = np.zeros(int(16_000 * rng.uniform(0.3, 1.5)), dtype=np.float32)
            for mono in (pause, clip):
                block = np.zeros((len(mono), 2), dtype=np.float32)
                block[:, side] = mono
                block += rng.normal(0, 0.003, block.shape).astype(np.float32)
                out.writeframes((np.clip(block, -1, 1) * 32767).astype("<i2").tobytes())
                samples += len(mono)
    return Item(path, ChannelLayout.REP_LEFT, samples / 16_000, refs)


def _clip_cycle(repeats: int) -> Iterator[tuple[np.ndarray, str]]:
    rows = _manifest()
    for _ in range(repeats):
        for row in rows:
            with wave.open(str(REAL / row["file"]), "rb") as w:
                pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            yield pcm.astype(np.float32) / 32767, row["reference_text"]


# --- upload to done on a real server ---------------------------------------------------------


def _service_suite(model_dir: str, args: argparse.Namespace, tmp: Path) -> None:
    """Each stereo call uploaded to a real server and followed to `done`, after a warm-up
    upload (model and analyzer load once per process, not per call); the baseline is plain
    faster-whisper on both channels, measured on the same calls in the same run."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import httpx
    from load import ADMIN, start_server

    items = _stereo_calls() + (_held_out_calls(args.calls_dir) if args.calls_dir else [])
    items = items[: args.limit or None]
    (tmp / "service").mkdir()
    server, base = start_server(tmp / "service")
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ADMIN}"}) as http:
            _upload_and_wait(http, REAL / _manifest()[0]["file"], "mono")  # warm-up
            service = sum(_upload_and_wait(http, item.path, "rep-left") for item in items)
    finally:
        server.terminate()
        server.wait(30)
    plain = _plain(model_dir, args)
    plain(items[0], False)  # warm-up
    started = time.perf_counter()
    for item in items:
        plain(item, False)
    baseline = time.perf_counter() - started
    audio = sum(i.seconds for i in items)
    print(f"\n== service: {len(items)} stereo calls, {audio:.0f} s of audio, upload to done")
    print(f"plain faster-whisper, both channels   {baseline:7.1f} s  RTF {baseline / audio:.3f}")
    print(f"huashu serve, upload to done          {service:7.1f} s  RTF {service / audio:.3f}"
          f"  time ×{service / baseline:.2f}", flush=True)  # fmt: skip


def _upload_and_wait(http: Any, path: Path, channels: str) -> float:
    started = time.perf_counter()
    with path.open("rb") as f:
        answer = http.post("/api/v1/calls", files={"audio": (path.name, f)},
                           data={"channels": channels}, timeout=120)  # fmt: skip
    answer.raise_for_status()
    call_id = answer.json()["id"]
    while True:
        status = http.get(f"/api/v1/calls/{call_id}").json()["status"]
        if status == "failed":
            raise SystemExit(f"{path.name} failed on the server")
        if status == "done":
            return time.perf_counter() - started
        time.sleep(0.1)


# --- speakers on mono -------------------------------------------------------------------------

NATURAL_PAIRS = (  # (speaker A, speaker B): median pitch in Hz, as measured on these clips
    ("mossttsd_pod_f.wav", "mossttsd_pod_m.wav"),  # 232 / 107, one podcast
    ("soulx_female_mandarin.wav", "soulx_male_mandarin.wav"),  # 198 / 142
    ("mossttsd_zh_spk1_moon.wav", "mossttsd_zh_spk2_moon.wav"),  # 184 / 143
    ("fireredtts2_zh_S1.wav", "fireredtts2_zh_S2.wav"),  # 113 / 200
    ("soulx_male_mandarin.wav", "mossttsd_zh_spk2_moon.wav"),  # 142 / 143: two men, same pitch
    ("mossttsd_pod_f.wav", "masr_test.wav"),  # 232 / 229: two women, same pitch
)


def _mono_suite(transcriber: WhisperTranscriber, tmp: Path) -> None:
    from analysis.speakers import assign_mono_speakers, attribute_voices
    from analysis.turns import split_utterances

    print("\n== mono: share of speech time attributed to the right speaker")
    totals = {"voices + text": [0.0, 0.0], "text only (before)": [0.0, 0.0]}
    for script in sorted(CALLS.glob("dev*.json")):
        turns = json.loads(script.read_text(encoding="utf-8"))["turns"]
        reference = [(t["start"], t["end"], t["speaker"]) for t in turns]
        transcript = transcriber.transcribe(script.with_suffix(".mono.wav"), ChannelLayout.MONO)
        segments = _speech_segments(transcript, voices=True)
        voiced = attribute_voices(segments)
        plain = assign_mono_speakers(split_utterances(_speech_segments(transcript, voices=False)))
        line = f"{script.stem}: separation {transcript.voice_separation}"
        for name, result in (("voices + text", voiced), ("text only (before)", plain)):
            if result is None:
                line += f"  {name}: no voices"
                continue
            right, total = _attributed(result[0], reference)
            totals[name][0] += right
            totals[name][1] += total
            line += f"  {name} {right / total:.3f} (confidence {result[1].confidence:.2f})"
        print(line, flush=True)
    for name, (right, total) in totals.items():
        print(f"all 4 calls, {name:20s} {right / max(total, 1e-9):.3f}")
    _natural_voices(transcriber, tmp)


def _speech_segments(transcript: Transcript, voices: bool) -> list[Any]:
    from analysis.turns import SpeechSegment, TimedWord

    return [
        SpeechSegment(
            s.speaker.value,
            s.start,
            s.end,
            s.text,
            tuple(
                TimedWord(w.start, w.end, w.text, w.voice if voices else None, w.voice_confidence)
                for w in s.words
            ),
        )
        for s in transcript.segments
    ]


def _attributed(
    utterances: Sequence[Any], reference: list[tuple[float, float, str]]
) -> tuple[float, float]:
    """(reference speech seconds covered by an utterance of the right speaker, all of it)."""
    right = 0.0
    for u in utterances:
        for start, end, speaker in reference:
            if speaker == u.speaker:
                right += max(0.0, min(end, u.end) - max(start, u.start))
    return right, sum(end - start for start, end, _ in reference)


def _natural_voices(transcriber: WhisperTranscriber, tmp: Path) -> None:
    from asr.windows import pause_windows

    print("\nnatural voices: share of speech time in the right voice (better mapping)")
    rng = np.random.default_rng(0)
    scores = []
    for pair in NATURAL_PAIRS:
        pieces = [list(pause_windows([_read(REAL / name)], 3.5, 1.5)) for name in pair]
        audio, reference, at = [], [], 0.0
        for k in range(max(len(p) for p in pieces)):
            for who in (0, 1):
                if k < len(pieces[who]):
                    gap = np.zeros(int(16_000 * rng.uniform(0.4, 1.0)), dtype=np.float32)
                    clip = pieces[who][k].audio
                    reference.append(
                        (at + len(gap) / 16_000, at + (len(gap) + len(clip)) / 16_000, "AB"[who])
                    )
                    audio += [gap, clip]
                    at = reference[-1][1]
        path = _write_mono(tmp / "dialogue.wav", np.concatenate(audio))
        transcript = transcriber.transcribe(path, ChannelLayout.MONO)
        words = [w for s in transcript.segments for w in s.words if w.voice is not None]
        score = _voice_accuracy(words, reference)
        scores.append(score)
        print(f"{pair[0][:-4]} + {pair[1][:-4]}: {score:.3f}", flush=True)
    print(f"mean of {len(scores)} pairs: {np.mean(scores):.3f}")


def _voice_accuracy(words: Sequence[Any], reference: list[tuple[float, float, str]]) -> float:
    agree = total = 0.0
    for word in words:
        middle = (word.start + word.end) / 2
        *_, who = min(reference, key=lambda r: max(r[0] - middle, middle - r[1], 0.0))
        seconds = max(word.end - word.start, 1e-3)
        total += seconds
        agree += seconds * ((who == "A") == (word.voice == 0))
    return max(agree, total - agree) / max(total, 1e-9)


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32767


def _write_mono(path: Path, audio: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path


if __name__ == "__main__":
    main()
