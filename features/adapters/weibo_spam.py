"""weibo-spam: Sina Weibo accounts hand-labelled spammer or not, with their timed posts.

From GitHub PsYear/weibo_spam @ 659ce8b (`spammer_order.csv` and `spider/weibo/*.txt`),
crawled in 2016, as laid out in `../shared/datasets/weibo-spam-dev`: `accounts.csv.gz`
(nickname and the profile's follower, following and post counters), `comments.csv.gz`
(each post with its UTC time, text and posting client; each account's posts are in its
own `room_id` `feed-ID`), `engagements.csv.gz` (bare reposts without words, as `share`)
and `labels.csv.gz` (`bot` for spammers). The files already follow the contract; the
import checks every column it maps, keeps the posting client, and labels spammers with
`bot_kind` `spammer`. Only the development half is published here; the other half is
kept apart to judge the model, so nothing in fanaudit is tuned to it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from fanaudit.features.adapters.base import (
    Adapter,
    Mapped,
    Protocol,
    PublishedResult,
    counts,
    first_bad,
    source_error,
    texts,
    timestamps,
)

TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
FILES = {
    "accounts": ("account_id", "nickname", "followers_count", "following_count", "posts_count"),
    "comments": ("account_id", "room_id", "ts", "text", "client"),
    "engagements": ("account_id", "room_id", "ts", "kind"),
    "labels": ("account_id", "label"),
}
LABELS = {"bot": "spammer", "human": "ordinary"}


def read_file(src: Path, name: str) -> tuple[pd.DataFrame, Path, pd.Series]:
    path = src / f"{name}.csv.gz"
    if not path.is_file():
        raise source_error(path, None, None, "file is missing (is SRC the weibo-spam-dev folder?)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in FILES[name] if c not in frame.columns]
    if missing:
        raise source_error(path, None, missing[0], "column is missing")
    rows = pd.Series(range(1, len(frame) + 1))
    empty = first_bad(frame["account_id"].str.strip() == "")
    if empty is not None:
        raise source_error(path, empty + 1, "account_id", "is empty")
    return frame, path, rows


def events(
    frame: pd.DataFrame, path: Path, rows: pd.Series, columns: tuple[str, ...]
) -> pd.DataFrame:
    out = pd.DataFrame({c: frame[c].str.strip() for c in ("account_id", "room_id")})
    out["ts"] = timestamps(frame, "ts", path, rows, TS_FORMAT)
    missing = first_bad(out["ts"].isna())
    if missing is not None:
        raise source_error(path, missing + 1, "ts", "is empty")
    for column in columns:
        out[column] = texts(frame, column) if column == "client" else frame[column]
    return out


def read(src: Path) -> Mapped:
    src = Path(src)
    frame, path, rows = read_file(src, "accounts")
    accounts = pd.DataFrame(
        {"account_id": frame["account_id"].str.strip(), "nickname": texts(frame, "nickname")}
    )
    for column in ("followers_count", "following_count", "posts_count"):
        accounts[column] = counts(frame, column, path, rows)

    frame, path, rows = read_file(src, "labels")
    bad = first_bad(~frame["label"].isin(list(LABELS)))
    if bad is not None:
        raise source_error(
            path, bad + 1, "label", f"{frame['label'].iloc[bad]!r} is not bot or human"
        )
    labels = pd.DataFrame(
        {
            "account_id": frame["account_id"].str.strip(),
            "label": frame["label"],
            "bot_kind": frame["label"].map({"bot": "spammer"}),
            "archetype": frame["label"].map(LABELS),
        }
    )

    frame, path, rows = read_file(src, "comments")
    comments = events(frame, path, rows, ("text", "client"))
    frame, path, rows = read_file(src, "engagements")
    engagements = events(frame, path, rows, ("kind",))
    bad = first_bad(engagements["kind"] != "share")
    if bad is not None:
        raise source_error(
            path,
            bad + 1,
            "kind",
            f"{engagements['kind'].iloc[bad]!r} where only 'share' (a bare repost) is expected",
        )
    notes = (
        (
            f"{len(comments):,} posts with their posting client and {len(engagements):,} "
            "bare reposts kept as comments and share engagements"
        ),
    )
    return Mapped(
        accounts, labels, notes, events={"comments": comments, "engagements": engagements}
    )


ADAPTER = Adapter(
    name="weibo-spam",
    folder="weibo-spam-dev",
    origin="Sina Weibo accounts hand-labelled spammer or not, crawled in 2016; GitHub "
    "PsYear/weibo_spam @ 659ce8b (spammer_order.csv, spider/weibo/*.txt); the "
    "development half (858 accounts)",
    terms="none stated; research use",
    protocol=Protocol(folds=5, balanced=False),
    published=(
        PublishedResult(
            "source project's 28 hand-made features, random forest, 5-fold CV over "
            "all 1,716 accounts (both halves)",
            roc_auc=0.947,
        ),
    ),
    read=read,
)
