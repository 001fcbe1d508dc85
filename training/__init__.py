"""fanaudit: training (the simulator, cross-validation, calibration, MLflow runs)."""
