"""The registry of adapters, and importing a set: its accounts and labels written as a
dataset folder, with `import.json` saying which set it is, where it came from, under which
terms, and what the import dropped or repaired."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow.parquet as pq

from fanaudit.errors import PathError, UsageError
from fanaudit.features.adapters import (
    cresci2015,
    cresci2017,
    instafake,
    social_honeypot,
    weibo_spam,
)
from fanaudit.features.adapters.base import Adapter, accounts_table, contract_table, labels_table
from fanaudit.features.contract import FILE_SUFFIXES, TABLES
from fanaudit.features.io import atomic_target, write_text_atomic

ADAPTERS: dict[str, Adapter] = {
    a.ADAPTER.name: a.ADAPTER
    for a in (cresci2015, cresci2017, instafake, social_honeypot, weibo_spam)
}
IMPORT_INFO = "import.json"
WRITTEN = ("accounts.parquet", "labels.parquet")  # and the event tables of sets that have them


def get_adapter(name: str) -> Adapter:
    if name not in ADAPTERS:
        raise UsageError(f"unknown dataset {name!r}; known: {', '.join(ADAPTERS)}")
    return ADAPTERS[name]


@dataclass(frozen=True)
class ImportSummary:
    name: str
    out: Path
    accounts: int
    humans: int
    bots_by_kind: dict[str, int]
    notes: tuple[str, ...]


def other_tables(out: Path, written: tuple[str, ...] = WRITTEN) -> list[str]:
    """Table files in `out` an import would not overwrite (they would mix with it)."""
    return sorted(
        f"{name}{suffix}"
        for name in TABLES
        for suffix in FILE_SUFFIXES
        if (out / f"{name}{suffix}").exists() and f"{name}{suffix}" not in written
    )


def write_parquet_atomic(table, path: Path) -> None:
    with atomic_target(path) as tmp:
        pq.write_table(table, tmp)


def import_set(name: str, src: Path, out: Path) -> ImportSummary:
    """Read set `name` from folder `src` and write it as a dataset folder `out`."""
    adapter = get_adapter(name)
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise PathError(
            src, f"source folder does not exist (expected ../shared/datasets/{adapter.folder})"
        )
    mapped = adapter.read(src)
    written = WRITTEN + tuple(f"{table}.parquet" for table in mapped.events)
    clashing = other_tables(out, written) if out.is_dir() else []
    if clashing:
        raise UsageError(
            f"{out} already holds dataset tables ({', '.join(clashing)}); "
            "import into an empty folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(accounts_table(mapped.accounts), out / "accounts.parquet")
    write_parquet_atomic(labels_table(mapped.labels), out / "labels.parquet")
    for table, frame in mapped.events.items():
        write_parquet_atomic(contract_table(frame, TABLES[table]), out / f"{table}.parquet")
    bots = mapped.labels[mapped.labels["label"] == "bot"]
    summary = ImportSummary(
        name,
        out,
        len(mapped.accounts),
        int((mapped.labels["label"] == "human").sum()),
        dict(sorted(Counter(bots["bot_kind"]).items())),
        mapped.notes,
    )
    info = {
        "dataset": name,
        "source": str(src.resolve()),
        "origin": adapter.origin,
        "terms": adapter.terms,
        "accounts": summary.accounts,
        "humans": summary.humans,
        "bots_by_kind": summary.bots_by_kind,
        "notes": list(mapped.notes),
        "events": {table: len(frame) for table, frame in mapped.events.items()},
        "protocol": asdict(adapter.protocol),
    }
    write_text_atomic(json.dumps(info, indent=2, ensure_ascii=False) + "\n", out / IMPORT_INFO)
    return summary


def imported_adapter(folder: Path) -> Adapter | None:
    """The adapter a dataset folder was imported with, or None for any other folder."""
    path = Path(folder) / IMPORT_INFO
    if not path.is_file():
        return None
    return get_adapter(json.loads(path.read_text(encoding="utf-8"))["dataset"])
