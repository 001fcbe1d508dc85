"""Streaming, atomic output of scored chunks.

Chunks are appended to a temporary file in the output's folder (`features.io.AtomicFile`,
fanaudit's one atomic writer) and the file is moved into place only when the caller
commits, after every chunk is written and the counts reconcile. On Linux the file is
anonymous (O_TMPFILE) until then, so even a killed process leaves no trace; elsewhere a
hidden ``.NAME.*.part`` file that the next writer of the same output removes. CSV is
written as `features.io.frame_to_csv` writes it (text quoted, formulas guarded).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fanaudit.errors import path_error
from fanaudit.features.io import AtomicFile, frame_to_csv, output_format


class AtomicChunkWriter:
    """Write a table chunk by chunk to `path` (Parquet or CSV by extension); atomic on commit.

    Use as a context manager: leaving the block without `commit()` (an exception, a failed
    reconciliation) discards everything written, and `path` keeps whatever it held before.
    """

    def __init__(self, path: Path, schema: pa.Schema | None = None):
        self.path = Path(path)
        self.format = output_format(self.path)
        self._file = AtomicFile(self.path, anonymous=True)  # a kill leaves nothing
        self._raw: IO[bytes] = os.fdopen(self._file.fd, "wb", closefd=False)
        self._stream: IO[bytes] | gzip.GzipFile = (
            gzip.GzipFile(fileobj=self._raw, mode="wb")
            if self.path.name.lower().endswith(".gz")
            else self._raw
        )
        self._parquet: pq.ParquetWriter | None = None
        self._schema = schema
        self._header_written = False
        self.rows = 0
        self._closed = False

    def __enter__(self) -> AtomicChunkWriter:
        return self

    def __exit__(self, *exc) -> None:
        if not self._closed:
            self.discard()

    def write(self, chunk: pd.DataFrame) -> None:
        try:
            if self.format == "parquet":
                self._write_parquet(chunk)
            else:
                text = frame_to_csv(chunk, None, header=not self._header_written)
                assert text is not None  # no target given: pandas returns the text
                self._stream.write(text.encode("utf-8"))
                self._header_written = True
        except OSError as exc:
            raise path_error(exc, self.path, "write") from exc
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
        try:
            self._finish_streams()
        except OSError as exc:
            self.discard()
            raise path_error(exc, self.path, "write") from exc
        self._raw.close()
        self._closed = True
        return self._file.commit()

    def discard(self) -> None:
        """Drop everything written; `path` is untouched."""
        try:
            self._finish_streams()
        except Exception:  # the file is thrown away, a broken tail does not matter
            pass
        if not self._closed:
            self._closed = True
            self._raw.close()
        self._file.discard()

    def _finish_streams(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._stream is not self._raw:
            self._stream.close()
        self._raw.flush()
