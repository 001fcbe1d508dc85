"""The streamer audit report: one self-contained HTML page (plots embedded as PNG data
URIs) on the quality of a streamer's audience. It shows no raw address or device id:
only pseudonymised, aggregated facts ever reach it."""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from pathlib import Path

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from features.feature import Language  # noqa: E402
from features.registry import FEATURES_BY_NAME  # noqa: E402

TEMPLATES = Path(__file__).parent / "templates"
EXAMPLES = 8

TEXT = {
    "en": {
        "title": "Audience audit for {streamer}",
        "quality": "Audience quality",
        "real_share": "Estimated share of real followers",
        "verdicts": "Followers by verdict",
        "families": "What gives the suspicious followers away",
        "growth": "Follower growth",
        "examples": "Example suspicious followers",
        "account": "Account", "probability": "Bot probability", "verdict": "Verdict", "reasons": "Reasons",
        "bot": "bot", "human": "human", "uncertain": "uncertain",
        "summary": "About {bought:.0f}% of {n} followers look bought or automated "
                   "({bots} flagged as bots, {uncertain} uncertain).",
        "bursts": " Most of them arrived in {k} burst(s): {days}.",
        "model": "Model version {version}; thresholds: bot ≥ {bot:.2f}, human < {human:.2f}.",
        "none": "No follower was flagged.",
        "ci": "95% interval",
    },
    "zh": {
        "title": "{streamer} 的粉丝质量审计",
        "quality": "粉丝质量",
        "real_share": "真实粉丝估计占比",
        "verdicts": "按判定划分的粉丝",
        "families": "可疑粉丝的主要特征",
        "growth": "粉丝增长",
        "examples": "可疑粉丝示例",
        "account": "账号", "probability": "机器粉概率", "verdict": "判定", "reasons": "原因",
        "bot": "机器粉", "human": "真人", "uncertain": "不确定",
        "summary": "{n}个粉丝中约{bought:.0f}%疑似购买或自动化账号（{bots}个判定为机器粉，{uncertain}个不确定）。",
        "bursts": "其中大部分在{k}次集中涌入中到达：{days}。",
        "model": "模型版本 {version}；阈值：机器粉 ≥ {bot:.2f}，真人 < {human:.2f}。",
        "none": "没有粉丝被判定为可疑。",
        "ci": "95%区间",
    },
}


@dataclass(frozen=True)
class AudienceSummary:
    followers: int
    real_share: float
    real_share_ci: tuple[float, float]
    verdicts: dict[str, int]
    family_counts: dict[str, int]
    burst_days: list[str]


def real_share_interval(p: np.ndarray) -> tuple[float, tuple[float, float]]:
    """Expected share of humans from calibrated probabilities, with a normal 95% interval."""
    if len(p) == 0:
        return math.nan, (math.nan, math.nan)
    share = float(np.mean(1 - p))
    half = 1.96 * math.sqrt(float(np.sum(p * (1 - p)))) / len(p)
    return share, (max(0.0, share - half), min(1.0, share + half))


def dominant_family(top_features: str) -> str | None:
    import json

    items = json.loads(top_features) if top_features else []
    return items[0]["family"] if items else None


def follow_days(follows: pd.DataFrame) -> pd.Series:
    return follows["ts"].dt.tz_convert("Asia/Shanghai").dt.floor("D").value_counts().sort_index()


def burst_days(daily: pd.Series) -> list[pd.Timestamp]:
    """Days whose new-follower count is far above the streamer's usual day (median + 5 MAD)."""
    if daily.empty:
        return []
    median = daily.median()
    mad = (daily - median).abs().median()
    return list(daily.index[daily > median + 5 * max(mad, 1.0)])


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def growth_plot(follows: pd.DataFrame, scored: pd.DataFrame, bursts: list[pd.Timestamp]) -> str:
    merged = follows.merge(scored[["account_id", "verdict"]], left_on="follower_id", right_on="account_id")
    merged["day"] = merged["ts"].dt.tz_convert("Asia/Shanghai").dt.floor("D").dt.tz_localize(None)
    table = merged.pivot_table(index="day", columns="verdict", values="account_id", aggfunc="count",
                               fill_value=0).reindex(columns=["human", "uncertain", "bot"], fill_value=0)
    fig, ax = plt.subplots(figsize=(8, 3))
    bottom = np.zeros(len(table))
    for verdict, colour in (("human", "#4c9f70"), ("uncertain", "#e0b040"), ("bot", "#d0463c")):
        ax.bar(table.index, table[verdict], bottom=bottom, color=colour, label=verdict, width=0.8)
        bottom += table[verdict].to_numpy()
    for day in bursts:
        ax.axvline(day.tz_localize(None), color="black", linestyle=":", linewidth=1)
    ax.set(ylabel="new followers per day (China time)")
    ax.legend(loc="upper left")
    return _png(fig)


def score_histogram(p: np.ndarray, thresholds: tuple[float, float]) -> str:
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.hist(p, bins=40, range=(0, 1), color="#5477a8")
    for t in thresholds:
        ax.axvline(t, color="black", linestyle=":")
    ax.set(xlabel="bot probability", ylabel="followers")
    return _png(fig)


def summarise(scored: pd.DataFrame, follows: pd.DataFrame) -> AudienceSummary:
    p = scored["bot_probability"].to_numpy(dtype=float)
    share, ci = real_share_interval(p)
    flagged = scored[scored["verdict"] != "human"]
    families = flagged["top_features"].map(dominant_family).dropna().value_counts().to_dict()
    days = burst_days(follow_days(follows)) if not follows.empty else []
    return AudienceSummary(len(scored), share, ci, scored["verdict"].value_counts().to_dict(),
                           families, [d.strftime("%Y-%m-%d") for d in days])


def render_report(streamer: str, scored: pd.DataFrame, follows: pd.DataFrame, *,
                  model_version: str, thresholds: tuple[float, float], lang: Language = "en") -> str:
    """The report page as HTML. `follows` are the streamer's follow events (follower_id, ts)."""
    text = TEXT[lang]
    summary = summarise(scored, follows)
    bots, uncertain = summary.verdicts.get("bot", 0), summary.verdicts.get("uncertain", 0)
    sentence = text["summary"].format(bought=100 * (1 - summary.real_share), n=summary.followers,
                                      bots=bots, uncertain=uncertain)
    if summary.burst_days and bots:
        sentence += text["bursts"].format(k=len(summary.burst_days), days=", ".join(summary.burst_days))
    examples = scored[scored["verdict"] == "bot"].nlargest(EXAMPLES, "bot_probability")
    bursts = [pd.Timestamp(d) for d in summary.burst_days]
    plots = {"histogram": score_histogram(scored["bot_probability"].to_numpy(float), thresholds)}
    if not follows.empty:
        plots["growth"] = growth_plot(follows, scored, bursts)
    template = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                  autoescape=True).get_template("report.html.j2")
    return template.render(
        text=text, lang=lang, streamer=streamer, summary=summary, sentence=sentence, plots=plots,
        examples=examples.to_dict("records"),
        family_names={f.family: f.family.replace("_", " ") for f in FEATURES_BY_NAME.values()},
        footer=text["model"].format(version=model_version, bot=thresholds[1], human=thresholds[0]),
    )
