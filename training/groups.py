"""Validation groups that keep a purchase batch, a crew or a household on one side of a split
without chaining the platform together.

Accounts of one purchase batch, one shared address cluster or one lockstep crew must not
sit on both sides of a split, or validation measures memory instead of skill. Accounts are
linked through keys that only a few accounts share (at most `key_cap` accounts a key): a
login IP, a device, or following the same target within the same 10 minutes (a cell of at
least `MIN_FOLLOW_CELL` follows). On a real address graph that is not enough: carrier NAT,
campus and household addresses and the proxy addresses that sellers reuse and people also
pass through chain most of a platform into one connected component (81% of the accounts of
one independent simulated platform), and grouped k-fold then puts most of the data in one
fold. So every connected component holding more than `max_share` of the accounts is split
with community detection (Leiden, maximising modularity, seeded, on the account graph
weighted by shared keys): batches, crews and households are dense communities, and the long
chains between them are what the split cuts. A community still too large is split again;
the few links cut are the price of a validation whose folds are all of a similar size.
"""

from __future__ import annotations

import logging
import random
from dataclasses import asdict, dataclass

import igraph
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from fanaudit.features.loading import StagedDataset, duckdb_connection

log = logging.getLogger(__name__)

FOLLOW_CELL_SECONDS = 600
MIN_FOLLOW_CELL = 5
MAX_SPLIT_ROUNDS = 8
CLIQUE_MAX = 20  # keys of up to this many accounts join them pairwise in the account graph


@dataclass(frozen=True)
class GroupSummary:
    """What the grouping did, logged to MLflow and printed by `fanaudit train`."""

    accounts: int
    groups: int
    largest_group: int
    largest_group_share: float
    largest_component_share: float  # before splitting
    components_split: int
    key_cap: int
    max_share: float

    def warning(self, n_folds: int) -> str | None:
        """A sentence when the largest group cannot fit in one fold of `n_folds`."""
        if self.accounts and self.largest_group_share > 1 / n_folds:
            return (
                f"the largest validation group holds {self.largest_group_share:.0%} of the "
                f"accounts, more than one fold in {n_folds}: out-of-fold figures come from "
                "models trained on unevenly sized folds"
            )
        return None

    def sentence(self) -> str:
        split = (
            f"; {self.components_split} component(s) larger than {self.max_share:.0%} "
            f"of the accounts (largest {self.largest_component_share:.0%}) split by Leiden"
            if self.components_split
            else ""
        )
        return (
            f"{self.groups:,} validation groups over {self.accounts:,} accounts, largest "
            f"{self.largest_group:,} ({self.largest_group_share:.1%}){split}"
        )

    def as_params(self) -> dict[str, float | int]:
        return {f"groups_{k}": v for k, v in asdict(self).items()}


def link_sql(staged: StagedDataset, key_cap: int) -> list[str]:
    """SQL queries yielding (account_id, key) edges; accounts sharing a key are linked. A key
    shared by more than `key_cap` accounts links nobody (a NAT address, a viral moment)."""
    queries = []
    if staged.has("logins"):
        logins = staged.source_sql("logins")
        for prefix, column in (("ip", "ip"), ("dev", "device_id")):
            queries.append(
                f"SELECT DISTINCT account_id, '{prefix}:' || {column} AS key FROM {logins} "
                f"WHERE {column} IS NOT NULL AND {column} IN (SELECT {column} FROM {logins} "
                f"GROUP BY 1 HAVING count(DISTINCT account_id) <= {int(key_cap)})"
            )
    if staged.has("follows"):
        follows = staged.source_sql("follows")
        cell = f"followee_id || ':' || CAST(floor(epoch(ts) / {FOLLOW_CELL_SECONDS}) AS BIGINT)"
        timed = "ts IS NOT NULL AND action = 'follow'"
        queries.append(
            f"SELECT DISTINCT follower_id AS account_id, 'f:' || {cell} AS key FROM {follows} "
            f"WHERE {timed} AND {cell} IN (SELECT {cell} FROM {follows} WHERE {timed} "
            f"GROUP BY 1 HAVING count(DISTINCT follower_id) BETWEEN {MIN_FOLLOW_CELL} "
            f"AND {int(key_cap)})"
        )
    return queries


def bipartite_edges(
    staged: StagedDataset, index: pd.Index, key_cap: int
) -> tuple[np.ndarray, np.ndarray]:
    """(account row, key number) of every link, in a deterministic order."""
    queries = link_sql(staged, key_cap)
    if not queries:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    edges = (
        duckdb_connection()
        .sql(" UNION ALL ".join(f"({q})" for q in queries) + " ORDER BY key, account_id")
        .df()
    )
    rows = index.get_indexer(edges["account_id"].astype(str))
    keep = rows >= 0
    keys, _ = pd.factorize(edges["key"][keep], sort=True)
    return rows[keep].astype(np.int64), keys.astype(np.int64)


def account_graph(n: int, rows: np.ndarray, keys: np.ndarray) -> igraph.Graph:
    """The account graph weighted by shared keys: each key gives each of its accounts a
    total weight of 1, as a clique (weight 1/(n-1) per pair) when it has at most
    `CLIQUE_MAX` accounts, else as a star through a hub vertex (weight 1 per account), so the
    graph stays linear in the links."""
    links = pd.DataFrame({"row": rows, "key": keys})
    size = links.groupby("key")["row"].transform("size").to_numpy()
    small = links[(size > 1) & (size <= CLIQUE_MAX)]
    pairs = small.merge(small, on="key", suffixes=("_a", "_b"))
    pairs = pairs[pairs["row_a"] < pairs["row_b"]]
    pair_size = small.groupby("key")["row"].size().reindex(pairs["key"]).to_numpy()
    large = links[size > CLIQUE_MAX]
    hubs, _ = pd.factorize(large["key"], sort=True)
    edges = np.concatenate(
        [pairs[["row_a", "row_b"]].to_numpy(), np.column_stack([large["row"].to_numpy(), n + hubs])]
    ).astype(np.int64)
    weights = np.concatenate([1.0 / (pair_size - 1), np.ones(len(large))])
    graph = igraph.Graph(n=n + int(hubs.max(initial=-1)) + 1, edges=edges.tolist())
    graph.es["weight"] = weights.tolist()
    return graph


def _leiden(
    accounts: np.ndarray, edge_rows: np.ndarray, edge_keys: np.ndarray, rng: random.Random
) -> np.ndarray:
    """Leiden communities (modularity) of `accounts` on their part of the account graph."""
    local = pd.Index(accounts)
    mine = local.get_indexer(edge_rows) >= 0
    graph = account_graph(len(local), local.get_indexer(edge_rows[mine]), edge_keys[mine])
    previous = igraph.set_random_number_generator(rng)
    try:
        partition = graph.community_leiden(
            objective_function="modularity", weights="weight", n_iterations=-1
        )
    finally:
        igraph.set_random_number_generator(previous or random)
    return np.asarray(partition.membership[: len(local)])


def split_large(
    labels: np.ndarray, edge_rows: np.ndarray, edge_keys: np.ndarray, max_size: int, seed: int
) -> tuple[np.ndarray, int]:
    """Split every group larger than `max_size` into Leiden communities, again where needed;
    a group Leiden cannot split (no community structure) is cut into consecutive chunks."""
    rng, split = random.Random(seed), 0
    labels = labels.copy()
    for _ in range(MAX_SPLIT_ROUNDS):
        sizes = np.bincount(labels)
        large = np.flatnonzero(sizes > max_size)
        if len(large) == 0:
            break
        for group in large:
            accounts = np.flatnonzero(labels == group)
            parts = _leiden(accounts, edge_rows, edge_keys, rng)
            if len(np.unique(parts)) == 1:
                parts = np.arange(len(accounts)) // max_size
            labels[accounts] = labels.max() + 1 + parts
            split += 1
    else:  # still too large after every round: consecutive chunks
        for group in np.flatnonzero(np.bincount(labels) > max_size):
            accounts = np.flatnonzero(labels == group)
            labels[accounts] = labels.max() + 1 + np.arange(len(accounts)) // max_size
    _, labels = np.unique(labels, return_inverse=True)
    return labels, split


def account_groups(
    staged: StagedDataset,
    account_ids: pd.Series,
    *,
    key_cap: int = 200,
    max_share: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, GroupSummary]:
    """A validation group for each of `account_ids` and the summary of what was done."""
    index = pd.Index(account_ids.astype(str))
    n = len(index)
    edge_rows, edge_keys = bipartite_edges(staged, index, key_cap)
    n_keys = int(edge_keys.max(initial=-1)) + 1
    graph = coo_matrix(
        (np.ones(len(edge_rows)), (edge_rows, n + edge_keys)), shape=(n + n_keys,) * 2
    )
    _, components = connected_components(graph, directed=False)
    _, components = np.unique(components[:n], return_inverse=True)
    largest_component = int(np.bincount(components).max(initial=0))
    max_size = max(1, int(max_share * n))
    labels, split = split_large(components, edge_rows, edge_keys, max_size, seed)
    largest = int(np.bincount(labels).max(initial=0))
    summary = GroupSummary(
        n,
        int(labels.max(initial=-1)) + 1,
        largest,
        largest / max(n, 1),
        largest_component / max(n, 1),
        split,
        key_cap,
        max_share,
    )
    log.info("validation groups: %s", summary.sentence())
    return labels, summary
