"""Every error a service raises on purpose, each carrying its HTTP status. Handled in one place
(api/errors.py); the CLI prints the message.

    HuashuError (500)
    ├── InvalidInput (422)        a field or parameter is malformed
    │   └── ChannelMismatch (422) the channel layout does not fit the recording
    ├── EmptyUpload (400)         the upload has no bytes
    ├── UploadInterrupted (400)   the client went away before the file was complete
    ├── Unauthorized (401)        no token, or a wrong one
    ├── Forbidden (403)           a valid token without the right to do this
    ├── NotFound (404)            no such call (or a call you may not see)
    ├── PayloadTooLarge (413)     over the upload size limit
    │   └── TooLong (413)         a recording longer than HUASHU_MAX_CALL_MINUTES
    ├── UnsupportedAudio (415)    not an audio file at all
    ├── CorruptAudio (422)        audio that cannot be decoded, or is cut short
    ├── TranscriptNotReady (409)  the call has not been transcribed yet
    ├── Conflict (409)            a unique value is taken, or a record is still referenced
    ├── TooManyRequests (429)     too many failed sign-ins; carries how long to wait
    └── StorageUnavailable (503)  the audio store (an S3 bucket) cannot be reached
"""

from __future__ import annotations

__all__ = [
    "ChannelMismatch",
    "Conflict",
    "CorruptAudio",
    "EmptyUpload",
    "Forbidden",
    "HuashuError",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "StorageUnavailable",
    "TooLong",
    "TooManyRequests",
    "TranscriptNotReady",
    "Unauthorized",
    "UnsupportedAudio",
    "UploadInterrupted",
]


class HuashuError(Exception):
    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(HuashuError):
    status_code = 422
    code = "invalid_input"


class ChannelMismatch(InvalidInput):
    code = "channel_mismatch"


class EmptyUpload(HuashuError):
    status_code = 400
    code = "empty_upload"


class UploadInterrupted(HuashuError):
    """Nobody reads the answer (the client is gone); it keeps the log free of a traceback."""

    status_code = 400
    code = "upload_interrupted"


class Unauthorized(HuashuError):
    status_code = 401
    code = "unauthorized"


class Forbidden(HuashuError):
    status_code = 403
    code = "forbidden"


class NotFound(HuashuError):
    status_code = 404
    code = "not_found"


class PayloadTooLarge(HuashuError):
    status_code = 413
    code = "payload_too_large"


class TooLong(PayloadTooLarge):
    code = "too_long"


class UnsupportedAudio(HuashuError):
    status_code = 415
    code = "unsupported_audio"


class CorruptAudio(HuashuError):
    status_code = 422
    code = "corrupt_audio"


class TranscriptNotReady(HuashuError):
    status_code = 409
    code = "not_ready"


class Conflict(HuashuError):
    status_code = 409
    code = "conflict"


class TooManyRequests(HuashuError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, sent as the Retry-After header


class StorageUnavailable(HuashuError):
    status_code = 503
    code = "storage_unavailable"
