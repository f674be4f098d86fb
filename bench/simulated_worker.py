"""A Celery worker exactly like `huashu worker`, but with a stand-in transcriber that uses no CPU:
it waits `HUASHU_SIMULATED_SECONDS_PER_AUDIO_SECOND` × the recording's length, then returns the
same short two-speaker sales conversation for every call. Everything else is real: the job
claim, storage reads, analysis, the database writes, the broker, the reconciler.

    python bench/simulated_worker.py     # with the cluster's HUASHU_* environment

Started by bench/cluster.py --simulate, to show whether anything in the coordination serialises
the workers — which a CPU-bound run on a 2-core machine cannot show.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asr import AudioLimits, ChannelLayout, Segment, Speaker, Transcript, probe_audio
from asr.transcriber import ProgressCallback
from huashu.runtime import celery_worker_argv, open_services, run_celery_worker
from huashu.settings import Settings
from worker.celery_app import QUEUES

SCRIPT = (
    (Speaker.REP, "您好王总 我是云帆科技的小李 上次您说报销流程太慢 现在每个月大概要处理多少单"),
    (Speaker.CUSTOMER, "一个月三四百单吧 纸质单据都要领导签字 经常拖一两周"),
    (Speaker.REP, "拖这么久的话 对员工垫付和月底结账有什么影响"),
    (Speaker.CUSTOMER, "员工意见挺大的 财务月底也要加班对账"),
    (Speaker.REP, "如果审批能在手机上一天内走完 对你们会有多大帮助"),
    (Speaker.CUSTOMER, "那肯定好 这样吧 下周二你来给我们财务演示一下"),
)


class WaitingTranscriber:
    """Sleeps in proportion to the audio (no CPU), reports progress, returns `SCRIPT`."""

    model_name = "simulated"

    def __init__(self, seconds_per_audio_second: float) -> None:
        self.seconds_per_audio_second = seconds_per_audio_second

    def load(self) -> None:
        """Nothing to load: the stand-in has no model."""

    def transcribe(
        self,
        path: Path,
        layout: ChannelLayout,
        on_progress: ProgressCallback | None = None,
        *,
        hotwords: Sequence[str] = (),
        limits: AudioLimits | None = None,
    ) -> Transcript:
        duration = probe_audio(path).duration
        wait = duration * self.seconds_per_audio_second
        for step in range(1, 5):
            time.sleep(wait / 4)
            if on_progress:
                on_progress(step / 4)
        share = duration / len(SCRIPT)
        segments = tuple(
            Segment(n * share, (n + 1) * share, text, speaker)
            for n, (speaker, text) in enumerate(SCRIPT)
        )
        return Transcript("zh", duration, self.model_name, segments)


def main() -> None:
    settings = Settings()
    services = open_services(settings)
    factor = float(os.environ.get("HUASHU_SIMULATED_SECONDS_PER_AUDIO_SECOND", "0.05"))
    celery = run_celery_worker(services, WaitingTranscriber(factor))
    celery.worker_main(celery_worker_argv(1, ",".join(QUEUES), "solo"))


if __name__ == "__main__":
    main()
