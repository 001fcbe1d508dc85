"""A dataset folder loaded once: validated, typed and pseudonymised into a private staging
folder, with its feature table computed on first use and kept.

Every job (features, training, scoring, explanations, reports) accepts either a folder,
which it loads for the duration of the call, or a `Dataset`, which it reuses as is; so a
notebook or a pipeline that runs several of them validates and stages the data once.

    with Dataset.load("demo-out/dataset") as data:
        data.features()          # computed once, then reused
        data.labels()            # None without a labels table
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from fanaudit.features.loading import StagedDataset

Progress = Callable[[str], None]


class Dataset:
    """A validated, staged dataset folder and its (lazily computed) feature table.

    The staged copy lives in a private temporary folder until `close()` (or the end of a
    `with` block, or garbage collection). The feature table is shared between callers:
    treat it as read-only.
    """

    def __init__(self, staged: StagedDataset, resources: ExitStack | None = None):
        self.staged = staged
        self._features: pd.DataFrame | None = None
        stack = resources or ExitStack()
        self._finalizer = weakref.finalize(self, stack.close)

    @classmethod
    def load(
        cls, folder: str | Path, *, allow_unknown: bool = False, progress: Progress | None = None
    ) -> Dataset:
        """Validate and stage `folder`; a ContractError names every problem's file, row and
        column. With `allow_unknown`, accounts seen only in event tables are added."""
        stack = ExitStack()
        try:
            from fanaudit.features.cache import staged as cached_staged  # the staging cache

            staged = stack.enter_context(
                cached_staged(Path(folder), allow_unknown=allow_unknown, progress=progress)
            )
        except BaseException:
            stack.close()
            raise
        return cls(staged, stack)

    # -- what was loaded
    @property
    def path(self) -> Path:
        return self.staged.source

    @property
    def accounts(self) -> int:
        return self.staged.accounts

    @property
    def rows(self) -> dict[str, int]:
        """Rows per table present."""
        return self.staged.rows()

    @property
    def time_span(self) -> tuple[datetime | None, datetime | None]:
        return self.staged.first_event, self.staged.last_event

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.staged.warnings

    @property
    def fingerprint(self) -> str:
        """SHA-256 over the source files."""
        return self.staged.fingerprint

    def has(self, table: str) -> bool:
        return self.staged.has(table)

    # -- derived tables
    def features(self, progress: Progress | None = None) -> pd.DataFrame:
        """`account_id` and every registry feature, one row per account (computed once)."""
        if self._features is None:
            from fanaudit.features.cache import features_of  # computed once per data

            self._check_open()
            self._features = features_of(self.staged, progress=progress)
        return self._features

    def labels(self) -> pd.DataFrame | None:
        """account_id, label, bot_kind, archetype; None when the folder has no labels."""
        if not self.has("labels"):
            return None
        self._check_open()
        table = pq.read_table(self.staged.tables["labels"].staged)
        return table.select(["account_id", "label", "bot_kind", "archetype"]).to_pandas()

    # -- lifetime
    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError(f"dataset {self.path} is closed; load it again")

    def close(self) -> None:
        """Remove the staged copy (the feature table, once computed, stays usable)."""
        self._finalizer()

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{self.accounts:,} accounts"
        return f"Dataset({str(self.path)!r}, {state}, tables={sorted(self.staged.tables)})"


DataSource = Dataset | str | Path


@contextmanager
def opened(
    data: DataSource, *, allow_unknown: bool = False, progress: Progress | None = None
) -> Iterator[Dataset]:
    """`data` itself when it is a Dataset (left open), else the folder loaded for the block."""
    if isinstance(data, Dataset):
        data._check_open()
        yield data
        return
    with Dataset.load(data, allow_unknown=allow_unknown, progress=progress) as loaded:
        yield loaded
