"""The reusable feature table and the staging/feature cache, on a real simulated world:
real files, the real loader and pipeline, the real command line; each test in its own
fanaudit home so the cache starts empty."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import fanaudit.features.cache as cache
from fanaudit.cli import app
from fanaudit.errors import EXIT_DATA, EXIT_USAGE
from fanaudit.features.feature_table import (
    REGISTRY_KEY,
    FeatureTableError,
    read_feature_table,
    table_info,
)
from fanaudit.features.jobs import write_features
from leak_search import address_leaks, hex_device_leaks
from fanaudit.features.loading import fingerprint_files, staged_dataset
from fanaudit.features.pipeline import ID, compute_features
from fanaudit.features.registry import registry_version

runner = CliRunner()


@pytest.fixture()
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    monkeypatch.setenv("FANAUDIT_HOME", str(folder))
    monkeypatch.delenv("FANAUDIT_CACHE_MAX_GB", raising=False)
    return folder


@pytest.fixture()
def stagings(monkeypatch):
    """How often the cache actually staged a folder (the real function, counted)."""
    calls = []
    real = cache.stage_dataset

    def counted(folder, out_root, **options):
        calls.append(folder)
        return real(folder, out_root, **options)

    monkeypatch.setattr(cache, "stage_dataset", counted)
    return calls


@dataclass(frozen=True)
class Warm:
    home: Path
    table: Path


@pytest.fixture(scope="module")
def warm(small_world, tmp_path_factory):
    """One feature table of the small world and the cache it left, shared by the tests
    that only read them (each computation costs seconds)."""
    folder = tmp_path_factory.mktemp("warm")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FANAUDIT_HOME", str(folder / "home"))
        patch.delenv("FANAUDIT_CACHE_MAX_GB", raising=False)
        write_features(small_world.path, folder / "features.parquet")
        yield Warm(folder / "home", folder / "features.parquet")


def changed_copy(world, tmp_path):
    """The world with one nickname changed: valid, same accounts, another fingerprint."""
    other = tmp_path / "other"
    shutil.copytree(world, other)
    accounts = pq.read_table(other / "accounts.parquet").to_pandas()
    accounts.loc[0, "nickname"] = "someone else"
    accounts.to_parquet(other / "accounts.parquet", index=False)
    return other


def test_the_feature_table_records_registry_version_and_data_fingerprint(small_world, warm):
    out = warm.table
    info = table_info(out)
    files = [p for p in small_world.path.iterdir() if p.suffix == ".parquet"]
    assert info.registry_version == registry_version()
    assert info.fingerprint == fingerprint_files(files) == cache.data_fingerprint(small_world.path)
    frame, _ = read_feature_table(out, fingerprint=info.fingerprint)
    accounts = pq.read_metadata(small_world.path / "accounts.parquet").num_rows
    assert len(frame) == accounts == info.accounts and frame[ID].is_unique
    assert frame[ID].is_monotonic_increasing
    with staged_dataset(small_world.path) as staged:  # the uncached path gives the same table
        fresh = compute_features(staged)
    pd.testing.assert_frame_equal(frame, fresh.sort_values(ID, ignore_index=True))


def test_a_table_of_another_registry_version_or_other_data_is_refused(small_world, warm, tmp_path):
    out = warm.table
    table = pq.read_table(out)
    stale = tmp_path / "stale.parquet"
    old_registry = table.schema.metadata | {REGISTRY_KEY: b"0123abcd0123"}
    pq.write_table(table.replace_schema_metadata(old_registry), stale)
    with pytest.raises(FeatureTableError, match="registry version 0123abcd0123.*recompute"):
        read_feature_table(stale)
    other = changed_copy(small_world.path, tmp_path)
    with pytest.raises(FeatureTableError, match="computed from data with fingerprint"):
        read_feature_table(out, fingerprint=cache.data_fingerprint(other), data_name=str(other))
    result = runner.invoke(
        app, ["explain", "--features", str(out), "--data", str(other), "--account", "u1"]
    )
    assert result.exit_code == EXIT_DATA and "fingerprint" in result.output
    assert str(other) in result.output
    bare = tmp_path / "bare.parquet"
    pq.write_table(table.replace_schema_metadata({}), bare)
    with pytest.raises(FeatureTableError, match="no registry version or data fingerprint"):
        read_feature_table(bare)
    csv = tmp_path / "features.csv"
    table.to_pandas().to_csv(csv, index=False)
    result = runner.invoke(app, ["score", "--features", str(csv), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == EXIT_DATA and "not a Parquet feature table" in result.output


def test_a_second_job_on_the_same_data_stages_nothing(small_world, home, tmp_path, stagings):
    messages = []
    write_features(small_world.path, tmp_path / "a.parquet", progress=messages.append)
    assert len(stagings) == 1 and not any("cache" in m for m in messages)
    messages.clear()
    write_features(small_world.path, tmp_path / "b.parquet", progress=messages.append)
    assert len(stagings) == 1
    assert any(m.startswith("staged tables from the cache") for m in messages)
    assert any(m.startswith("features from the cache") for m in messages)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "a.parquet"), pd.read_parquet(tmp_path / "b.parquet")
    )
    kinds = sorted(e.kind for e in cache.entries())
    assert kinds == ["features", "staged"]


def test_changed_data_or_another_secret_misses(small_world, home, tmp_path, stagings, monkeypatch):
    write_features(small_world.path, tmp_path / "a.parquet")
    write_features(changed_copy(small_world.path, tmp_path), tmp_path / "b.parquet")
    assert len(stagings) == 2
    monkeypatch.setenv("FANAUDIT_SECRET", "another-secret-of-enough-length")
    write_features(small_world.path, tmp_path / "c.parquet")
    assert len(stagings) == 3
    assert len({e.fingerprint for e in cache.entries()}) == 2 and len(cache.entries()) == 6


def test_the_cache_holds_no_raw_address_or_device(small_world, warm):
    logins = pq.read_table(small_world.path / "logins.parquet").to_pandas()
    ips = set(logins["ip"].dropna().astype(str))
    devices = set(logins["device_id"].dropna().astype(str))
    assert len(ips) > 100 and len(devices) > 100
    assert all(len(d) == 16 and set(d) <= set("0123456789abcdef") for d in devices)
    cached = [p for p in (warm.home / "cache").rglob("*") if p.is_file()]
    assert any(p.name.endswith(".parquet") and "logins" in p.parts for p in cached)
    for path in cached:
        text = path.read_bytes()
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            text += "\n".join(str(v) for c in table.columns for v in c.to_pylist()).encode()
        leaked = address_leaks(text, ips) | hex_device_leaks(text, devices)
        assert not leaked, (path, sorted(leaked)[:5])


def test_the_cache_is_bounded_and_never_removes_what_is_in_use(
    small_world, home, tmp_path, monkeypatch
):
    write_features(small_world.path, tmp_path / "a.parquet")
    assert len(cache.entries()) == 2
    monkeypatch.setenv("FANAUDIT_CACHE_MAX_GB", "0.000001")  # about 1 KiB: nothing fits
    other = changed_copy(small_world.path, tmp_path)
    with cache.staged(other) as staged:
        # the first world's entries went to make room; this staging, in use, stays
        assert [e.kind for e in cache.entries()] == ["staged"]
        assert cache.entries()[0].fingerprint == staged.fingerprint
        cache.features_of(staged)  # writing the features evicts everything not in use
        assert sorted(e.kind for e in cache.entries()) == ["features", "staged"]
    assert cache.enforce_limit() > 0 and cache.entries() == []


def test_cache_list_and_clear_on_the_command_line(small_world, home, tmp_path):
    write_features(small_world.path, tmp_path / "a.parquet")
    listed = runner.invoke(app, ["cache", "list"])
    assert listed.exit_code == 0 and "2 entries" in listed.output and "staged" in listed.output
    cleared = runner.invoke(app, ["cache", "clear", "--kind", "features"])
    assert cleared.exit_code == 0 and "removed 1 entries" in cleared.output
    assert [e.kind for e in cache.entries()] == ["staged"]
    assert runner.invoke(app, ["cache", "clear"]).exit_code == 0 and cache.entries() == []
    manifest_free = list((home / "cache").rglob("manifest.json"))
    assert manifest_free == []


def test_with_the_cache_off_nothing_is_kept(small_world, home, tmp_path, monkeypatch):
    monkeypatch.setenv("FANAUDIT_CACHE_MAX_GB", "0")
    write_features(small_world.path, tmp_path / "a.parquet")
    assert cache.entries() == []
    recorded = table_info(tmp_path / "a.parquet").fingerprint
    assert recorded == cache.data_fingerprint(small_world.path)
    monkeypatch.setenv("FANAUDIT_CACHE_MAX_GB", "lots")
    result = runner.invoke(
        app, ["features", "--data", str(small_world.path), "--out", str(tmp_path / "b.parquet")]
    )
    assert result.exit_code == EXIT_USAGE and "FANAUDIT_CACHE_MAX_GB" in result.output


def test_the_fingerprint_memo_notices_a_changed_file(small_world, home, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small_world.path, data)
    first = cache.data_fingerprint(data)
    accounts = pq.read_table(data / "accounts.parquet").to_pandas()
    accounts.loc[1, "nickname"] = "changed"
    accounts.to_parquet(data / "accounts.parquet", index=False)
    assert cache.data_fingerprint(data) != first
    assert cache.data_fingerprint(data) == fingerprint_files(
        [p for p in data.iterdir() if p.suffix == ".parquet"]
    )
    assert json.loads(json.dumps(first)) == first  # a plain hex string


@pytest.mark.slow
def test_the_demo_stages_once_and_computes_features_once(home, tmp_path, stagings, monkeypatch):
    """Simulate, train, score and report: one staging and one feature computation per
    dataset (the cache
    imports the pipeline's function when it needs it, so the count sees every call)."""
    from fanaudit.demo import run_demo

    import fanaudit.features.pipeline as pipeline

    computed, original = [], pipeline.compute_features

    def counted(staged, **options):
        computed.append(staged.fingerprint)
        return original(staged, **options)

    monkeypatch.setattr(pipeline, "compute_features", counted)
    result = run_demo(
        tmp_path / "demo", scale=0.1, seed=3, tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}"
    )
    # each world the demo touches (it may train on several) is staged and featurised once
    assert stagings and len(stagings) == len({str(p) for p in stagings})
    assert computed and len(computed) == len(set(computed))
    assert result.scores.is_file() and result.report.is_file()
