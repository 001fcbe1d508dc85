"""Plots of single explanations: the SHAP waterfall of one account."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import shap  # noqa: E402

from models.artifact import FanauditModel  # noqa: E402
from models.explain import explain  # noqa: E402


def waterfall_png(model: FanauditModel, row: pd.DataFrame, path: Path, max_display: int = 12) -> Path:
    """A SHAP waterfall plot (raw log-odds) of one account's explanation, saved as PNG."""
    explanation = explain(model, row)
    values = shap.Explanation(values=explanation.contributions[0], base_values=explanation.base_value,
                              data=model.feature_matrix(row)[0], feature_names=list(model.feature_names))
    shap.plots.waterfall(values, max_display=max_display, show=False)
    fig = plt.gcf()
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)
