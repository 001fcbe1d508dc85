"""Plots: the SHAP waterfall of one account, and the charts of the streamer audit report
(returned as PNG data URIs, so the report page is self-contained).

Chinese labels need a CJK font. The first one found among `CJK_FONTS` is used; on a
machine without any, charts of a Chinese report keep English labels rather than draw
empty boxes (the page text around them is still Chinese).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import matplotlib

# No backend is forced here (that would break a notebook's inline plots): the command line
# and the tests choose Agg, and matplotlib falls back to Agg without a display anyway.
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shap  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from fanaudit.features.feature import Language  # noqa: E402
from fanaudit.features.io import atomic_target  # noqa: E402
from fanaudit.models.artifact import FanauditModel  # noqa: E402
from fanaudit.models.explain import explain  # noqa: E402

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Heiti SC",
)
COLOURS = {
    "human": "#3f8f5f",
    "uncertain": "#e3a72f",
    "bot": "#c8423b",
    "bought": "#c8423b",
    "organic": "#3f8f5f",
    "mixed": "#e3a72f",
    "neutral": "#5b7db1",
}
GROWTH_WINDOW_DAYS = 60  # the growth chart shows at least the last two months, and every burst
DPI = 110


def waterfall_png(
    model: FanauditModel, row: pd.DataFrame, path: Path, max_display: int = 12
) -> Path:
    """A SHAP waterfall plot (raw log-odds) of one account's explanation, saved as PNG."""
    explanation = explain(model, row)
    values = shap.Explanation(
        values=explanation.contributions[0],
        base_values=explanation.base_value,
        data=model.feature_matrix(row)[0],
        feature_names=list(model.feature_names),
    )
    shap.plots.waterfall(values, max_display=max_display, show=False)
    fig = plt.gcf()
    fig.tight_layout()
    try:
        with atomic_target(Path(path)) as tmp:  # never a half-written PNG
            fig.savefig(tmp, dpi=DPI, format="png")
    finally:
        plt.close(fig)
    return Path(path)


# ------------------------------------------------------------------ fonts and output


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed CJK font, or None (rescans once if the font cache is stale)."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in known), None)
    if found:
        return found
    for entry in font_manager.FontManager().ttflist:  # fonts installed after the cache was built
        if entry.name in CJK_FONTS:
            font_manager.fontManager.addfont(entry.fname)
            return entry.name
    return None


def chart_language(lang: str) -> Language:
    """The language chart labels can be drawn in on this machine."""
    return "zh" if lang == "zh" and cjk_font() else "en"


def chart_style(lang: str):
    """A matplotlib style context for the report's charts in `lang` (see `chart_language`)."""
    font = cjk_font() if chart_language(lang) == "zh" else None
    families = ([font] if font else []) + ["DejaVu Sans"]
    return plt.rc_context(
        {
            "font.family": "sans-serif",
            "font.sans-serif": families,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.labelsize": 10,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "axes.unicode_minus": False,
        }
    )


def png_data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# ------------------------------------------------------------------ report charts


def verdict_bar(counts: dict[str, int], labels: dict[str, str]) -> str:
    """One horizontal bar split into real / uncertain / bot followers, with shares."""
    total = max(sum(counts.values()), 1)
    fig, ax = plt.subplots(figsize=(9, 0.55))
    left = 0.0
    for verdict in ("human", "uncertain", "bot"):
        width = counts.get(verdict, 0) / total
        ax.barh(0, width, left=left, color=COLOURS[verdict], height=1.0)
        if width >= 0.06:
            ax.text(
                left + width / 2,
                0,
                f"{labels[verdict]} {width:.0%}",
                ha="center",
                va="center",
                color="white",
                fontsize=10,
            )
        left += width
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.5, 0.5)
    ax.axis("off")
    return png_data_uri(fig)


def probability_histogram(
    p: np.ndarray, thresholds: tuple[float, float], labels: dict[str, str]
) -> str:
    fig, ax = plt.subplots(figsize=(4.6, 2.4))
    bins = np.linspace(0, 1, 41)
    ax.hist(p, bins=bins.tolist(), color=COLOURS["neutral"])
    for t in sorted(set(thresholds)):
        ax.axvline(t, color="#333", linestyle=":", linewidth=1)
    ax.set(xlabel=labels["probability_axis"], ylabel=labels["followers_axis"])
    if len(p) > 100:  # the few uncertain ones stay visible next to thousands of clear cases
        ax.set_yscale("symlog", linthresh=10)
    else:
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    return png_data_uri(fig)


def horizontal_bars(
    values: dict[str, float], xlabel: str, colour: str = COLOURS["bot"], as_percent: bool = False
) -> str:
    """Labelled horizontal bars, largest on top."""
    items = sorted(values.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(4.6, 0.32 * len(items) + 0.9))
    names, numbers = [k for k, _ in items], [v for _, v in items]
    ax.barh(names, numbers, color=colour, height=0.6)
    top = max(numbers, default=1) or 1
    for y, value in enumerate(numbers):
        text = f"{value:.0%}" if as_percent else f"{value:,.0f}"
        ax.text(value + top * 0.01, y, text, va="center", fontsize=8)
    ax.set_xlim(0, (1.0 if as_percent else top) * 1.12)
    if as_percent:
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(xlabel)
    return png_data_uri(fig)


def growth_window(daily: pd.DataFrame, burst_starts: list[date]) -> pd.DataFrame:
    """The days the growth chart shows: the last GROWTH_WINDOW_DAYS, widened to every burst."""
    if daily.empty:
        return daily
    last = daily.index[-1]
    start = min(
        [last - timedelta(days=GROWTH_WINDOW_DAYS - 1)]
        + [d - timedelta(days=3) for d in burst_starts]
    )
    return daily.loc[max(start, daily.index[0]) :]


def growth_chart(
    daily: pd.DataFrame, bursts: Sequence[tuple[date, date, str, str]], labels: dict[str, str]
) -> str:
    """New followers per day stacked by verdict; bursts shaded and labelled.

    `bursts` are (first day, last day, judgement, label).
    """
    shown = growth_window(daily, [b[0] for b in bursts])
    days = pd.to_datetime(pd.Index(shown.index))
    fig, ax = plt.subplots(figsize=(9, 3.2))
    bottom = np.zeros(len(shown))
    for verdict in ("human", "uncertain", "bot"):
        ax.bar(
            days,
            shown[verdict],
            bottom=bottom,
            color=COLOURS[verdict],
            label=labels[verdict],
            width=0.85,
        )
        bottom += shown[verdict].to_numpy()
    top = bottom.max(initial=1)
    for first, last, judgement, label in bursts:
        lo, hi = (
            pd.Timestamp(first) - pd.Timedelta(hours=14),
            pd.Timestamp(last) + pd.Timedelta(hours=14),
        )
        ax.axvspan(lo, hi, color=COLOURS[judgement], alpha=0.15, linewidth=0)
        ax.annotate(
            label,
            (pd.Timestamp(first), top),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
            color=COLOURS[judgement],
            annotation_clip=False,
        )
    ax.set_ylim(0, top * 1.15)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_ylabel(labels["new_followers_axis"])
    ax.xaxis.set_major_locator(
        mdates.DayLocator() if len(shown) <= 14 else mdates.AutoDateLocator(maxticks=10)
    )
    ax.xaxis.set_major_formatter(mdates.DateFormatter(labels["date_format"]))
    ax.legend(loc="upper left", ncol=3)
    return png_data_uri(fig)


def paired_bars(groups: dict[str, dict[str, float]], ylabel: str, as_percent: bool = True) -> str:
    """Side-by-side bars per metric for two groups, e.g. refund rate of flagged and real buyers.

    `groups` maps a group label to {metric label: value}; the first group is drawn red,
    the second green.
    """
    names = list(next(iter(groups.values())).keys())
    x = np.arange(len(names))
    width = 0.38
    fig, ax = plt.subplots(figsize=(4.6, 2.4))
    for offset, (group, colour) in zip(
        (-width / 2, width / 2),
        zip(groups, (COLOURS["bot"], COLOURS["human"]), strict=False),
        strict=False,
    ):
        values = [groups[group][n] for n in names]
        bars = ax.bar(x + offset, np.nan_to_num(values), width, color=colour, label=group)
        for bar, value in zip(bars, values, strict=False):
            if not np.isnan(value):
                text = f"{value:.0%}" if as_percent else f"{value:.1f}"
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_height(),
                    text,
                    ha="center",
                    va="bottom",
                    fontsize=8,
                )
    ax.set_xticks(x, names)
    if as_percent:
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_ylim(0, 1.0)
    ax.set_ylabel(ylabel)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    return png_data_uri(fig)


def delivery_chart(
    flows: pd.DataFrame, episodes: list[tuple[date, date, str]], labels: dict[str, str]
) -> str:
    """Flagged new followers per day (bars) and their share of the day's new followers
    (line, right axis); each delivery episode shaded and labelled with its pattern."""
    shown = growth_window(flows, [e[0] for e in episodes])
    days = pd.to_datetime(pd.Index(shown.index))
    fig, ax = plt.subplots(figsize=(9, 3.0))
    ax.bar(days, shown["flagged"], color=COLOURS["bot"], width=0.85, label=labels["flagged_new"])
    top = max(float(shown["flagged"].max()), 1.0)
    for first, last, label in episodes:
        lo = pd.Timestamp(first) - pd.Timedelta(hours=14)
        hi = pd.Timestamp(last) + pd.Timedelta(hours=14)
        ax.axvspan(lo, hi, color=COLOURS["bought"], alpha=0.10, linewidth=0)
        ax.annotate(
            label,
            (pd.Timestamp(first), top * 1.12),
            xytext=(3, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=8,
            color=COLOURS["bought"],
            annotation_clip=False,
        )
    ax.set_ylim(0, top * 1.18)
    ax.set_ylabel(labels["flagged_new"])
    share = shown["flagged"] / shown["new"].where(shown["new"] > 0)
    right = ax.twinx()
    right.plot(days, share, color="#333", linewidth=1.2, label=labels["flagged_share"])
    right.set_ylim(0, 1.05)
    right.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    right.set_ylabel(labels["flagged_share"])
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter(labels["date_format"]))
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False)
    return png_data_uri(fig)


def cumulative_chart(flows: pd.DataFrame, labels: dict[str, str]) -> str:
    """Cumulative follows and unfollows of the streamer over the whole span (all and flagged)."""
    days = pd.to_datetime(pd.Index(flows.index))
    fig, ax = plt.subplots(figsize=(9, 2.8))
    for column, colour, style in (
        ("new", COLOURS["neutral"], "-"),
        ("flagged", COLOURS["bot"], "-"),
        ("left", COLOURS["neutral"], "--"),
        ("flagged_left", COLOURS["bot"], "--"),
    ):
        ax.plot(
            days,
            flows[column].cumsum(),
            color=colour,
            linestyle=style,
            linewidth=1.6,
            label=labels[f"cumulative_{column}"],
        )
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_ylabel(labels["followers_axis"])
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.legend(loc="upper left", ncol=2, fontsize=8)
    return png_data_uri(fig)


def peers_chart(shares: tuple[float, ...], own: float, labels: dict[str, str]) -> str:
    """The peers' fake shares as dots on one line, the streamer's as a red bar."""
    fig, ax = plt.subplots(figsize=(9, 1.3))
    rng = np.random.default_rng(0)
    ax.scatter(
        shares,
        rng.uniform(-0.25, 0.25, len(shares)),
        color=COLOURS["neutral"],
        s=22,
        alpha=0.8,
        label=labels["peers_dots"],
    )
    ax.axvline(own, color=COLOURS["bot"], linewidth=2.5, label=labels["peers_own"])
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.set_xlim(0, max(max(shares, default=0), own) * 1.1 + 0.02)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel(labels["peers_axis"])
    ax.legend(loc="upper right", fontsize=8, ncol=2)
    return png_data_uri(fig)
