"""Stress a simulated world's address graph: shared address pools that chain it together.

Real platforms' address graphs percolate: carrier NAT, campus and household addresses and
the proxy addresses that sellers reuse and people also pass through link most accounts
into one connected component (81% of the training accounts of one independent simulated
platform). `share_address_pools` adds that to a dataset folder written by `simulate`: a
pool of addresses, each passed through by a few dozen accounts of every label alike (a
proxy exit, a NAT gateway), so that grouped validation must cope with a graph it cannot
simply cut into connected components. Labels are untouched: a pool address is no signal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fanaudit.features.io import atomic_target

POOL_PREFIX = "100.64"  # the shared address space of carrier-grade NAT (RFC 6598)


@dataclass(frozen=True)
class PoolSummary:
    accounts_in_pools: int
    pool_addresses: int
    logins_added: int


def share_address_pools(
    folder: Path,
    *,
    seed: int,
    account_share: float = 0.6,
    accounts_per_address: int = 40,
    visits: int = 2,
) -> PoolSummary:
    """Add `visits` logins through pool addresses for `account_share` of the accounts that
    log in, with about `accounts_per_address` accounts behind each pool address. Each added
    login reuses one of the account's own logins (time, device, user agent), one hour later."""
    path = Path(folder) / "logins.parquet"
    table = pq.read_table(path)
    logins = table.to_pandas()
    rng = np.random.default_rng(seed)
    accounts = np.sort(logins["account_id"].astype(str).unique())
    chosen = rng.choice(accounts, int(round(account_share * len(accounts))), replace=False)
    n_addresses = max(1, int(round(len(chosen) * visits / accounts_per_address)))
    addresses = np.array([f"{POOL_PREFIX}.{i // 256}.{i % 256}" for i in range(n_addresses)])
    own = logins[logins["account_id"].isin(chosen)].sort_values(["account_id", "ts"], kind="stable")
    base = own.drop_duplicates("account_id", keep="first")
    added = pd.concat(
        [
            base.assign(
                ip=addresses[rng.integers(0, n_addresses, len(base))],
                ts=base["ts"] + pd.Timedelta(hours=visit + 1),
            )
            for visit in range(visits)
        ],
        ignore_index=True,
    )
    out = pa.concat_tables(
        [table, pa.Table.from_pandas(added, schema=table.schema, preserve_index=False)]
    )
    with atomic_target(path) as temporary:
        pq.write_table(out, temporary)
    return PoolSummary(len(chosen), n_addresses, len(added))
