"""Leak-free validation groups: connected components of accounts that share an address,
a device or a follow burst.

Accounts of one purchase batch, one shared address cluster or one lockstep crew must not
sit on both sides of a split, or validation measures memory instead of skill. Accounts
are linked through shared login IPs (addresses used by at most `ip_cap` accounts, so a
single carrier NAT does not glue the whole platform together), shared devices, and
following the same target within the same 10 minutes; each connected component is one
group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from fanaudit.features.loading import StagedDataset, duckdb_connection

FOLLOW_CELL_SECONDS = 600
MIN_FOLLOW_CELL = 5


def link_sql(staged: StagedDataset, ip_cap: int) -> list[str]:
    """SQL queries yielding (account_id, key) edges; accounts sharing a key are linked."""
    queries = []
    if staged.has("logins"):
        logins = staged.source_sql("logins")
        queries.append(
            f"SELECT DISTINCT account_id, 'ip:' || ip AS key FROM {logins} WHERE ip IN ("
            f"SELECT ip FROM {logins} GROUP BY ip HAVING count(DISTINCT account_id) <= {ip_cap})")
        queries.append(f"SELECT DISTINCT account_id, 'dev:' || device_id AS key FROM {logins} "
                       "WHERE device_id IS NOT NULL")
    if staged.has("follows"):
        follows = staged.source_sql("follows")
        cell = (f"followee_id || ':' || CAST(floor(epoch(ts) / {FOLLOW_CELL_SECONDS}) AS BIGINT)")
        queries.append(
            f"SELECT DISTINCT follower_id AS account_id, 'f:' || {cell} AS key FROM {follows} "
            f"WHERE ts IS NOT NULL AND action = 'follow' AND {cell} IN ("
            f"SELECT {cell} FROM {follows} WHERE ts IS NOT NULL AND action = 'follow' "
            f"GROUP BY 1 HAVING count(*) >= {MIN_FOLLOW_CELL})")
    return queries


def account_groups(staged: StagedDataset, account_ids: pd.Series, ip_cap: int = 1000) -> np.ndarray:
    """A group number for each of `account_ids`: its connected component."""
    index = pd.Index(account_ids.astype(str))
    queries = link_sql(staged, ip_cap)
    if not queries:
        return np.arange(len(index))
    con = duckdb_connection()
    edges = con.sql(" UNION ALL ".join(f"({q})" for q in queries)).df()
    rows = index.get_indexer(edges["account_id"].astype(str))
    keep = rows >= 0
    key_codes, _ = pd.factorize(edges["key"][keep])
    n_accounts, n_keys = len(index), int(key_codes.max()) + 1 if len(key_codes) else 0
    # Bipartite graph accounts <-> keys; components over accounts.
    graph = coo_matrix((np.ones(keep.sum()), (rows[keep], n_accounts + key_codes)),
                       shape=(n_accounts + n_keys, n_accounts + n_keys))
    _, labels = connected_components(graph, directed=False)
    return labels[:n_accounts]
