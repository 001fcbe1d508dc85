"""FanauditClassifier passes scikit-learn's estimator checks and fits fanaudit's model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from fanaudit.training.estimator import FanauditClassifier

pytestmark = pytest.mark.slow


@parametrize_with_checks([FanauditClassifier(n_estimators=20, n_jobs=1)])
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_string_labels_missing_values_and_sklearn_tooling():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=400) > 0.5, "bot", "human")
    X[rng.random(X.shape) < 0.1] = np.nan  # "no data", as in the feature table
    clf = FanauditClassifier(n_estimators=30, n_jobs=1).fit(X, y)
    assert list(clf.classes_) == ["bot", "human"]
    proba = clf.predict_proba(X)
    assert proba.shape == (400, 2) and np.allclose(proba.sum(axis=1), 1)
    assert ((proba[:, 0] > 0.5) == (clf.predict(X) == "bot")).mean() == 1.0
    assert set(clf.verdicts(X)) <= {"human", "uncertain", "bot"}
    assert clf.get_params()["n_estimators"] == 30
    assert clf.set_params(n_estimators=10).n_estimators == 10
    auc = cross_val_score(
        FanauditClassifier(n_estimators=30, n_jobs=1), X, y, cv=3, scoring="roc_auc"
    )
    assert auc.mean() > 0.8
    explanation = clf.explain(X[:5])
    raw = clf.model_.raw_score(pd.DataFrame(X[:5], columns=list(clf.model_.feature_names)))
    np.testing.assert_allclose(
        explanation.base_values + explanation.values.sum(axis=1), raw, atol=1e-5
    )
