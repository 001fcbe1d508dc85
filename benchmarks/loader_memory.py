"""Peak memory of loading a large CSV: the loader streams, so peak RSS should stay nearly
flat while the file grows. For each size, writes a dataset folder whose `logins.csv` has
that many rows (10,000 accounts), stages it in a fresh process and prints the file size,
rows per second and the process's peak RSS.

    python benchmarks/loader_memory.py --rows 1000000 4000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ACCOUNTS = 10_000
# Peak RSS is VmHWM of the staging process itself: ru_maxrss would carry over the peak of
# the parent that forked it (Linux keeps it across exec), here the data generator's.
STAGE = """
import json, re, sys, time
from pathlib import Path
from fanaudit.features.loading import stage_dataset
started = time.perf_counter()
staged = stage_dataset(Path(sys.argv[1]), Path(sys.argv[2]))
seconds = time.perf_counter() - started
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
rows = staged.rows()["logins"]
print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mb": peak_kb / 1024}))
"""


def write_dataset(folder: Path, rows: int, seed: int = 0) -> Path:
    """accounts.csv and a `rows`-row logins.csv of random but valid values."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    ids = np.array([f"u{i:08d}" for i in range(ACCOUNTS)])
    pacsv.write_csv(pa.table({"account_id": ids}), folder / "accounts.csv")
    start = np.datetime64("2026-01-01T00:00:00")
    with pacsv.CSVWriter(
        folder / "logins.csv",
        pa.schema(
            [
                ("account_id", pa.string()),
                ("ts", pa.string()),
                ("ip", pa.string()),
                ("device_id", pa.string()),
            ]
        ),
    ) as out:
        for first in range(0, rows, 500_000):
            n = min(500_000, rows - first)
            seconds = rng.integers(0, 30 * 86_400, n)
            octets = rng.integers(1, 255, (n, 4)).astype(str)
            out.write_table(
                pa.table(
                    {
                        "account_id": ids[rng.integers(0, ACCOUNTS, n)],
                        "ts": np.datetime_as_string(
                            start + seconds.astype("timedelta64[s]")
                        ).astype(object)
                        + "Z",
                        "ip": np.char.add(
                            np.char.add(
                                np.char.add(octets[:, 0], "."), np.char.add(octets[:, 1], ".")
                            ),
                            np.char.add(np.char.add(octets[:, 2], "."), octets[:, 3]),
                        ),
                        "device_id": np.char.add("d", rng.integers(0, 50_000, n).astype(str)),
                    }
                )
            )
    return folder


def measure(rows: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = write_dataset(Path(tmp) / "data", rows)
        size = (data / "logins.csv").stat().st_size
        env = os.environ | {
            "FANAUDIT_SECRET": os.environ.get("FANAUDIT_SECRET", "benchmark-secret-0123456789")
        }
        result = subprocess.run(
            [sys.executable, "-c", STAGE, str(data), str(Path(tmp) / "staged")],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return json.loads(result.stdout.strip().splitlines()[-1]) | {"csv_mb": size / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000])
    args = parser.parse_args()
    print(f"{'rows':>10} {'CSV MB':>8} {'seconds':>8} {'rows/s':>10} {'peak RSS MB':>12}")
    for rows in args.rows:
        m = measure(rows)
        print(
            f"{m['rows']:>10,} {m['csv_mb']:>8.0f} {m['seconds']:>8.1f} "
            f"{m['rows'] / m['seconds']:>10,.0f} {m['peak_rss_mb']:>12.0f}"
        )


if __name__ == "__main__":
    main()
