"""MLflow "models from code" entry point: the pyfunc that `mlflow.pyfunc.load_model`
returns for a registered fanaudit model. It predicts calibrated bot probabilities and the
verdict (`human`, `uncertain` or `bot`) from the thresholds stored with the model, so a
caller of `mlflow models serve` gets the same verdict as `fanaudit score`.

Nothing is unpickled: the booster is read from LightGBM's text format and the
calibration and thresholds from JSON (see `models.artifact`).
"""

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

from fanaudit.models.artifact import FanauditModel


def predictions(model: FanauditModel, frame: pd.DataFrame) -> pd.DataFrame:
    """`bot_probability` and `verdict` for each row of a feature frame."""
    probability = model.predict_proba(frame)
    return pd.DataFrame(
        {
            "bot_probability": probability,
            "verdict": model.thresholds.verdicts(probability).astype(str),
        }
    )


class FanauditPyfunc(PythonModel):
    """predict(feature frame) -> DataFrame with `bot_probability` and `verdict`."""

    def load_context(self, context):
        self.model = FanauditModel.load(context.artifacts["fanaudit"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return predictions(self.model, model_input)


mlflow.models.set_model(FanauditPyfunc())
