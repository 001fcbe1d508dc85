"""Lockstep groups (after CopyCatch and SynchroTrap), found with MinHash bands.

Every room entry is put in a *cell*: (room, 10-minute bucket of the account's first view,
like, share, gift or comment in that room that China-time day), and every follow in a
(target, 10-minute bucket) cell. Entries, not every like, because a crew enters together and
then likes at random moments that would drown the shared cells. Accounts driven by one
controller share many cells across many rooms or targets; people share a cell now and then,
but never the same long sequence of them. Comparing all pairs of accounts is quadratic, so
each account gets a MinHash signature of its cell set (the minimum of a seeded hash over its
cells, for BANDS x ROWS seeds); accounts whose signatures agree on all ROWS hashes of a band
are candidates of one group (the chance is J**ROWS for Jaccard similarity J). Each account
takes its largest band group. Only accounts whose cells span at least two rooms (targets)
are banded, so one crowded room never makes a group; its *shared* rooms are the distinct
rooms of its cells that another member of its group also has.

Hashes are plain integer arithmetic, never a hash of an id: a place is coded by its own
data (the second of its first event and its number of events), so renaming rooms or
accounts leaves every signature unchanged and DuckDB and Spark agree bit for bit.
"""

from __future__ import annotations

import ibis

from fanaudit.features.families.common import HASH_MODULUS, china_day, epoch
from fanaudit.features.feature import Feature
from fanaudit.features.tables import Tables

FAMILY = "lockstep"
ROOM_BUCKET_SECONDS = 600
FOLLOW_BUCKET_SECONDS = 600
BANDS = 8
ROWS = 2
CELL_MULTIPLIER = 1_000_003
# Fixed (a, b) pairs of the universal hashes (a * cell + b) mod HASH_MODULUS, one per seed.
SEEDS = tuple(
    (48_271 + 7_919 * i * i + 104_729 * i, 12_345 + 99_991 * i) for i in range(BANDS * ROWS)
)

FEATURES = (
    Feature(
        "room_lockstep_peers",
        FAMILY,
        "Other accounts in its lockstep group: accounts that entered the same rooms in the "
        "same 10 minutes as it did, across rooms.",
        "accounts",
        "higher",
        "enters the same live rooms within the same minutes as {value} other accounts, "
        "across {room_lockstep_rooms} rooms",
        "与另外{value}个账号在{room_lockstep_rooms}个直播间的同一时段先后进入",
    ),
    Feature(
        "room_lockstep_rooms",
        FAMILY,
        "Distinct rooms it entered in the same 10 minutes as another member of its lockstep group.",
        "rooms",
        "higher",
        "entered {value} live rooms at the same minutes as its lockstep group",
        "在{value}个直播间与同组账号同一时段进入",
    ),
    Feature(
        "follow_lockstep_peers",
        FAMILY,
        "Other accounts whose follows match its own (target, 10-minute window) across targets.",
        "accounts",
        "higher",
        "followed the same accounts within the same 10 minutes as {value} other accounts, "
        "across {follow_lockstep_targets} targets",
        "与另外{value}个账号在10分钟内先后关注了相同的{follow_lockstep_targets}个对象",
    ),
    Feature(
        "follow_lockstep_targets",
        FAMILY,
        "Distinct targets it followed in the same 10 minutes as another member of its "
        "follow lockstep group.",
        "targets",
        "higher",
        "followed {value} accounts at the same minutes as its lockstep group",
        "与同组账号在同一时段关注了{value}个对象",
    ),
)


def place_codes(e: ibis.Table) -> ibis.Table:
    """Per place: a code from its first event second and its event count (not its name)."""
    g = e.group_by("place").aggregate(first=e.t.min(), n=e.count())
    return g.select("place", code=(g["first"] * CELL_MULTIPLIER + g.n) % HASH_MODULUS)


def account_cells(events: ibis.Table, bucket_seconds: int) -> ibis.Table:
    """Distinct (account_id, place, cell) with cell a code of (place, time bucket)."""
    e = events.filter(events.t.notnull())
    e = e.join(place_codes(e), "place")
    cell = (e.code * CELL_MULTIPLIER + e.t // bucket_seconds) % HASH_MODULUS
    return e.select("account_id", "place", cell=cell).distinct()


def signatures(cells: ibis.Table) -> ibis.Table:
    """Per account spanning >= 2 places: one MinHash per seed (columns m0, m1, ...)."""
    mins = {f"m{i}": ((cells.cell * a + b) % HASH_MODULUS).min() for i, (a, b) in enumerate(SEEDS)}
    sig = cells.group_by("account_id").aggregate(places=cells.place.nunique(), **mins)
    return sig.filter(sig.places >= 2).drop("places")


def band_groups(sig: ibis.Table) -> ibis.Table:
    """Per account, its largest band group: (account_id, band, key, size)."""
    keys, sizes = {}, {}
    for band in range(BANDS):
        key = sig[f"m{band * ROWS}"]
        for r in range(1, ROWS):
            key = key * HASH_MODULUS + sig[f"m{band * ROWS + r}"]
        keys[band] = key
        sizes[band] = sig.account_id.count().over(group_by=key)
    banded = sig.select(
        "account_id",
        **{f"k{b}": k for b, k in keys.items()},
        **{f"s{b}": s for b, s in sizes.items()},
    )
    size = ibis.greatest(*[banded[f"s{b}"] for b in range(BANDS)])
    band = ibis.cases(*[(banded[f"s{b}"] == size, b) for b in range(BANDS)])
    key = ibis.cases(*[(banded[f"s{b}"] == size, banded[f"k{b}"]) for b in range(BANDS)])
    return banded.select("account_id", band=band, key=key, size=size)


def shared_places(cells: ibis.Table, groups: ibis.Table) -> ibis.Table:
    """Per grouped account: distinct places of its cells another group member also has."""
    member_cells = cells.join(
        groups.filter(groups.size >= 2).select("account_id", "band", "key"), "account_id"
    )
    holders = member_cells.account_id.count().over(
        group_by=[member_cells.band, member_cells.key, member_cells.cell]
    )
    shared = member_cells.mutate(holders=holders).filter(lambda t: t.holders >= 2)
    return shared.group_by("account_id").aggregate(places=shared.place.nunique())


def lockstep_features(
    events: ibis.Table, bucket_seconds: int, peers: str, places: str
) -> ibis.Table:
    cells = account_cells(events, bucket_seconds)
    groups = band_groups(signatures(cells))
    with_places = groups.left_join(shared_places(cells, groups), "account_id")
    banded = with_places.select("account_id", size=with_places.size, shared=with_places.places)
    present = cells.select("account_id").distinct()
    out = present.left_join(banded, "account_id")
    return out.select(
        "account_id",
        **{
            peers: (out.size.fill_null(1) - 1).cast("float64"),
            places: out.shared.fill_null(0).cast("float64"),
        },
    )


def room_entries(tables: Tables) -> ibis.Table | None:
    """account_id, place (room) and t of its first event in each room on each day."""
    parts = [
        t.select("account_id", place=t.room_id, t=epoch(t.ts))
        for t in (tables.engagements, tables.comments)
        if t is not None
    ]
    if not parts:
        return None
    events = ibis.union(*parts, distinct=False)
    events = events.mutate(day=china_day(events.t))
    return events.group_by(["account_id", "place", "day"]).aggregate(t=events.t.min()).drop("day")


def follow_events(tables: Tables) -> ibis.Table | None:
    if tables.follows is None:
        return None
    f = tables.follows.filter(tables.follows.action == "follow")
    return f.select(account_id=f.follower_id, place=f.followee_id, t=epoch(f.ts))


def compute(tables: Tables) -> ibis.Table | None:
    rooms, follows = room_entries(tables), follow_events(tables)
    parts = []
    if rooms is not None:
        parts.append(
            lockstep_features(
                rooms, ROOM_BUCKET_SECONDS, "room_lockstep_peers", "room_lockstep_rooms"
            )
        )
    if follows is not None:
        parts.append(
            lockstep_features(
                follows, FOLLOW_BUCKET_SECONDS, "follow_lockstep_peers", "follow_lockstep_targets"
            )
        )
    if not parts:
        return None
    out = tables.accounts.select("account_id")
    for part in parts:
        out = out.left_join(part, "account_id").drop("account_id_right")
    return out
