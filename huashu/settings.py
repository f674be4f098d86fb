"""The one place configuration is read: environment variables prefixed HUASHU_ (or a .env file).

Validated when the service starts, so a bad value stops it with a clear message.
"""

from __future__ import annotations

import ipaddress
import os
import re
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["MIN_ADMIN_TOKEN_CHARS", "Settings", "describe_errors"]

MIN_ADMIN_TOKEN_CHARS = 32  # a guessable admin token is an open door


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUASHU_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path("data"), description="Folder for the SQLite file, audio and model cache."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default SQLite at DATA_DIR/huashu.db. PostgreSQL works too.",
    )
    max_upload_mb: int = Field(500, gt=0, description="Largest accepted upload, in megabytes.")
    max_call_minutes: int = Field(
        240, gt=0, le=24 * 60, description="Longest accepted recording, in minutes."
    )
    admin_token: SecretStr | None = Field(
        None, description="A token accepted with the admin role (at least 32 characters)."
    )

    whisper_model: str = Field(
        "bundled",
        description="'bundled' (the packaged base model), a model folder, or a name like 'small'.",
    )
    whisper_device: Literal["cpu", "cuda", "auto"] = Field("cpu", description="Where Whisper runs.")
    whisper_compute_type: str = Field(
        "int8", description="CTranslate2 compute type (int8, float16…)."
    )
    whisper_threads: int = Field(
        0, ge=0, description="CPU threads for Whisper; 0 means one per core."
    )
    whisper_language: str = Field("zh", description="Spoken language code, or 'auto' to detect it.")
    whisper_beam_size: int = Field(2, ge=1, le=10, description="Beam width; 2 measured best here.")
    whisper_batch_size: int = Field(
        0, ge=0, le=64, description="0 = sequential decoding; N = batched (for GPUs)."
    )
    whisper_hotwords: bool = Field(
        False,
        description="Bias decoding towards the call's CRM names and the dictionary (measured: "
        "names right more often, the rest of the text worse; off by default).",
    )
    correct_homophones: bool = Field(
        True,
        description="After decoding, replace words heard as rare characters by the common word "
        "read the same (爆销 → 报销); the vocabulary's corrections are always made.",
    )
    learn_after_calls: int = Field(
        3,
        ge=1,
        le=100,
        description="A replacement people make by editing transcripts on this many calls becomes "
        "a learned correction in the vocabulary.",
    )
    model_cache_dir: Path | None = Field(
        None,
        description="Where the bundled model is assembled and the fitted classifiers are kept; "
        "default DATA_DIR/models.",
    )

    timezone: str = Field(
        "Asia/Shanghai", description="Business time zone: dates like 下周二 are read in it."
    )
    trusted_proxies: str = Field(
        "",
        description="Reverse proxies (IP addresses or networks, comma-separated) whose "
        "X-Forwarded-For names the client; empty: the client is the connection's address.",
    )
    user_dictionary: Path | None = Field(
        None,
        description="A jieba dictionary file of your own terms, added to the sales dictionary.",
    )

    funnel_stages: str = Field(
        "线索,商机,方案,谈判,成交",
        description="Opportunity stages in order, comma-separated; the last one is the won stage.",
    )

    rfm_frequency_days: int = Field(
        90, ge=1, le=3650, description="RFM frequency window: calls and follow-ups in these days."
    )
    rfm_min_customers: int = Field(
        20,
        ge=1,
        le=1_000_000,
        description="Below this many customers RFM scores come from fixed bands (last contact "
        "7/30/60/90 days, 8/5/3/1 contacts, value) instead of quintiles among so few.",
    )
    rfm_high_value_yuan: float = Field(
        100_000,
        gt=0,
        description="On fixed bands, the yuan (won in 12 months, else open) that scores M 3; "
        "4×, 2× and ½× of it score 5, 4 and 2.",
    )
    review_below: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Model labels less sure than this are listed for review (复核队列).",
    )
    stall_calls: int = Field(
        2, ge=1, le=50, description="An open deal whose last N linked calls had no advance stalls."
    )
    stall_days: int = Field(
        30, ge=1, le=3650, description="An open deal with no advance for this many days stalls."
    )

    storage_url: str | None = Field(
        None,
        description="Where recordings live: unset = DATA_DIR/audio; s3://bucket/prefix = a bucket.",
    )
    s3_endpoint_url: str | None = Field(
        None, description="The S3 server (for MinIO, SeaweedFS…); unset = AWS."
    )
    s3_region: str = Field("us-east-1", description="The bucket's region.")
    s3_access_key: SecretStr | None = Field(None, description="S3 access key id.")
    s3_secret_key: SecretStr | None = Field(None, description="S3 secret access key.")

    broker_url: str | None = Field(
        None,
        description="Run jobs on Celery workers through this broker (redis://…); unset = in-process.",
    )
    job_resend_after_s: float = Field(
        1800.0, gt=0, description="Send a queued job again when its task may have been lost."
    )
    job_stale_after_s: float = Field(
        120.0, gt=0, description="A running job whose worker is silent this long is re-queued."
    )
    job_reconcile_every_s: float = Field(
        15.0, gt=0, description="How often the reconciler looks for lost and dead jobs."
    )
    job_visibility_timeout_s: int = Field(
        21600,
        gt=0,
        description="Broker redelivery of an unacknowledged task (longer than any call).",
    )

    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text, or as JSON for a log collector."
    )

    job_max_attempts: int = Field(3, ge=1, description="Tries per job before it is marked failed.")
    job_retry_delay_s: float = Field(10.0, ge=0, description="Wait before retrying a failed job.")
    worker_poll_s: float = Field(2.0, gt=0, description="How often the worker looks for new jobs.")

    @field_validator("admin_token")
    @classmethod
    def _long_admin_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_ADMIN_TOKEN_CHARS:
            raise ValueError(
                f"must be at least {MIN_ADMIN_TOKEN_CHARS} characters: a random secret such as "
                "the output of `openssl rand -hex 32`"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network") from None
        return value

    @property
    def proxies(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @field_validator("broker_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://")):
            raise ValueError("use a Redis URL such as redis://127.0.0.1:6379/0")
        return value

    @field_validator("storage_url")
    @classmethod
    def _bucket_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
            r"s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?", value
        ):
            raise ValueError("use s3://bucket or s3://bucket/prefix (bucket names are lower case)")
        return value

    @field_validator("whisper_language")
    @classmethod
    def _language_code(cls, value: str) -> str:
        if value != "auto" and not (value.isalpha() and 2 <= len(value) <= 3):
            raise ValueError("use a language code such as 'zh', or 'auto'")
        return value.lower()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai"
            ) from None
        return value

    @field_validator("user_dictionary")
    @classmethod
    def _dictionary_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such dictionary file: {value}")
        return value

    @field_validator("funnel_stages")
    @classmethod
    def _funnel(cls, value: str) -> str:
        stages = [s.strip() for s in value.replace("，", ",").split(",") if s.strip()]
        if len(stages) < 2 or len(set(stages)) != len(stages):
            raise ValueError(
                "give at least two distinct stages, comma-separated, e.g. 线索,商机,成交"
            )
        return ",".join(stages)

    @property
    def funnel(self) -> tuple[str, ...]:
        return tuple(self.funnel_stages.split(","))

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'huashu.db'}"

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    @property
    def resolved_model_cache_dir(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def classifier_cache_dir(self) -> Path:
        """Fitted classifiers (analysis.model_cache), kept beside the assembled model."""
        return self.resolved_model_cache_dir / "classifiers"

    @property
    def max_call_seconds(self) -> float:
        return self.max_call_minutes * 60.0

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def cpu_threads(self) -> int:
        return self.whisper_threads or os.cpu_count() or 1

    @property
    def language_or_none(self) -> str | None:
        return None if self.whisper_language == "auto" else self.whisper_language


def describe_errors(exc: ValidationError) -> list[str]:
    """One line per bad setting, named as it is set: `HUASHU_ADMIN_TOKEN: must be …`."""
    lines = []
    for error in exc.errors(include_url=False):
        name = "HUASHU_" + "_".join(str(part) for part in error["loc"]).upper()
        lines.append(f"{name}: {str(error['msg']).removeprefix('Value error, ')}")
    return lines
