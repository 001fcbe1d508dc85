"""Load generator for `fanaudit serve`: single-account look-ups at a fixed request rate
(open loop: each request leaves at its scheduled time whether or not earlier ones have
been answered, and its latency counts from that time, so a slow server cannot hide its
queue), then batch look-ups back to back.

    python benchmarks/serve_load.py --url http://127.0.0.1:8000 --ids features.parquet
    python benchmarks/serve_load.py --features features.parquet --model MODEL   # starts one

Prints one Markdown table: the rate offered and achieved, p50/p90/p99/max latency of
single look-ups (with their top 3 reasons), and accounts per second of batch look-ups
(1,000 ids per request, with and without reasons). The client runs on the same machine
as the server and takes CPU from it: on 2 cores the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import requests

local = threading.local()


def session() -> requests.Session:
    if not hasattr(local, "session"):
        local.session = requests.Session()
    return local.session


def connection(url: str) -> http.client.HTTPConnection:
    """This thread's keep-alive connection: http.client costs the client far less CPU per
    request than requests, which matters when client and server share 2 cores."""
    if not hasattr(local, "connection"):
        host, port = url.removeprefix("http://").split(":")
        local.connection = http.client.HTTPConnection(host, int(port), timeout=30)
    return local.connection


def get_status(url: str, path: str) -> int:
    try:
        conn = connection(url)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        local.__dict__.pop("connection", None)
        raise


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    features: Path, model: str, tracking_uri: str | None
) -> tuple[subprocess.Popen, str, float]:
    """`fanaudit serve` in its own process; its URL and seconds until /health answered."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "fanaudit",
        "serve",
        "--features",
        str(features),
        "--model",
        model,
        "--port",
        str(port),
    ]
    if tracking_uri:
        command += ["--tracking-uri", tracking_uri]
    began = time.perf_counter()
    process = subprocess.Popen(command, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                return process, url, time.perf_counter() - began
        except requests.ConnectionError:
            time.sleep(0.2)


def single_lookups(
    url: str, ids: list[str], rate: float, seconds: float, workers: int = 16
) -> dict:
    """Open-loop GET /accounts/ID at `rate` per second for `seconds`."""
    count = int(rate * seconds)
    rng = np.random.default_rng(0)
    picks = [ids[i] for i in rng.integers(0, len(ids), count)]
    latencies = np.full(count, np.nan)
    errors = []
    start = time.perf_counter() + 0.5

    def one(i: int) -> None:
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        try:
            status = get_status(url, f"/accounts/{picks[i]}")
            if status != 200:
                errors.append(status)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
        latencies[i] = time.perf_counter() - scheduled

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - start
    ms = latencies * 1000
    return {
        "requests": count,
        "offered": rate,
        "achieved": count / elapsed,
        "errors": len(errors),
        "p50": np.nanpercentile(ms, 50),
        "p90": np.nanpercentile(ms, 90),
        "p99": np.nanpercentile(ms, 99),
        "max": np.nanmax(ms),
    }


def batch_lookups(url: str, ids: list[str], batch: int, seconds: float, top: int) -> dict:
    """POST /accounts with `batch` ids per request, back to back, for about `seconds`."""
    rng = np.random.default_rng(1)
    done, requests_sent = 0, 0
    began = time.perf_counter()
    while time.perf_counter() - began < seconds:
        picked = [ids[i] for i in rng.choice(len(ids), batch, replace=False)]
        response = session().post(
            f"{url}/accounts", json={"account_ids": picked, "top": top}, timeout=120
        )
        response.raise_for_status()
        done += len(response.json()["results"])
        requests_sent += 1
    elapsed = time.perf_counter() - began
    return {
        "requests": requests_sent,
        "accounts": done,
        "seconds": elapsed,
        "accounts_per_s": done / elapsed,
        "ms_per_request": elapsed / requests_sent * 1000,
    }


def run(url: str, ids: list[str], rate: float, seconds: float, batch: int) -> list[str]:
    for account in ids[:50]:  # warm up: first requests pay for lazy imports and caches
        get_status(url, f"/accounts/{account}")
    single = single_lookups(url, ids, rate, seconds)
    with_reasons = batch_lookups(url, ids, batch, seconds / 2, top=3)
    without = batch_lookups(url, ids, batch, seconds / 2, top=0)
    return [
        "| load | requests | rate offered/achieved | p50 ms | p90 ms | p99 ms | max ms "
        "| accounts/s | errors |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| GET /accounts/ID, top 3 reasons | {single['requests']:,} | {single['offered']:.0f} / "
        f"{single['achieved']:.1f} req/s | {single['p50']:.1f} | {single['p90']:.1f} | "
        f"{single['p99']:.1f} | {single['max']:.1f} | | {single['errors']} |",
        f"| POST /accounts, {batch:,} ids, top 3 reasons | {with_reasons['requests']:,} "
        "| back to back "
        f"| {with_reasons['ms_per_request']:.0f} (mean) | | | "
        f"| {with_reasons['accounts_per_s']:,.0f} | 0 |",
        f"| POST /accounts, {batch:,} ids, no reasons | {without['requests']:,} | back to back "
        f"| {without['ms_per_request']:.0f} (mean) | | | | {without['accounts_per_s']:,.0f} | 0 |",
    ]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (else one is started)")
    parser.add_argument(
        "--features",
        type=Path,
        required=True,
        help="the feature table served (account ids are drawn from it)",
    )
    parser.add_argument("--model", help="model URI or folder for the started server")
    parser.add_argument("--tracking-uri")
    parser.add_argument("--rate", type=float, default=100.0, help="single look-ups per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)
    ids = pq.read_table(args.features, columns=["account_id"]).column(0).to_pylist()
    process = None
    if args.url is None:
        process, url, startup = start_server(args.features, args.model, args.tracking_uri)
        print(f"server up in {startup:.1f} s ({len(ids):,} accounts)", file=sys.stderr)
    else:
        url = args.url
    try:
        print("\n".join(run(url, ids, args.rate, args.seconds, args.batch)))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main(sys.argv[1:])
