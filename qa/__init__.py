"""Quality assurance (质检): rules checked on every call, sampling plans that fill reviewers'
queues, reviews and appeals, and pass-rate reports."""

__all__: list[str] = []
