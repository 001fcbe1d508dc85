"""Turning integer-coded chunk data into contract tables (docs/dataset.md).

Every builder returns the pyarrow table and, per row, the local index of the account
that owns the row (-1 for streamer rows), which the writer uses to split train/test.
Event rows are ordered by time, so no table is grouped by label.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fanaudit.features.contract import ARROW_TYPES, TABLES as CONTRACT

from . import network
from .chunk import ENGAGEMENT_KINDS, NOT_REFUNDED, Chunk

TS = ARROW_TYPES["timestamp"]
# The platform's own profile columns; the contract's other optional account columns are
# for real-world sets (observed_at, listed_count...) and are not simulated.
SIMULATED_ACCOUNT_COLUMNS = (
    "account_id",
    "created_at",
    "nickname",
    "has_avatar",
    "bio",
    "followers_count",
    "following_count",
    "posts_count",
)
# The simulated platform has no posting client (the contract's optional comments.client).
SIMULATED_COLUMNS = {
    "accounts": SIMULATED_ACCOUNT_COLUMNS,
    "comments": ("account_id", "room_id", "ts", "text"),
}
# Every table the simulator writes, typed by the contract (features/contract.py): one schema.
SCHEMAS: dict[str, pa.Schema] = {
    name: CONTRACT[name].arrow_schema(SIMULATED_COLUMNS.get(name))
    for name in ("accounts", "follows", "logins", "comments", "engagements", "orders", "labels")
}
TABLES = tuple(SCHEMAS)


def timestamps(seconds: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    micros = np.asarray(seconds, np.int64) * 1_000_000
    return pa.array(micros, type=TS, mask=missing)


def _lookup(values: pa.Array, index: np.ndarray) -> pa.Array:
    return values.take(pa.array(np.asarray(index, np.int64)))


def _time_order(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    order = np.argsort(columns["ts"], kind="stable")
    return {name: values[order] for name, values in columns.items()}


def event_tables(
    chunk: Chunk, account_ids: pa.Array, streamer_ids: pa.Array, room_ids: pa.Array, order_ids
) -> dict[str, tuple[pa.Table, np.ndarray]]:
    """The five event tables of a chunk; `order_ids(n)` returns fresh unique order ids."""
    out = {}
    f = _time_order(chunk.table("follows"))
    out["follows"] = (
        pa.Table.from_arrays(
            [
                _lookup(account_ids, f["account"]),
                _lookup(streamer_ids, f["streamer"]),
                timestamps(f["ts"]),
                _lookup(pa.array(["follow", "unfollow"]), f["unfollow"].astype(np.int64)),
            ],
            schema=SCHEMAS["follows"],
        ),
        f["account"],
    )
    g = _time_order(chunk.table("logins"))
    out["logins"] = (
        pa.Table.from_arrays(
            [
                _lookup(account_ids, g["account"]),
                timestamps(g["ts"]),
                network.format_ips(g["ip"]),
                network.format_devices(g["device"]),
                network.format_user_agents(g["ua"]),
            ],
            schema=SCHEMAS["logins"],
        ),
        g["account"],
    )
    c = _time_order(chunk.table("comments"))
    vocabulary = chunk.vocabulary
    texts = pc.binary_join_element_wise(
        _lookup(vocabulary.affixes, c["prefix"]),
        _lookup(vocabulary.texts, c["text"]),
        _lookup(vocabulary.affixes, c["suffix"]),
        "",
    )
    out["comments"] = (
        pa.Table.from_arrays(
            [
                _lookup(account_ids, c["account"]),
                _lookup(room_ids, c["streamer"]),
                timestamps(c["ts"]),
                texts,
            ],
            schema=SCHEMAS["comments"],
        ),
        c["account"],
    )
    e = _time_order(chunk.table("engagements"))
    out["engagements"] = (
        pa.Table.from_arrays(
            [
                _lookup(account_ids, e["account"]),
                _lookup(room_ids, e["streamer"]),
                timestamps(e["ts"]),
                _lookup(pa.array(ENGAGEMENT_KINDS), e["kind"]),
                pa.array(e["amount"].astype(np.float64)),
            ],
            schema=SCHEMAS["engagements"],
        ),
        e["account"],
    )
    o = _time_order(chunk.table("orders"))
    out["orders"] = (
        pa.Table.from_arrays(
            [
                order_ids(len(o["ts"])),
                _lookup(account_ids, o["account"]),
                _lookup(room_ids, o["streamer"]),
                timestamps(o["ts"]),
                pa.array(o["amount"].astype(np.float64)),
                timestamps(o["refunded_at"], o["refunded_at"] == NOT_REFUNDED),
            ],
            schema=SCHEMAS["orders"],
        ),
        o["account"],
    )
    return out


def accounts_table(ids: pa.Array, created_at: np.ndarray, profile: dict[str, pa.Array]) -> pa.Table:
    columns = {"account_id": ids, "created_at": timestamps(created_at), **profile}
    return pa.Table.from_pydict(columns, schema=SCHEMAS["accounts"])


def labels_table(
    ids: pa.Array, label: np.ndarray, bot_kind: np.ndarray, archetype: np.ndarray
) -> pa.Table:
    return pa.Table.from_arrays(
        [
            ids,
            pa.array(label.tolist(), pa.string()),
            pa.array(bot_kind.tolist(), pa.string()),
            pa.array(archetype.tolist(), pa.string()),
        ],
        schema=SCHEMAS["labels"],
    )
