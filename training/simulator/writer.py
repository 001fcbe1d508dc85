"""Writing tables to one dataset folder, or to train/ and test/ folders, in parquet or
CSV, a chunk at a time so memory stays bounded at any scale.

The world is written into a locked temporary folder beside the output and renamed onto it
only when complete (`features.io.atomic_folder`): a killed simulation leaves no folder
that validates, and an earlier world at the same place stays whole until then."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fanaudit.errors import UsageError
from fanaudit.features.io import atomic_folder

from .tables import SCHEMAS, TABLES

WORLD_ENTRIES = {f"{name}.{fmt}" for name in TABLES for fmt in ("parquet", "csv")} | {
    "train",
    "test",
    "worlds.json",
}


def check_replaceable(out_dir: Path) -> None:
    """A world replaces only an absent or empty folder, or an earlier world."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}: exists and is not a folder")
    if out_dir.is_dir():
        others = sorted(p.name for p in out_dir.iterdir() if p.name not in WORLD_ENTRIES)
        if others:
            raise UsageError(
                f"{out_dir}: holds files that are not a simulated world "
                f"({', '.join(others[:5])}); choose an empty or new folder"
            )


def _csv_ready(table: pa.Table) -> pa.Table:
    """Timestamps as ISO 8601 UTC strings ending in 'Z'."""
    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type):
            seconds = pc.cast(table.column(i), pa.timestamp("s", tz="UTC"))
            text = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%SZ")
            table = table.set_column(i, field.name, text)
    return table


class _FolderWriter:
    """Appends chunks of every table to one dataset folder."""

    def __init__(self, folder: Path, fmt: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._fmt = fmt
        self._writers = {}
        for name in TABLES:
            path = folder / f"{name}.{fmt}"
            if fmt == "parquet":
                self._writers[name] = pq.ParquetWriter(path, SCHEMAS[name], compression="zstd")
            else:
                empty = _csv_ready(SCHEMAS[name].empty_table())
                self._writers[name] = pacsv.CSVWriter(path, empty.schema)

    def write(self, name: str, table: pa.Table) -> None:
        if table.num_rows:
            self._writers[name].write_table(table if self._fmt == "parquet" else _csv_ready(table))

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()


class DatasetWriter:
    """One folder, or train/ and test/ with each account's rows on its account's side;
    rows owned by no account (owner -1: streamers) go to both sides."""

    def __init__(self, out_dir: Path, fmt: str, split: bool) -> None:
        self.out_dir = Path(out_dir)
        check_replaceable(Path(out_dir))
        self._publish = ExitStack()
        root = self._publish.enter_context(atomic_folder(Path(out_dir)))
        if split:
            self._folders = {
                "train": _FolderWriter(root / "train", fmt),
                "test": _FolderWriter(root / "test", fmt),
            }
        else:
            self._folders = {"all": _FolderWriter(root, fmt)}

    def write(
        self, name: str, table: pa.Table, owner: np.ndarray, in_test: np.ndarray | None
    ) -> None:
        if in_test is None or "all" in self._folders:
            self._folders["all"].write(name, table)
            return
        shared = owner < 0
        test = np.where(shared, False, in_test[np.maximum(owner, 0)])
        self._folders["test"].write(name, table.filter(pa.array(test | shared)))
        self._folders["train"].write(name, table.filter(pa.array(~test)))

    def close(self) -> None:
        """Finish every table and publish the world onto the output folder."""
        for folder in self._folders.values():
            folder.close()
        self._publish.close()

    def discard(self) -> None:
        """Drop the unpublished world; the output folder is left as it was."""
        self._publish.__exit__(RuntimeError, RuntimeError("discarded"), None)
