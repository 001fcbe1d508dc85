"""fanaudit: models."""
