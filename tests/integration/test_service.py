"""`fanaudit serve` started as a real process on 127.0.0.1 and a free port, spoken to over
HTTP with a real client (requests): look-ups, posted feature vectors, health, and the
4xx answers for unknown ids, bad bodies and bodies that are too large. Answers are
checked against the library computing the same thing in this process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests

from fanaudit.features.jobs import write_features
from fanaudit.features.pipeline import ID
from fanaudit.models.explain import explain
from fanaudit.models.service import MAX_BATCH, MAX_BODY_BYTES
from fanaudit.models.store import load_model, use_tracking

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(features: Path, model_uri: str, tracking_uri: str, **env: str):
    """`fanaudit serve` as a process on a free port; its URL once /health answers."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fanaudit",
            "serve",
            "--features",
            str(features),
            "--model",
            model_uri,
            "--tracking-uri",
            tracking_uri,
            "--port",
            str(port),
        ],
        env=dict(os.environ) | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stdout.read()}")
            try:
                if requests.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server did not start in 240 s")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def served(trained, tmp_path_factory):
    features = tmp_path_factory.mktemp("serve") / "features.parquet"
    write_features(trained.world.path, features)
    model_uri = f"models:/fanaudit/{trained.run.version}"
    with server(features, model_uri, trained.tracking_uri) as url:
        use_tracking(trained.tracking_uri)
        loaded = load_model(model_uri)
        yield {
            "url": url,
            "features": pd.read_parquet(features),
            "model": loaded.model,
            "version": loaded.version,
            "path": features,
            "model_uri": model_uri,
            "tracking_uri": trained.tracking_uri,
        }


def expected(served, account: str) -> tuple[float, str, np.ndarray]:
    frame = served["features"]
    row = frame[frame[ID] == account]
    model = served["model"]
    probability = float(model.predict_proba(row)[0])
    verdict = str(model.thresholds.verdicts([probability])[0])
    return probability, verdict, explain(model, row).contributions[0]


def test_health_says_what_is_served(served):
    health = requests.get(f"{served['url']}/health", timeout=10).json()
    assert health["status"] == "ok" and health["accounts"] == len(served["features"])
    assert health["model_version"] == served["version"]
    assert health["features"] == str(served["path"])
    assert len(health["data_fingerprint"]) == 64
    assert health["thresholds"]["human_below"] < health["thresholds"]["bot_from"]


def test_an_account_look_up_answers_as_the_library_does(served):
    frame = served["features"]
    model = served["model"]
    flagged = frame[ID][model.thresholds.verdicts(model.predict_proba(frame)) == "bot"].iloc[0]
    answer = requests.get(
        f"{served['url']}/accounts/{flagged}", params={"top": 4}, timeout=10
    ).json()
    probability, verdict, contributions = expected(served, flagged)
    assert answer["account_id"] == flagged and answer["verdict"] == verdict == "bot"
    assert answer["bot_probability"] == pytest.approx(probability, abs=1e-6)
    assert 1 <= len(answer["reasons"]) <= 4
    names = list(model.feature_names)
    for reason in answer["reasons"]:
        assert reason["contribution"] > 0  # towards the verdict: bot
        own = contributions[names.index(reason["feature"])]
        assert reason["contribution"] == pytest.approx(own, abs=1e-6)
        assert reason["reason"]
    shares = [r["contribution"] for r in answer["reasons"]]
    assert shares == sorted(shares, reverse=True)
    from fanaudit.models.scoring import score_features

    scored = score_features(frame[frame[ID] == flagged], model, served["version"], which="none")
    if "bot_kind" in scored.columns:  # the kind, when the model has one, as scoring gives it
        assert answer["bot_kind"] == (scored["bot_kind"].iat[0] or None)
        if answer["bot_kind"] is not None:
            assert answer["kind_probability"] == pytest.approx(
                scored["kind_probability"].iat[0], abs=1e-6
            )
    chinese = requests.get(f"{served['url']}/accounts/{flagged}", params={"lang": "zh"}, timeout=10)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.json()["reasons"][0]["reason"])


def test_an_unknown_id_is_a_404_that_names_it(served):
    response = requests.get(f"{served['url']}/accounts/no-such-account", timeout=10)
    assert response.status_code == 404
    assert "'no-such-account' is not in the feature table" in response.json()["detail"]


def test_a_batch_answers_each_account_once_in_order(served):
    ids = served["features"][ID].tolist()[:300]
    asked = ids + ids[:5]
    response = requests.post(
        f"{served['url']}/accounts", json={"account_ids": asked, "top": 1}, timeout=30
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["account_id"] for r in results] == ids
    probability, verdict, _ = expected(served, ids[7])
    assert results[7]["verdict"] == verdict
    assert results[7]["bot_probability"] == pytest.approx(probability, abs=1e-6)
    refused = requests.post(
        f"{served['url']}/accounts", json={"account_ids": [ids[0], "ghost"]}, timeout=10
    )
    assert refused.status_code == 404 and "'ghost'" in refused.json()["detail"]
    partial = requests.post(
        f"{served['url']}/accounts",
        json={"account_ids": [ids[0], "ghost"], "skip_unknown": True},
        timeout=10,
    )
    assert partial.status_code == 200
    assert [r["account_id"] for r in partial.json()["results"]] == [ids[0]]
    assert partial.json()["unknown"] == ["ghost"]


def posted_row(frame: pd.DataFrame, position: int) -> dict:
    """One feature row as a JSON object: every value exactly, NaN as null."""
    return {
        k: (None if isinstance(v, float) and np.isnan(v) else v)
        for k, v in frame.iloc[position].to_dict().items()
    }


def test_a_posted_feature_vector_scores_as_its_looked_up_account(served):
    frame = served["features"]
    account = frame[ID].iloc[11]
    row = posted_row(frame, 11)
    response = requests.post(f"{served['url']}/score", json={"rows": [row]}, timeout=10)
    assert response.status_code == 200
    scored = response.json()["results"][0]
    looked_up = requests.get(f"{served['url']}/accounts/{account}", timeout=10).json()
    assert scored["account_id"] == account
    assert scored["bot_probability"] == pytest.approx(looked_up["bot_probability"], abs=1e-9)
    assert scored["verdict"] == looked_up["verdict"]
    assert scored["reasons"] == looked_up["reasons"]


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"rows": [{"following_count": 3}]}, 422, "missing feature(s)"),
        ({"rows": []}, 422, "rows"),
        ({"account_ids": ["x"]}, 422, "account_ids: Extra inputs are not permitted"),
    ],
)
def test_bad_score_bodies_are_422_with_a_clear_message(served, body, status, words):
    response = requests.post(f"{served['url']}/score", json=body, timeout=10)
    assert response.status_code == status and words in response.json()["detail"]


def test_unknown_features_and_non_numbers_are_refused(served):
    row = posted_row(served["features"], 0)
    bogus = requests.post(f"{served['url']}/score", json={"rows": [row | {"bogus": 1}]}, timeout=10)
    assert bogus.status_code == 422 and "unknown feature(s) bogus" in bogus.json()["detail"]
    text = requests.post(
        f"{served['url']}/score", json={"rows": [row | {"following_count": "many"}]}, timeout=10
    )
    assert text.status_code == 422 and "following_count" in text.json()["detail"]
    broken = requests.post(
        f"{served['url']}/accounts",
        data=b"{not json",
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]


def test_request_size_is_bounded(served):
    too_many = {"account_ids": ["x"] * (MAX_BATCH + 1)}
    response = requests.post(f"{served['url']}/accounts", json=too_many, timeout=10)
    assert response.status_code == 422 and "account_ids" in response.json()["detail"]
    huge = b'{"account_ids": ["' + b"x" * (MAX_BODY_BYTES + 10) + b'"]}'
    response = requests.post(
        f"{served['url']}/accounts",
        data=huge,
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413 and "larger than" in response.json()["detail"]

    def chunks():  # no Content-Length: the limit still holds while the body streams in
        for _ in range(40):
            yield b" " * 65_536

    streamed = requests.post(
        f"{served['url']}/accounts",
        data=chunks(),
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert streamed.status_code == 413
    assert requests.get(f"{served['url']}/health", timeout=10).status_code == 200


def test_the_api_is_documented(served):
    spec = requests.get(f"{served['url']}/openapi.json", timeout=10).json()
    assert {"/health", "/accounts/{account_id}", "/accounts", "/score"} <= set(spec["paths"])
    assert requests.get(f"{served['url']}/docs", timeout=10).status_code == 200


def health_of(url: str) -> dict:
    return requests.get(f"{url}/health", timeout=10).json()


def test_reasons_of_flagged_accounts_are_computed_once_and_looked_up(served, tmp_path):
    from fanaudit.features.cache import entries

    frame, model, url = served["features"], served["model"], served["url"]
    verdicts = model.thresholds.verdicts(model.predict_proba(frame))
    flagged = frame[ID][verdicts != "human"].tolist()
    human = frame[ID][verdicts == "human"].tolist()
    health = health_of(url)
    assert health["reasons"]["cached_accounts"] == len(flagged) > 0
    before = health["reasons"]["explained_on_request"]
    first = requests.get(f"{url}/accounts/{flagged[0]}", timeout=10).json()
    many = requests.post(
        f"{url}/accounts", json={"account_ids": flagged[:200], "top": 10}, timeout=30
    ).json()["results"]
    assert len(many) == 200 and any(len(a["reasons"]) > 3 for a in many)
    assert health_of(url)["reasons"]["explained_on_request"] == before  # no TreeSHAP
    requests.get(f"{url}/accounts/{human[0]}", timeout=10).raise_for_status()
    assert health_of(url)["reasons"]["explained_on_request"] == before + 1  # not cached
    # cached reasons are those the library computes for the account
    names = list(model.feature_names)
    for answer in [first, *many[:20]]:
        _, verdict, contributions = expected(served, answer["account_id"])
        assert answer["verdict"] == verdict != "human"
        for reason in answer["reasons"]:
            own = contributions[names.index(reason["feature"])]
            assert reason["contribution"] == pytest.approx(own, abs=1e-6) and own > 0
    # kept in the cache, beside the feature tables, under both fingerprints
    kept = [e for e in entries() if e.kind == "reasons" and e.key == health["reasons"]["key"]]
    assert len(kept) == 1 and kept[0].accounts == len(flagged) and kept[0].bytes > 0

    # a second start on the same table and model reads them: same answers
    with server(served["path"], served["model_uri"], served["tracking_uri"]) as again:
        reasons = health_of(again)["reasons"]
        assert reasons["from_cache"] and reasons["key"] == health["reasons"]["key"]
        assert requests.get(f"{again}/accounts/{flagged[0]}", timeout=10).json() == first

    # another table (one value changed) misses: computed afresh under another key
    changed = frame.copy()
    column = names[0]
    changed.loc[changed[ID] == flagged[0], column] = 12345.0
    other = tmp_path / "changed.parquet"
    from fanaudit.features.feature_table import table_info, write_feature_table

    write_feature_table(changed, other, table_info(served["path"]).fingerprint)
    with server(other, served["model_uri"], served["tracking_uri"]) as third:
        reasons = health_of(third)["reasons"]
        assert not reasons["from_cache"] and reasons["key"] != health["reasons"]["key"]

    # another model (other thresholds, so other verdicts) misses too
    folder = tmp_path / "model"
    from dataclasses import replace

    replace(model, thresholds=replace(model.thresholds, bot=model.thresholds.bot + 0.01)).save(
        folder
    )
    with server(served["path"], str(folder), served["tracking_uri"]) as fourth:
        reasons = health_of(fourth)["reasons"]
        assert not reasons["from_cache"] and reasons["key"] != health["reasons"]["key"]


def test_cached_reasons_are_bounded_like_the_rest_of_the_cache(served, tmp_path):
    from dataclasses import replace

    model = served["model"]
    with server(
        served["path"], served["model_uri"], served["tracking_uri"], FANAUDIT_CACHE_MAX_GB="0"
    ) as url:  # caching off: computed at start all the same, answered, not read
        health = health_of(url)
        assert health["reasons"]["cached_accounts"] > 0 and not health["reasons"]["from_cache"]
    # in a home of its own: two models' reasons, with room for one and a half
    home = tmp_path / "home"
    folders = [tmp_path / "model-a", tmp_path / "model-b"]
    for folder, bot in zip(folders, (0.0, 0.02), strict=True):
        thresholds = replace(model.thresholds, bot=model.thresholds.bot + bot)
        replace(model, thresholds=thresholds).save(folder)
    stored = home / "cache" / "reasons"
    with server(served["path"], str(folders[0]), served["tracking_uri"], FANAUDIT_HOME=str(home)):
        pass
    (first,) = stored.glob("*.npz")
    bound = 1.5 * first.stat().st_size / 2**30
    with server(
        served["path"],
        str(folders[1]),
        served["tracking_uri"],
        FANAUDIT_HOME=str(home),
        FANAUDIT_CACHE_MAX_GB=f"{bound:.12f}",
    ) as url:
        assert health_of(url)["reasons"]["cached_accounts"] > 0
    (second,) = stored.glob("*.npz")  # the least recently used entry went
    assert second != first and not first.with_suffix(".json").exists()
