"""The benchmark's world cache: simulated datasets (and what is derived from them) kept
on disk under benchmarks/.cache/, one folder per (scale, seed).

Each world folder holds:
  data/            the simulator's dataset folder (written once, never changed)
  world.json       the simulation summary and the time and memory it took
  staged/          the staged Parquet of data/ (from the `stage` stage)
  staged.pickle    the StagedDataset describing staged/
  features.parquet the feature table (from the `features` stage)
  model/           the model trained on the world (from the `train` stage; model-NAME/
                   with --train-config NAME.toml)
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
ACCOUNTS_PER_SCALE = 20_000
EVENT_TABLES = ("follows", "logins", "comments", "engagements", "orders")
SECRET = "fanaudit-benchmark-secret"  # pseudonyms only need to be stable across stages


@dataclass(frozen=True)
class World:
    """One cached simulated world and the paths of everything derived from it."""

    scale: float
    seed: int
    cache: Path = CACHE

    @property
    def folder(self) -> Path:
        return self.cache / f"world-scale{self.scale:g}-seed{self.seed}"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def summary_file(self) -> Path:
        return self.folder / "world.json"

    @property
    def staged_root(self) -> Path:
        return self.folder / "staged"

    @property
    def staged_file(self) -> Path:
        return self.folder / "staged.pickle"

    @property
    def features_file(self) -> Path:
        return self.folder / "features.parquet"

    def model_folder(self, train_config: Path | None = None) -> Path:
        """The model trained on this world with the default config or `train_config`."""
        return self.folder / (
            "model" if train_config is None else f"model-{Path(train_config).stem}"
        )

    def simulated(self) -> bool:
        return self.summary_file.is_file()

    def summary(self) -> dict:
        return json.loads(self.summary_file.read_text())

    def accounts(self) -> int:
        return (
            self.summary()["accounts"]
            if self.simulated()
            else round(self.scale * ACCOUNTS_PER_SCALE)
        )

    def events(self) -> int:
        if not self.simulated():
            return 0
        rows = self.summary()["rows"]
        return sum(rows.get(name, 0) for name in EVENT_TABLES)

    def staged(self):
        """The cached StagedDataset of this world (run the `stage` stage first)."""
        if not self.staged_file.is_file():
            raise FileNotFoundError(
                f"{self.staged_file}: run the 'stage' stage for scale {self.scale:g}"
            )
        return pickle.loads(self.staged_file.read_bytes())

    def save_staged(self, staged) -> None:
        self.staged_file.write_bytes(pickle.dumps(staged))
