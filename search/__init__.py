"""Search across the transcripts a principal may see, and trackers (话题追踪): named word lists
counted on every call, sharing the QA rules' matching engine."""
