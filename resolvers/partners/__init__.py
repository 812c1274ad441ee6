"""The big party committee: member units, dual reporting, co-building tasks (SPEC §6)."""
