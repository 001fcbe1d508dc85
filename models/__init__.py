"""fanaudit: models."""

from fanaudit.models import openmp  # noqa: F401  (before anything loads lightgbm)
