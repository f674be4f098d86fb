"""Sales reports: report periods, per-rep conversion metrics, the funnel, commitment rankings,
behaviour → outcome, and targets with their decomposition and progress."""

__all__: list[str] = []
