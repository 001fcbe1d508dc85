"""Feature families. Each module declares `FEATURES` (registry entries) and
`compute(tables) -> ibis.Table | None`, one row per account that has data, keyed by
`account_id`, with (a subset of) its features as columns. The pipeline left-joins every
family onto `accounts`; a family whose tables are absent returns None and its features
come out missing.
"""

from features.families import profile

FAMILY_MODULES = (profile,)
