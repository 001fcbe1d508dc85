"""fanaudit: features."""
