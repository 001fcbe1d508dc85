"""The demo job: the main path end to end on the embedded defaults (fanaudit.demo).

It spans training and scoring, so it sits above both packages: scoring never imports the
trainer.

Simulate a family of randomised worlds and train and register a model on them in the local
MLflow store (the model a user without labels of their own gets), then simulate one more
randomised platform the model never saw, score the followers of its most-followed streamer
and write their audit report.

The demo is safe to run against a store that holds real models: it registers under its
own model name (`DEMO_MODEL_NAME`), scores by explicit version, and moves the `champion`
alias only in a store it created itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fanaudit.models.jobs import report_streamer, score_folder
from fanaudit.models.store import store_exists, use_tracking, version_uri
from fanaudit.training.config import TrainConfig
from fanaudit.training.jobs import train_from_folder
from fanaudit.training.simulator import randomised_configs, simulate, write_training_worlds

TRAINING_WORLDS = 3
TRAINING_SHARE = 0.4  # each training world is this share of the audited world


DEMO_MODEL_NAME = "fanaudit-demo"


@dataclass(frozen=True)
class DemoResult:
    dataset: Path
    training: Path
    run_id: str
    version: str
    metrics: dict[str, float]
    streamer: str
    followers: int
    scores: Path
    report: Path
    tracking_uri: str
    model_name: str = DEMO_MODEL_NAME
    champion: bool = False  # whether the demo moved its model's champion alias


def run_demo(
    out_dir: Path,
    *,
    scale: float = 0.5,
    seed: int = 7,
    tracking_uri: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    out_dir = Path(out_dir)
    say = progress or (lambda message: None)
    say(f"simulating {TRAINING_WORLDS} randomised worlds to train on")
    family = write_training_worlds(
        out_dir / "training", seed=seed, worlds=TRAINING_WORLDS, scale=scale * TRAINING_SHARE
    )
    say("simulating the platform to audit")
    world = simulate(randomised_configs(seed + 1, scale=scale)[0], out_dir / "dataset")
    say("training")
    own_store = not store_exists(use_tracking(tracking_uri))  # created by this demo
    run = train_from_folder(
        family.out_dir,
        TrainConfig(seed=seed, model_name=DEMO_MODEL_NAME),
        promote=own_store,
        first_is_champion=own_store,
        tracking_uri=tracking_uri,
        progress=progress,
    )
    model_uri = version_uri(run.version, DEMO_MODEL_NAME)
    streamer = world.streamers[0]
    say(f"scoring the followers of {streamer}")
    scores = score_folder(
        world.out_dir,
        out_dir / "scores.csv",
        model_uri=model_uri,
        streamer=streamer,
        tracking_uri=tracking_uri,
    )
    say("writing the report")
    report = report_streamer(
        world.out_dir,
        streamer,
        out_dir / "report.html",
        model_uri=model_uri,
        tracking_uri=tracking_uri,
    )
    return DemoResult(
        world.out_dir,
        family.out_dir,
        run.run_id,
        run.version,
        run.metrics,
        streamer,
        scores.scored,
        scores.out,
        report.out,
        run.tracking_uri,
        DEMO_MODEL_NAME,
        run.champion,
    )
