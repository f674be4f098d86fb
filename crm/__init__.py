"""CRM records: teams, reps, customers, opportunities and follow-ups; the links from a call to
them; CSV import and export; follow-ups drafted from analysed calls."""

__all__: list[str] = []
