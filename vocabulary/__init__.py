"""The team's vocabulary (词库): the words its calls use that Whisper misspells, kept by admins and
managers, plus the corrections people taught it by editing transcripts; and the vocabulary a
call is corrected against (its CRM names first)."""
