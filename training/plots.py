"""Training plots logged as MLflow artifacts: PR curve, calibration curve, confusion
matrix, SHAP summary."""

from __future__ import annotations

from pathlib import Path

# No backend is forced here (that would break a notebook's inline plots): the command line
# and the tests choose Agg, and matplotlib falls back to Agg without a display anyway.
import matplotlib.pyplot as plt
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402

from fanaudit.models.artifact import Thresholds  # noqa: E402

SHAP_SAMPLE = 2000


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def pr_curve_plot(p: np.ndarray, y: np.ndarray, path: Path) -> Path:
    precision, recall, _ = precision_recall_curve(y, p)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(recall, precision)
    ax.set(
        xlabel="recall (bots caught)",
        ylabel="precision",
        title="Precision-recall, held-out folds",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    return _save(fig, path)


def calibration_plot(p: np.ndarray, y: np.ndarray, path: Path) -> Path:
    observed, predicted = calibration_curve(y, p, n_bins=10, strategy="quantile")
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfect")
    ax.plot(predicted, observed, marker="o", label="fanaudit")
    ax.set(
        xlabel="predicted bot probability",
        ylabel="observed bot share",
        title="Calibration, held-out folds",
    )
    ax.legend()
    return _save(fig, path)


def confusion_plot(p: np.ndarray, y: np.ndarray, thresholds: Thresholds, path: Path) -> Path:
    verdicts = thresholds.verdicts(p)
    table = pd.crosstab(
        pd.Series(np.where(y == 1, "bot", "human"), name="truth"),
        pd.Series(verdicts, name="verdict"),
    ).reindex(index=["human", "bot"], columns=["human", "uncertain", "bot"], fill_value=0)
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.imshow(table.to_numpy(), cmap="Blues")
    for (i, j), count in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, str(count), ha="center", va="center")
    ax.set_xticks(range(3), table.columns)
    ax.set_yticks(range(2), table.index)
    ax.set(xlabel="verdict", ylabel="truth", title="Verdicts on held-out folds")
    return _save(fig, path)


def shap_summary_plot(contributions: np.ndarray, X: pd.DataFrame, path: Path) -> Path:
    import shap

    shap.summary_plot(contributions, X, show=False, max_display=15)
    return _save(plt.gcf(), path)
