"""cresci-2015 ("Fame for sale", Cresci et al. 2015): two of the paper's five sets.

`E13_users.csv` holds 1,481 human accounts (followers of the #elezioni2013 study) and
`INT_users.csv` 1,337 fake followers bought from one seller (intertwitter). Both are
Twitter user objects from a MySQL dump, where a true flag is `1` and a false one is empty.
There is no crawl time per account (the `updated` column is the dump's, two years later),
so ages are measured to the newest registration in the set, which is close to the 2013
crawl.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from fanaudit.features.adapters.base import (
    Adapter,
    Mapped,
    Protocol,
    PublishedResult,
    drop_conflicting_ids,
    first_bad,
    label_rows,
    source_error,
)
from fanaudit.features.adapters.twitter import twitter_accounts

CREATED_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # Fri Apr 06 10:58:22 +0000 2007
MYSQL_FLAGS = {"1": True, "0": False, "": False}
GROUPS = (  # file, expected is_fake, bot kind (None: humans), archetype
    ("E13_users.csv", "0", None, "E13"),
    ("INT_users.csv", "1", "bought_follower", "INT"),
)


def read_group(
    src: Path, file: str, is_fake: str, bot_kind: str | None, archetype: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    path = src / file
    if not path.is_file():
        raise source_error(path, None, None, "file is missing (is SRC the cresci-2015 folder?)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    rows = pd.Series(range(1, len(frame) + 1))
    wrong = first_bad(frame["is_fake"].str.strip() != is_fake)
    if wrong is not None:
        raise source_error(
            path,
            wrong + 1,
            "is_fake",
            f"{frame['is_fake'].iloc[wrong]!r} where every row of {file} should be {is_fake}",
        )
    accounts = twitter_accounts(
        frame, path, rows, created_format=CREATED_FORMAT, meanings=MYSQL_FLAGS
    )
    return accounts, label_rows(accounts["account_id"], bot_kind, archetype)


def read(src: Path) -> Mapped:
    parts = [read_group(Path(src), *group) for group in GROUPS]
    accounts = pd.concat([a for a, _ in parts], ignore_index=True)
    labels = pd.concat([lab for _, lab in parts], ignore_index=True)
    accounts, labels, notes = drop_conflicting_ids(accounts, labels, "cresci-2015")
    return Mapped(accounts, labels, notes)


ADAPTER = Adapter(
    name="cresci-2015",
    folder="cresci-2015",
    origin="Cresci et al., 'Fame for sale: efficient detection of fake Twitter followers', "
    "Decision Support Systems 2015 (arXiv 1509.04098); sets E13 and INT, from GitHub "
    "Bharti-Goyal/FakeTwitterDataset @ e3509f7",
    terms="research use; cite the paper",
    protocol=Protocol(folds=10, balanced=True),
    published=(
        PublishedResult(
            "Cresci 2015 random forest, profile features (Class A)",
            accuracy=0.987,
            mcc=0.967,
            roc_auc=0.995,
        ),
        PublishedResult(
            "Cresci 2015 random forest, all features",
            accuracy=0.994,
            f1=0.994,
            mcc=0.987,
            roc_auc=0.999,
        ),
        PublishedResult("TwiBot-22 reruns, best F1", f1=0.988),
        PublishedResult("Botometer public API (TwiBot-22)", f1=0.669),
    ),
    read=read,
)
