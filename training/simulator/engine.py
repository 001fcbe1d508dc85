"""`simulate`: build the platform, then generate and write accounts chunk by chunk;
`simulate_worlds`: several worlds into one dataset folder, with disjoint accounts, rooms,
orders and devices, and their drawn parameters in `worlds.json` for lineage."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from . import ids, network
from .bots import GENERATORS
from .chunk import Chunk
from .config import (
    BOT_KIND_WEIGHTS,
    BOT_KINDS,
    HUMAN_ARCHETYPE_WEIGHTS,
    HUMAN_ARCHETYPES,
    STREAMER,
    SimulationConfig,
    SimulationSummary,
)
from .humans import populate_humans
from .platform import Platform, build_platform
from .profiles import account_profiles, streamer_profiles
from .tables import SCHEMAS, TABLES, accounts_table, event_tables, labels_table, timestamps
from .world import REGIONS, WorldRanges, draw_world
from .writer import DatasetWriter

ACCOUNT_KEYS, ROOM_KEYS, ORDER_KEYS = 1, 2, 3
ORDERS_PER_CHUNK = 10**8
DEVICES_PER_WORLD = 10**13
LINEAGE_FILE = "worlds.json"


@dataclass(frozen=True)
class _Slot:
    """Where one world sits in a dataset folder: its index, the id keys' seed, and the first
    account, streamer and chunk index it may use."""

    index: int = 0
    id_seed: int = 0
    first_account: int = 0
    first_chunk: int = 0


def _shares(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split a count by weights with largest remainders, so parts sum to the total; when
    the total allows, every part gets at least one (taken from the largest)."""
    raw = np.array(list(weights.values())) * total / sum(weights.values())
    counts = np.floor(raw).astype(int)
    counts[np.argsort(raw - counts)[::-1][: total - counts.sum()]] += 1
    if total >= len(counts):
        for empty in np.flatnonzero(counts == 0):
            counts[np.argmax(counts)] -= 1
            counts[empty] = 1
    return dict(zip(weights, counts.tolist(), strict=False))


def _chunk_sizes(config: SimulationConfig) -> list[int]:
    members = config.total_accounts - config.streamer_count
    n_chunks = -(-members // config.chunk_accounts)
    return [len(part) for part in np.array_split(np.arange(members), n_chunks)]


def _roles(config: SimulationConfig, rng: np.random.Generator, size: int) -> np.ndarray:
    """Kind or archetype name per local account, in random order."""
    world = config.world_parameters
    bots = round(config.bot_share * size)
    counts = {
        **_shares(bots, dict(zip(BOT_KIND_WEIGHTS, world.bot_weights, strict=False))),
        **_shares(
            size - bots, dict(zip(HUMAN_ARCHETYPE_WEIGHTS, world.human_weights, strict=False))
        ),
    }
    roles = np.repeat(np.array(list(counts), dtype=object), list(counts.values()))
    return rng.permutation(roles)


def _labels(config: SimulationConfig, rng: np.random.Generator, roles: np.ndarray):
    """label, bot_kind and archetype per account, with `label_noise` of labels flipped."""
    is_bot = np.isin(roles, BOT_KINDS)
    flipped = np.zeros(len(roles), bool)
    flipped[rng.choice(len(roles), round(config.label_noise * len(roles)), replace=False)] = True
    label = np.where(is_bot ^ flipped, "bot", "human")
    # numpy's stubs leave None out of ArrayLike, though np.where takes it (an object array)
    bot_kind = np.where(is_bot, roles, None)  # type: ignore[call-overload]
    return label, bot_kind, roles


def _test_side(config: SimulationConfig, rng: np.random.Generator, roles: np.ndarray) -> np.ndarray:
    """Accounts that go to test/, a `test_fraction` of each kind and archetype."""
    in_test = np.zeros(len(roles), bool)
    for role in np.unique(roles):
        members = rng.permutation(np.flatnonzero(roles == role))
        in_test[members[: round(config.test_fraction * len(members))]] = True
    return in_test


def _generate_chunk(
    config: SimulationConfig,
    platform: Platform,
    seed: np.random.SeedSequence,
    index: int,
    size: int,
    device_base: int,
) -> tuple[Chunk, np.ndarray]:
    rng = np.random.default_rng(seed)
    chunk = Chunk(index, config, platform, rng, size, device_base)
    roles = _roles(config, rng, size)
    populate_humans(chunk, {a: np.flatnonzero(roles == a) for a in HUMAN_ARCHETYPES})
    for kind in BOT_KINDS:
        GENERATORS[kind](chunk, np.flatnonzero(roles == kind), config.difficulty_of(kind))
    return chunk, roles


def _streamer_rows(
    config: SimulationConfig,
    platform: Platform,
    rng: np.random.Generator,
    streamer_ids: pa.Array,
    device_base: int,
) -> dict[str, pa.Table]:
    """Streamers' accounts, labels and logins (one before each live session, from the studio)."""
    n = platform.n_streamers
    created = platform.start - rng.integers(200, 3000, n) * 86_400
    profile = streamer_profiles(
        rng, platform.popularity, config.total_accounts, platform.world.language
    )
    sessions = platform.sessions
    ts = sessions.start - rng.integers(60, 1800, len(sessions.start))
    order = np.argsort(ts, kind="stable")
    who, ts = sessions.streamer[order], ts[order]
    studio_ip = network.home_or_mobile_ip(rng, n)
    device = device_base + (10**9 - 1) - np.arange(n)
    ua = network.phone_user_agents(rng, n)
    logins = pa.Table.from_arrays(
        [
            streamer_ids.take(pa.array(who)),
            timestamps(ts),
            network.format_ips(studio_ip[who]),
            network.format_devices(device[who]),
            network.format_user_agents(ua[who]),
        ],
        schema=SCHEMAS["logins"],
    )
    return {
        "accounts": accounts_table(streamer_ids, created, profile),
        "labels": labels_table(
            streamer_ids, np.full(n, "human"), np.full(n, None), np.full(n, STREAMER)
        ),
        "logins": logins,
    }


def _chunk_tables(
    config: SimulationConfig,
    chunk: Chunk,
    roles: np.ndarray,
    first_index: int,
    streamer_ids: pa.Array,
    room_ids: pa.Array,
    slot: _Slot,
) -> dict[str, tuple[pa.Table, np.ndarray]]:
    """All seven tables of a chunk, each with the local account owning every row."""
    size = chunk.size
    account_ids = ids.format_ids(
        "u", first_index + np.arange(size), ids.id_keys(slot.id_seed, ACCOUNT_KEYS)
    )
    order_base = (slot.first_chunk + chunk.index) * ORDERS_PER_CHUNK
    order_keys = ids.id_keys(slot.id_seed, ORDER_KEYS)

    def order_ids(n: int) -> pa.Array:
        return ids.format_ids("o", order_base + np.arange(n), order_keys)

    tables = event_tables(chunk, account_ids, streamer_ids, room_ids, order_ids)
    follows = chunk.table("follows")
    made = np.bincount(follows["account"][~follows["unfollow"]], minlength=size)
    profile = account_profiles(
        chunk.rng, chunk.humanlike, made + chunk.task_follows, chunk.world.language
    )
    shuffle = chunk.rng.permutation(size)
    tables["accounts"] = (
        accounts_table(account_ids, chunk.created_at, profile).take(pa.array(shuffle)),
        shuffle,
    )
    tables["labels"] = (
        labels_table(account_ids, *_labels(config, chunk.rng, roles)).take(pa.array(shuffle)),
        shuffle,
    )
    return tables


def _with_shared_rows(
    rng: np.random.Generator, name: str, table: pa.Table, owner: np.ndarray, shared: pa.Table
) -> tuple[pa.Table, np.ndarray]:
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


def simulate(
    config: SimulationConfig, out_dir: Path, progress: Callable[[int, int], None] | None = None
) -> SimulationSummary:
    """Simulate a month of the platform and write it as a dataset folder (or train/test).

    The platform is built first; accounts are then generated, written and dropped
    chunk by chunk (`config.chunk_accounts` at a time), so memory is bounded at any
    scale. The same config always gives the same tables. A drawn world (`config.world`)
    also writes its parameters to `worlds.json`.
    """
    began = time.perf_counter()
    out_dir = Path(out_dir)
    writer = DatasetWriter(out_dir, config.fmt, config.split)
    try:
        summary = _simulate_into(writer, config, _Slot(id_seed=config.seed), progress)
    finally:
        writer.close()
    if config.world is not None:
        _write_lineage(out_dir, [config], [summary], config.seed, None)
    return replace(summary, seconds=time.perf_counter() - began)


def randomised_configs(
    seed: int, worlds: int = 1, *, scale: float = 1.0, ranges: WorldRanges | str = "all", **settings
) -> list[SimulationConfig]:
    """`worlds` configs drawn from `ranges` (a WorldRanges or a name in REGIONS): world i
    is drawn with seed (seed, i). `settings` (e.g. fmt, split, days, or bot_share to pin
    it) go to every config; bot share, label noise and kind difficulties are drawn unless
    given."""
    if isinstance(ranges, str):
        if ranges not in REGIONS:
            raise ValueError(f"unknown region {ranges!r}; known: {', '.join(REGIONS)}")
        ranges = REGIONS[ranges]
    configs = []
    for index in range(worlds):
        world_seed = int(np.random.SeedSequence([seed, index]).generate_state(1)[0])
        drawn = draw_world(world_seed, ranges)
        values = {
            "bot_share": drawn.bot_share,
            "label_noise": drawn.label_noise,
            "kind_difficulty": drawn.kind_difficulty,
            **settings,
        }
        configs.append(SimulationConfig(seed=world_seed, scale=scale, world=drawn.world, **values))
    return configs


def simulate_worlds(
    configs: Sequence[SimulationConfig],
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    ranges: WorldRanges | str | None = None,
) -> SimulationSummary:
    """Several worlds written into one dataset folder (or train/ and test/; the first
    config's format and split decide): accounts, rooms, orders and devices of different
    worlds never coincide, each world keeps its own streamers, and `worlds.json` records
    every world's parameters. The summary adds up the worlds; `summary.worlds` holds each."""
    if not configs:
        raise ValueError("simulate_worlds needs at least one world")
    if isinstance(ranges, str) and ranges not in REGIONS:
        raise ValueError(f"unknown region {ranges!r}; known: {', '.join(REGIONS)}")
    began = time.perf_counter()
    out_dir = Path(out_dir)
    first = configs[0]
    total = sum(c.total_accounts for c in configs)
    writer = DatasetWriter(out_dir, first.fmt, first.split)
    summaries, done, chunks = [], 0, 0
    try:
        for index, config in enumerate(configs):

            def step(accounts: int, _: int, base: int = done) -> None:
                if progress is not None:
                    progress(base + accounts, total)

            slot = _Slot(index, first.seed, done, chunks)
            summaries.append(_simulate_into(writer, config, slot, step))
            done += summaries[-1].accounts
            chunks += len(_chunk_sizes(config))
    finally:
        writer.close()
    name = ranges if isinstance(ranges, str) else None
    _write_lineage(
        out_dir,
        list(configs),
        summaries,
        first.seed,
        REGIONS[ranges] if isinstance(ranges, str) else ranges,
        name,
    )
    role_sum: dict[str, int] = {}
    for summary in summaries:
        for role, count in {**summary.bots_by_kind, **summary.humans_by_archetype}.items():
            role_sum[role] = role_sum.get(role, 0) + count
    return SimulationSummary(
        out_dir=out_dir,
        accounts=done,
        events={t: sum(s.events[t] for s in summaries) for t in TABLES},
        bots_by_kind={k: role_sum[k] for k in BOT_KINDS},
        humans_by_archetype={a: role_sum[a] for a in (*HUMAN_ARCHETYPES, STREAMER)},
        streamers=[s for summary in summaries for s in summary.streamers],
        seconds=time.perf_counter() - began,
        worlds=tuple(summaries),
    )


def write_training_worlds(
    out_dir: Path,
    *,
    seed: int = 0,
    worlds: int = 3,
    scale: float = 0.2,
    ranges: WorldRanges | str = "all",
    progress: Callable[[int, int], None] | None = None,
) -> SimulationSummary:
    """A labelled training set of `worlds` randomised worlds in one folder: what a model
    meant for platforms without labels of their own is trained on."""
    configs = randomised_configs(seed, worlds, scale=scale, ranges=ranges)
    return simulate_worlds(configs, out_dir, progress, ranges)


def _write_lineage(
    out_dir: Path,
    configs: list[SimulationConfig],
    summaries: list[SimulationSummary],
    id_seed: int,
    ranges: WorldRanges | None,
    region: str | None = None,
) -> None:
    """worlds.json: each world's seed, settings and drawn parameters, and the ranges."""
    from fanaudit.features.io import write_text_atomic

    worlds = []
    for index, (config, summary) in enumerate(zip(configs, summaries, strict=False)):
        worlds.append(
            {
                "index": index,
                "seed": config.seed,
                "scale": config.scale,
                "days": config.days,
                "start": config.start,
                "bot_share": config.bot_share,
                "label_noise": config.label_noise,
                "difficulty": config.difficulty,
                "kind_difficulty": dict(config.kind_difficulty),
                "parameters": config.world_parameters.to_dict(),
                "accounts": summary.accounts,
                "streamers": len(summary.streamers),
                "bots_by_kind": summary.bots_by_kind,
                "humans_by_archetype": summary.humans_by_archetype,
            }
        )
    record = {
        "id_seed": id_seed,
        "region": region,
        "ranges": ranges.to_dict() if ranges is not None else None,
        "worlds": worlds,
    }
    write_text_atomic(
        json.dumps(record, indent=1, ensure_ascii=False) + "\n", Path(out_dir) / LINEAGE_FILE
    )


def _simulate_into(
    writer: DatasetWriter,
    config: SimulationConfig,
    slot: _Slot,
    progress: Callable[[int, int], None] | None,
) -> SimulationSummary:
    """One world's accounts and events, appended to an open writer."""
    began = time.perf_counter()
    sizes = _chunk_sizes(config)
    seeds = np.random.SeedSequence(config.seed).spawn(len(sizes) + 1)
    platform_rng = np.random.default_rng(seeds[0])
    platform = build_platform(config, platform_rng)
    n_streamers = platform.n_streamers
    device_base = slot.index * DEVICES_PER_WORLD
    streamer_ids = ids.format_ids(
        "u", slot.first_account + np.arange(n_streamers), ids.id_keys(slot.id_seed, ACCOUNT_KEYS)
    )
    room_ids = ids.format_ids(
        "r", slot.first_account + np.arange(n_streamers), ids.id_keys(slot.id_seed, ROOM_KEYS)
    )
    pending = _streamer_rows(config, platform, platform_rng, streamer_ids, device_base)

    rows = dict.fromkeys(TABLES, 0)
    role_counts: dict[str, int] = {STREAMER: n_streamers}
    followers = np.zeros(n_streamers, np.int64)
    first_index = slot.first_account + n_streamers
    for index, size in enumerate(sizes):
        chunk, roles = _generate_chunk(config, platform, seeds[index + 1], index, size, device_base)
        tables = _chunk_tables(config, chunk, roles, first_index, streamer_ids, room_ids, slot)
        in_test = _test_side(config, chunk.rng, roles) if config.split else None
        for name, (table, owner) in tables.items():
            if name in pending:
                table, owner = _with_shared_rows(chunk.rng, name, table, owner, pending.pop(name))
            writer.write(name, table, owner, in_test)
            rows[name] += table.num_rows
        followers += _net_follows(chunk, n_streamers)
        for role, count in zip(*np.unique(roles, return_counts=True), strict=False):
            role_counts[str(role)] = role_counts.get(str(role), 0) + int(count)
        first_index += size
        if progress is not None:
            progress(first_index - slot.first_account, config.total_accounts)
    most_followed = np.argsort(-followers, kind="stable")
    return SimulationSummary(
        out_dir=writer.out_dir,
        accounts=first_index - slot.first_account,
        events=rows,
        bots_by_kind={k: role_counts.get(k, 0) for k in BOT_KINDS},
        humans_by_archetype={a: role_counts.get(a, 0) for a in (*HUMAN_ARCHETYPES, STREAMER)},
        streamers=streamer_ids.take(pa.array(most_followed)).to_pylist(),
        seconds=time.perf_counter() - began,
    )
