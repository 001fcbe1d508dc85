"""fanaudit: models."""

from models import openmp  # noqa: F401  (before anything loads lightgbm)
