"""MLflow "models from code" entry point: the pyfunc that `mlflow.pyfunc.load_model`
returns for a registered fanaudit model. It predicts calibrated bot probabilities.

Nothing is unpickled: the booster is read from LightGBM's text format and the
calibration and thresholds from JSON (see `models.artifact`).
"""

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

from fanaudit.models.artifact import FanauditModel


class FanauditPyfunc(PythonModel):
    """predict(feature frame) -> DataFrame with one column, `bot_probability`."""

    def load_context(self, context):
        self.model = FanauditModel.load(context.artifacts["fanaudit"])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        return pd.DataFrame({"bot_probability": self.model.predict_proba(model_input)})


mlflow.models.set_model(FanauditPyfunc())
