"""Feature families. Each module declares `FEATURES` (registry entries) and
`compute(tables) -> ibis.Table | None`, one row per account that has data, keyed by
`account_id`, with (a subset of) its features as columns. The pipeline left-joins every
family onto `accounts`; a family whose tables are absent returns None and its features
come out missing. `common` holds shared Ibis helpers and is not a family.
"""

from fanaudit.features.families import (
    activity,
    comments,
    content,
    follow_bursts,
    ip_device,
    lockstep,
    orders,
    profile,
)

FAMILY_MODULES = (profile, ip_device, activity, follow_bursts, comments, orders, lockstep, content)
