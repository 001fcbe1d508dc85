"""The demo job: the main path end to end on the embedded defaults (fanaudit.demo).

It spans training and scoring, so it sits above both packages: scoring never imports the
trainer.

Simulate a platform, train and register a model in the local MLflow store, score the
followers of the most-followed streamer and write their audit report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fanaudit.models.jobs import report_streamer, score_folder
from fanaudit.models.store import champion_uri
from fanaudit.training.config import TrainConfig
from fanaudit.training.jobs import train_from_folder
from fanaudit.training.simulator import SimulationConfig, simulate


@dataclass(frozen=True)
class DemoResult:
    dataset: Path
    run_id: str
    version: str
    metrics: dict[str, float]
    streamer: str
    followers: int
    scores: Path
    report: Path
    tracking_uri: str


def run_demo(out_dir: Path, *, scale: float = 0.5, seed: int = 7, tracking_uri: str | None = None,
             progress: Callable[[str], None] | None = None) -> DemoResult:
    out_dir = Path(out_dir)
    say = progress or (lambda message: None)
    say("simulating a platform")
    world = simulate(SimulationConfig(seed=seed, scale=scale), out_dir / "dataset")
    say("training")
    run = train_from_folder(world.out_dir, TrainConfig(seed=seed), promote=True,
                            tracking_uri=tracking_uri, progress=progress)
    model_uri = f"models:/fanaudit/{run.version}"
    streamer = world.streamers[0]
    say(f"scoring the followers of {streamer}")
    scores = score_folder(world.out_dir, out_dir / "scores.csv", model_uri=model_uri,
                          streamer=streamer, tracking_uri=tracking_uri)
    say("writing the report")
    report = report_streamer(world.out_dir, streamer, out_dir / "report.html", model_uri=model_uri,
                             tracking_uri=tracking_uri)
    return DemoResult(world.out_dir, run.run_id, run.version, run.metrics, streamer, scores.scored,
                      scores.out, report.out, run.tracking_uri)
