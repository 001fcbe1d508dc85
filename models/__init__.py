"""fanaudit: models (loading, scoring, explaining and reporting; never training)."""
