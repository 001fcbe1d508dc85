"""fanaudit: training."""
