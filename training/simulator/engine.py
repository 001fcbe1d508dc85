"""`simulate`: build the platform, then generate and write accounts chunk by chunk."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import ids, network
from .bots import GENERATORS
from .chunk import Chunk
from .config import (BOT_KIND_WEIGHTS, BOT_KINDS, HUMAN_ARCHETYPE_WEIGHTS, HUMAN_ARCHETYPES,
                     STREAMER, SimulationConfig, SimulationSummary)
from .humans import populate_humans
from .platform import Platform, build_platform
from .profiles import account_profiles, streamer_profiles
from .tables import (SCHEMAS, TABLES, accounts_table, event_tables, labels_table, timestamps)
from .writer import DatasetWriter

ACCOUNT_KEYS, ROOM_KEYS, ORDER_KEYS = 1, 2, 3
ORDERS_PER_CHUNK = 10**8


def _shares(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split a count by weights with largest remainders, so parts sum to the total."""
    raw = np.array(list(weights.values())) * total / sum(weights.values())
    counts = np.floor(raw).astype(int)
    counts[np.argsort(raw - counts)[::-1][: total - counts.sum()]] += 1
    return dict(zip(weights, counts.tolist()))


def _chunk_sizes(config: SimulationConfig) -> list[int]:
    members = config.total_accounts - config.streamer_count
    n_chunks = -(-members // config.chunk_accounts)
    return [len(part) for part in np.array_split(np.arange(members), n_chunks)]


def _roles(config: SimulationConfig, rng: np.random.Generator, size: int) -> np.ndarray:
    """Kind or archetype name per local account, in random order."""
    bots = round(config.bot_share * size)
    counts = {**_shares(bots, BOT_KIND_WEIGHTS), **_shares(size - bots, HUMAN_ARCHETYPE_WEIGHTS)}
    roles = np.repeat(np.array(list(counts), dtype=object), list(counts.values()))
    return rng.permutation(roles)


def _labels(config: SimulationConfig, rng: np.random.Generator, roles: np.ndarray):
    """label, bot_kind and archetype per account, with `label_noise` of labels flipped."""
    is_bot = np.isin(roles, BOT_KINDS)
    flipped = np.zeros(len(roles), bool)
    flipped[rng.choice(len(roles), round(config.label_noise * len(roles)), replace=False)] = True
    label = np.where(is_bot ^ flipped, "bot", "human")
    bot_kind = np.where(is_bot, roles, None)
    return label, bot_kind, roles


def _test_side(config: SimulationConfig, rng: np.random.Generator, roles: np.ndarray) -> np.ndarray:
    """Accounts that go to test/, a `test_fraction` of each kind and archetype."""
    in_test = np.zeros(len(roles), bool)
    for role in np.unique(roles):
        members = rng.permutation(np.flatnonzero(roles == role))
        in_test[members[: round(config.test_fraction * len(members))]] = True
    return in_test


def _generate_chunk(config: SimulationConfig, platform: Platform, seed: np.random.SeedSequence,
                    index: int, size: int) -> tuple[Chunk, np.ndarray]:
    rng = np.random.default_rng(seed)
    chunk = Chunk(index, config, platform, rng, size)
    roles = _roles(config, rng, size)
    populate_humans(chunk, {a: np.flatnonzero(roles == a) for a in HUMAN_ARCHETYPES})
    for kind in BOT_KINDS:
        GENERATORS[kind](chunk, np.flatnonzero(roles == kind), config.difficulty_of(kind))
    return chunk, roles


def _streamer_rows(config: SimulationConfig, platform: Platform, rng: np.random.Generator,
                   streamer_ids: pa.Array) -> dict[str, pa.Table]:
    """Streamers' accounts, labels and logins (one before each live session, from the studio)."""
    n = platform.n_streamers
    created = platform.start - rng.integers(200, 3000, n) * 86_400
    profile = streamer_profiles(rng, platform.popularity, config.total_accounts)
    sessions = platform.sessions
    ts = sessions.start - rng.integers(60, 1800, len(sessions.start))
    order = np.argsort(ts, kind="stable")
    who, ts = sessions.streamer[order], ts[order]
    studio_ip = network.home_or_mobile_ip(rng, n)
    device = (10**9 - 1) - np.arange(n)
    ua = network.phone_user_agents(rng, n)
    logins = pa.Table.from_arrays([
        streamer_ids.take(pa.array(who)), timestamps(ts), network.format_ips(studio_ip[who]),
        network.format_devices(device[who]), network.format_user_agents(ua[who])],
        schema=SCHEMAS["logins"])
    return {
        "accounts": accounts_table(streamer_ids, created, profile),
        "labels": labels_table(streamer_ids, np.full(n, "human"), np.full(n, None),
                               np.full(n, STREAMER)),
        "logins": logins,
    }


def _chunk_tables(config: SimulationConfig, chunk: Chunk, roles: np.ndarray, first_index: int,
                  streamer_ids: pa.Array, room_ids: pa.Array,
                  ) -> dict[str, tuple[pa.Table, np.ndarray]]:
    """All seven tables of a chunk, each with the local account owning every row."""
    size = chunk.size
    account_ids = ids.format_ids("u", first_index + np.arange(size),
                                 ids.id_keys(config.seed, ACCOUNT_KEYS))
    order_base, order_keys = chunk.index * ORDERS_PER_CHUNK, ids.id_keys(config.seed, ORDER_KEYS)

    def order_ids(n: int) -> pa.Array:
        return ids.format_ids("o", order_base + np.arange(n), order_keys)

    tables = event_tables(chunk, account_ids, streamer_ids, room_ids, order_ids)
    follows = chunk.table("follows")
    made = np.bincount(follows["account"][~follows["unfollow"]], minlength=size)
    profile = account_profiles(chunk.rng, chunk.humanlike, made + chunk.task_follows)
    shuffle = chunk.rng.permutation(size)
    tables["accounts"] = (accounts_table(account_ids, chunk.created_at, profile).take(
        pa.array(shuffle)), shuffle)
    tables["labels"] = (labels_table(account_ids, *_labels(config, chunk.rng, roles)).take(
        pa.array(shuffle)), shuffle)
    return tables


def _with_shared_rows(rng: np.random.Generator, name: str, table: pa.Table, owner: np.ndarray,
                      shared: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """Add rows owned by no account (streamers'), mixed in so no block stands out."""
    table = pa.concat_tables([shared, table])
    owner = np.concatenate([np.full(shared.num_rows, -1), owner])
    if name == "logins":
        order = np.argsort(table.column("ts").to_numpy(), kind="stable")
    else:
        order = rng.permutation(table.num_rows)
    return table.take(pa.array(order)), owner[order]


def _net_follows(chunk: Chunk, n_streamers: int) -> np.ndarray:
    follows = chunk.table("follows")
    sign = np.where(follows["unfollow"], -1, 1)
    return np.bincount(follows["streamer"], sign, minlength=n_streamers).astype(np.int64)


def simulate(config: SimulationConfig, out_dir: Path,
             progress: Callable[[int, int], None] | None = None) -> SimulationSummary:
    """Simulate a month of the platform and write it as a dataset folder (or train/test).

    The platform is built first; accounts are then generated, written and dropped
    chunk by chunk (`config.chunk_accounts` at a time), so memory is bounded at any
    scale. The same config always gives the same tables.
    """
    began = time.perf_counter()
    out_dir = Path(out_dir)
    sizes = _chunk_sizes(config)
    seeds = np.random.SeedSequence(config.seed).spawn(len(sizes) + 1)
    platform_rng = np.random.default_rng(seeds[0])
    platform = build_platform(config, platform_rng)
    n_streamers = platform.n_streamers
    streamer_ids = ids.format_ids("u", np.arange(n_streamers),
                                  ids.id_keys(config.seed, ACCOUNT_KEYS))
    room_ids = ids.format_ids("r", np.arange(n_streamers), ids.id_keys(config.seed, ROOM_KEYS))
    pending = _streamer_rows(config, platform, platform_rng, streamer_ids)

    writer = DatasetWriter(out_dir, config.fmt, config.split)
    rows = dict.fromkeys(TABLES, 0)
    role_counts: dict[str, int] = {STREAMER: n_streamers}
    followers = np.zeros(n_streamers, np.int64)
    first_index = n_streamers
    for index, size in enumerate(sizes):
        chunk, roles = _generate_chunk(config, platform, seeds[index + 1], index, size)
        tables = _chunk_tables(config, chunk, roles, first_index, streamer_ids, room_ids)
        in_test = _test_side(config, chunk.rng, roles) if config.split else None
        for name, (table, owner) in tables.items():
            if name in pending:
                table, owner = _with_shared_rows(chunk.rng, name, table, owner,
                                                 pending.pop(name))
            writer.write(name, table, owner, in_test)
            rows[name] += table.num_rows
        followers += _net_follows(chunk, n_streamers)
        for role, count in zip(*np.unique(roles, return_counts=True)):
            role_counts[str(role)] = role_counts.get(str(role), 0) + int(count)
        first_index += size
        if progress is not None:
            progress(first_index, config.total_accounts)
    writer.close()
    most_followed = np.argsort(-followers, kind="stable")
    return SimulationSummary(
        out_dir=out_dir,
        accounts=first_index,
        events=rows,
        bots_by_kind={k: role_counts.get(k, 0) for k in BOT_KINDS},
        humans_by_archetype={a: role_counts.get(a, 0) for a in (*HUMAN_ARCHETYPES, STREAMER)},
        streamers=streamer_ids.take(pa.array(most_followed)).to_pylist(),
        seconds=time.perf_counter() - began,
    )
