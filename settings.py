"""One settings object for the whole package: defaults, then an optional config file, then
``FANAUDIT_*`` environment variables, then explicit options (keyword arguments) on top.

    >>> from fanaudit.settings import Settings
    >>> Settings(model_name="fanaudit-staging").model_name
    'fanaudit-staging'

The config file is TOML with the same keys as the fields below, read from
``$FANAUDIT_CONFIG`` or, when that is unset, from ``config.toml`` in fanaudit's home folder
if it exists. Two settings also take the variable their library documents
(``MLFLOW_TRACKING_URI``, ``SPARK_MASTER``); the ``FANAUDIT_*`` name wins when both are set.

Reading settings changes nothing. The process-wide environment that native libraries read
when they load (OpenMP's wait policy) and MLflow's HTTP limits are applied only by an
explicit call, `fanaudit.runtime.prepare`, which the command line and the public API make
before LightGBM loads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "FANAUDIT_CONFIG"
CONFIG_FILE = "config.toml"


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def default_home() -> Path:
    return Path.home() / ".fanaudit"


def config_file() -> Path | None:
    """The config file to read: $FANAUDIT_CONFIG, else HOME/config.toml when it exists."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        if not Path(explicit).is_file():
            raise FileNotFoundError(f"{explicit}: config file named by ${CONFIG_ENV} not found")
        return Path(explicit)
    home = Path(os.environ.get("FANAUDIT_HOME") or default_home())
    candidate = home / CONFIG_FILE
    return candidate if candidate.is_file() else None


class Settings(BaseSettings):
    """Where fanaudit keeps things and how it talks to MLflow, OpenMP and Spark."""

    model_config = SettingsConfigDict(
        env_prefix="FANAUDIT_", extra="forbid", frozen=True, populate_by_name=True
    )

    home: Path = Field(
        default_factory=default_home,
        description=(
            "fanaudit's home folder: the embedded MLflow store, the pseudonymisation secret."
        ),
    )
    secret: SecretStr | None = Field(
        None,
        description=(
            "Pseudonymisation secret (at least 16 characters); default: HOME/secret, made once."
        ),
    )
    tracking_uri: str | None = Field(
        None,
        validation_alias=_env("FANAUDIT_TRACKING_URI", "MLFLOW_TRACKING_URI"),
        description="MLflow tracking URI; default: the SQLite store HOME/mlflow.db.",
    )
    model_name: str = Field(
        "fanaudit", min_length=1, description="Registered model name that training and scoring use."
    )
    experiment: str = Field("fanaudit", min_length=1, description="MLflow experiment name.")
    # MLflow's HTTP limits (runtime.prepare applies them; MLFLOW_HTTP_REQUEST_* variables the
    # user set win). MLflow's defaults, 120 s and 7 retries with backoff 2, wait minutes.
    mlflow_http_timeout: int = Field(
        20, ge=1, description="Seconds one HTTP request to an MLflow server may take."
    )
    mlflow_http_retries: int = Field(
        2, ge=0, description="Retries of a failed HTTP request to an MLflow server."
    )
    mlflow_http_backoff: int = Field(
        1, ge=0, description="Backoff factor between retries (seconds, doubling)."
    )
    omp_wait_policy: Literal["PASSIVE", "ACTIVE"] = Field(
        "PASSIVE",
        description=(
            "OpenMP idle threads: PASSIVE sleeps (a shared machine), ACTIVE "
            "spins; an OMP_WAIT_POLICY already set wins."
        ),
    )
    spark_master: str | None = Field(
        None,
        validation_alias=_env("FANAUDIT_SPARK_MASTER", "SPARK_MASTER"),
        description="Spark master URL; default: spark-submit's, else local[*].",
    )
    spark_driver_memory: str = Field("4g", description="Driver memory of a local Spark session.")
    spark_log_level: str = Field("ERROR", description="Spark's log level.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def resolved_tracking_uri(self) -> str:
        return self.tracking_uri or f"sqlite:///{self.home / 'mlflow.db'}"


def current(**options: Any) -> Settings:
    """The settings in force now (file and environment read afresh), `options` on top;
    options that are None are ignored, so command-line defaults do not mask the rest."""
    return Settings(**{key: value for key, value in options.items() if value is not None})
