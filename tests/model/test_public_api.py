"""The public API on a trained model: a dataset loaded once serves every step, typed
results, SHAP explanations as shap.Explanation, the scikit-learn classifier around a
trained model, the model name honoured, and a demo that leaves other models alone."""

from __future__ import annotations

import shutil

import matplotlib
import numpy as np
import pytest
import shap
from mlflow import MlflowClient

import fanaudit
from fanaudit.models.scoring import RequestError

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data(trained, tmp_path_factory):
    """The trained world loaded once, from a copy that is deleted right after loading: every
    step below must work from the staged data alone."""
    copy = tmp_path_factory.mktemp("api") / "world"
    shutil.copytree(trained.world.path, copy)
    loaded = fanaudit.load(copy)
    shutil.rmtree(copy)
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def model_uri(trained) -> str:
    return trained.run.model_uri


def test_load_once_then_features_score_explain_and_report(data, trained, model_uri, tmp_path):
    table = fanaudit.feature_table(data)
    assert table is fanaudit.feature_table(data)  # computed once
    assert len(table) == data.accounts == table["account_id"].nunique()
    scores = fanaudit.score(
        data,
        followers_of=trained.world.streamer,
        model=model_uri,
        tracking_uri=trained.tracking_uri,
    )
    assert isinstance(scores, fanaudit.Scores)
    assert scores.requested == len(scores.frame) == scores.frame["account_id"].nunique()
    assert sum(scores.verdicts.values()) == len(scores.frame)
    written = scores.write(tmp_path / "scores.csv")
    assert written.read_text().count("\n") == len(scores.frame) + 1
    report = fanaudit.report(
        data,
        trained.world.streamer,
        tmp_path / "report.html",
        model=model_uri,
        tracking_uri=trained.tracking_uri,
    )
    assert isinstance(report, fanaudit.ReportResult) and report.followers == scores.requested


def test_explanations_are_shap_explanations_that_add_up_and_plot(data, trained, model_uri):
    ids = list(fanaudit.feature_table(data)["account_id"][:4])
    explanation = fanaudit.explain(data, ids, model=model_uri, tracking_uri=trained.tracking_uri)
    assert isinstance(explanation, shap.Explanation)
    model = fanaudit.load_model(model_uri, tracking_uri=trained.tracking_uri).model
    rows = fanaudit.feature_table(data).set_index("account_id").loc[ids].reset_index()
    raw = model.raw_score(rows)
    np.testing.assert_allclose(
        explanation.base_values + explanation.values.sum(axis=1), raw, atol=1e-5
    )
    assert list(explanation.feature_names) == list(model.feature_names)
    shap.plots.waterfall(explanation[0], show=False)


def test_unknown_accounts_are_a_library_error_without_command_line_wording(
    data, trained, model_uri
):
    with pytest.raises(RequestError) as caught:
        fanaudit.score(
            data, accounts=["no-such-account"], model=model_uri, tracking_uri=trained.tracking_uri
        )
    assert "no-such-account" in str(caught.value) and "--" not in str(caught.value)
    with pytest.raises(RequestError) as caught:
        fanaudit.score(
            data,
            accounts=["a"],
            followers_of="b",
            model=model_uri,
            tracking_uri=trained.tracking_uri,
        )
    assert "--" not in str(caught.value)


def test_classifier_around_a_trained_model_matches_it(data, trained, model_uri):
    model = fanaudit.load_model(model_uri, tracking_uri=trained.tracking_uri).model
    table = fanaudit.feature_table(data)
    clf = fanaudit.FanauditClassifier.from_model(model)
    proba = clf.predict_proba(table)
    bot = list(clf.classes_).index("bot")
    np.testing.assert_allclose(proba[:, bot], model.predict_proba(table))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (clf.verdicts(table) == model.thresholds.verdicts(model.predict_proba(table))).all()


def test_train_on_a_loaded_dataset_registers_under_the_chosen_name(data, trained):
    run = fanaudit.train(
        data,
        n_estimators=20,
        n_folds=2,
        bootstrap=0,
        seed=3,
        model_name="fanaudit-api-test",
        tracking_uri=trained.tracking_uri,
    )
    assert isinstance(run, fanaudit.RunResult)
    assert run.model_uri == f"models:/fanaudit-api-test/{run.version}"
    assert run.champion and run.version == "1"  # the name's first version
    loaded = fanaudit.load_model(run.model_uri, tracking_uri=trained.tracking_uri)
    assert loaded.version == run.version
    champion = MlflowClient(trained.tracking_uri).get_model_version_by_alias("fanaudit", "champion")
    assert str(champion.version) == trained.run.version  # the other model was not touched


def test_demo_in_a_store_it_did_not_create_moves_no_alias(trained, tmp_path):
    from fanaudit.demo import DEMO_MODEL_NAME, run_demo

    client = MlflowClient(trained.tracking_uri)
    before = str(client.get_model_version_by_alias("fanaudit", "champion").version)
    result = run_demo(tmp_path / "demo", scale=0.1, seed=3, tracking_uri=trained.tracking_uri)
    assert result.model_name == DEMO_MODEL_NAME != "fanaudit"
    assert not result.champion
    assert str(client.get_model_version_by_alias("fanaudit", "champion").version) == before
    assert not client.get_registered_model(DEMO_MODEL_NAME).aliases
    assert result.scores.is_file() and result.report.is_file()
