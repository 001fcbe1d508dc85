"""Streaming, atomic output of scored chunks.

Chunks are appended to a temporary file in the output's folder and the file is moved into
place only when the caller commits, after every chunk is written and the counts reconcile.
On Linux the temporary file is anonymous (``O_TMPFILE``): it has no name until commit, so
even a killed process (SIGKILL, power loss) leaves neither a half-written output nor a
stray ``.part`` file. Elsewhere it is a hidden ``.NAME.*.part`` file removed on any error.
CSV text that a spreadsheet would run as a formula is neutralised (`features.io.csv_safe`).
"""

from __future__ import annotations

import gzip
import os
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fanaudit.features.io import csv_safe, output_format


def _anonymous_file(folder: Path) -> int | None:
    """A nameless file in `folder` (Linux O_TMPFILE), or None where unsupported."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o644)
    except OSError:  # filesystem without O_TMPFILE support
        return None


def _link_under_fresh_name(fd: int, folder: Path, prefix: str) -> Path:
    """Give the anonymous file `fd` a new hidden name in `folder` (never overwriting one)."""
    descriptors = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        while True:
            name = folder / f".{prefix}.{secrets.token_hex(6)}.part"
            try:  # linkat(..., AT_SYMLINK_FOLLOW): the way open(2) documents for O_TMPFILE
                os.link(str(fd), name, src_dir_fd=descriptors, follow_symlinks=True)
                return name
            except FileExistsError:
                continue
    finally:
        os.close(descriptors)


class AtomicChunkWriter:
    """Write a table chunk by chunk to `path` (Parquet or CSV by extension); atomic on commit.

    Use as a context manager: leaving the block without `commit()` (an exception, a failed
    reconciliation) discards everything written, and `path` keeps whatever it held before.
    """

    def __init__(self, path: Path, schema: pa.Schema | None = None):
        self.path = Path(path)
        self.format = output_format(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = _anonymous_file(self.path.parent)
        self._named: Path | None = None
        if self._fd is None:
            self._fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part",
                                              dir=self.path.parent)
            self._named = Path(name)
        self._raw: BinaryIO = os.fdopen(self._fd, "wb", closefd=False)
        self._stream: BinaryIO = (gzip.GzipFile(fileobj=self._raw, mode="wb")
                                  if self.path.name.lower().endswith(".gz") else self._raw)
        self._parquet: pq.ParquetWriter | None = None
        self._schema = schema
        self._header_written = False
        self.rows = 0
        self._closed = False

    def __enter__(self) -> "AtomicChunkWriter":
        return self

    def __exit__(self, *exc) -> None:
        if not self._closed:
            self.discard()

    def write(self, chunk: pd.DataFrame) -> None:
        if self.format == "parquet":
            self._write_parquet(chunk)
        else:
            text = csv_safe(chunk).to_csv(index=False, header=not self._header_written)
            self._stream.write(text.encode("utf-8"))
            self._header_written = True
        self.rows += len(chunk)

    def _write_parquet(self, chunk: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(chunk, schema=self._schema, preserve_index=False)
        if self._parquet is None:
            self._schema = table.schema
            self._parquet = pq.ParquetWriter(self._stream, self._schema)
        self._parquet.write_table(table)

    def commit(self) -> Path:
        """Finish the file and move it into place (replacing any old file at `path`)."""
        if self._parquet is None and not self._header_written:
            if self._schema is None:
                raise ValueError(f"{self.path}: nothing was written and no schema was given")
            self.write(self._schema.empty_table().to_pandas())  # an empty table, with its header
        self._finish_streams()
        os.fsync(self._fd)
        staging = self._named or _link_under_fresh_name(self._fd, self.path.parent, self.path.name)
        try:
            os.replace(staging, self.path)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise
        finally:
            self._close_fd()
        return self.path

    def discard(self) -> None:
        """Drop everything written; `path` is untouched."""
        try:
            self._finish_streams()
        except Exception:  # the file is thrown away, a broken tail does not matter
            pass
        self._close_fd()
        if self._named is not None:
            self._named.unlink(missing_ok=True)

    def _finish_streams(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._stream is not self._raw:
            self._stream.close()
        self._raw.flush()

    def _close_fd(self) -> None:
        if not self._closed:
            self._closed = True
            self._raw.close()
            os.close(self._fd)
