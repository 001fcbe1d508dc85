"""The social honeypot set (Lee, Eoff & Caverlee, 'Seven months with the devils', ICWSM
2011; GitHub mandysack/DeepLearningAnalyticsProject @ 79e1fe1).

`content_polluters.csv` and `legitimate_users.csv` have no header; their columns are
UserID, CreatedAt, CollectedAt, NumFollowings, NumFollowers, NumTweets, LenScreenName,
LenDescription and the label (1 polluter, 0 legitimate). Dates were re-saved as
M/D/YYYY H:MM and are taken as UTC. CollectedAt is when the profile was observed, so it
becomes `observed_at`: legitimate users were all collected in November 2009 and polluters
over the following months, so measuring ages to one common date would leak the label.
Ids that appear in both files are dropped (their label is ambiguous).
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
    drop_conflicting_ids,
    first_bad,
    label_rows,
    source_error,
    timestamps,
)

COLUMNS = (
    "UserID",
    "CreatedAt",
    "CollectedAt",
    "NumFollowings",
    "NumFollowers",
    "NumTweets",
    "LenScreenName",
    "LenDescription",
    "label",
)
DATE_FORMAT = "%m/%d/%Y %H:%M"
GROUPS = (  # file, expected label, bot kind (None: humans), archetype
    ("legitimate_users.csv", "0", None, "legitimate_user"),
    ("content_polluters.csv", "1", "content_polluter", "content_polluter"),
)
COUNTERS = {  # contract column <- honeypot column
    "following_count": "NumFollowings",
    "followers_count": "NumFollowers",
    "posts_count": "NumTweets",
    "nickname_chars": "LenScreenName",
    "bio_chars": "LenDescription",
}


def read_group(
    src: Path, file: str, label: str, bot_kind: str | None, archetype: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    path = src / file
    if not path.is_file():
        raise source_error(path, None, None, "file is missing (is SRC the social honeypot folder?)")
    frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding="utf-8")
    if frame.shape[1] != len(COLUMNS):
        raise source_error(
            path,
            None,
            None,
            f"has {frame.shape[1]} columns, expected {len(COLUMNS)}: {', '.join(COLUMNS)}",
        )
    frame.columns = list(COLUMNS)
    rows = pd.Series(range(1, len(frame) + 1))  # no header: row 1 is the first line
    wrong = first_bad(frame["label"].str.strip() != label)
    if wrong is not None:
        raise source_error(
            path,
            wrong + 1,
            "label",
            f"{frame['label'].iloc[wrong]!r} where every row of {file} should be {label}",
        )
    ids = frame["UserID"].str.strip()
    bad = first_bad(~ids.str.fullmatch(r"[0-9]+"))
    if bad is not None:
        raise source_error(
            path, bad + 1, "UserID", f"{frame['UserID'].iloc[bad]!r} is not a numeric id"
        )
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "created_at": timestamps(frame, "CreatedAt", path, rows, DATE_FORMAT),
            "observed_at": timestamps(frame, "CollectedAt", path, rows, DATE_FORMAT),
        }
    )
    for column, source in COUNTERS.items():
        accounts[column] = counts(frame, source, path, rows)
    return accounts, label_rows(accounts["account_id"], bot_kind, archetype)


def read(src: Path) -> Mapped:
    parts = [read_group(Path(src), *group) for group in GROUPS]
    accounts = pd.concat([a for a, _ in parts], ignore_index=True)
    labels = pd.concat([lab for _, lab in parts], ignore_index=True)
    accounts, labels, notes = drop_conflicting_ids(accounts, labels, "social honeypot")
    return Mapped(accounts, labels, notes)


ADAPTER = Adapter(
    name="social-honeypot",
    folder="caverlee-2011-social-honeypot",
    origin="Lee, Eoff & Caverlee, 'Seven months with the devils: a long-term study of content "
    "polluters on Twitter', ICWSM 2011, from GitHub mandysack/DeepLearningAnalyticsProject "
    "@ 79e1fe1",
    terms="CC BY-NC 3.0 US",
    protocol=Protocol(folds=10, balanced=False),
    published=(
        PublishedResult(
            "Lee 2011 random forest, tweet and network features",
            accuracy=0.984,
            f1=0.984,
            roc_auc=0.998,
        ),
        PublishedResult("Lee 2011, profile demographics alone", accuracy=0.762),
    ),
    read=read,
)
