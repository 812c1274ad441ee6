"""The closed loop for residents' requests (SPEC §5): intake, triage, dispatch with dispute and
escalation, handling, deadlines and supervision, feedback. Plain functions over a session."""
