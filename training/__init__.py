"""fanaudit: training."""

import models.openmp  # noqa: F401  (before anything loads lightgbm)
