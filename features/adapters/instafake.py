"""InstaFake (Akyon & Kalfaoglu, arXiv 1910.03090; GitHub fcakyon/instafake-dataset @ cf669b2).

The fake-account set: `fake-v1.0_fakeAccountData.json` (200 fake accounts) and
`fake-v1.0_realAccountData.json` (994 real ones), each a JSON list of Instagram profile
counters without ids, names or dates. Ids are made from the file and the record's position
(`fake-17` is the 17th record of the fake file). The username and biography are published
as lengths only, so they go to `nickname_chars`, `nickname_digits` and `bio_chars`. Records
are kept as published, identical ones included (29 among the real accounts).

The automated-account set is not mapped: only its non-automated (negative) class is
published (`automated-v1.0_nonautomatedAccountData.json`), so it has nothing to detect.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fanaudit.features.adapters.base import (
    Adapter,
    Mapped,
    Protocol,
    counts,
    first_bad,
    label_rows,
    source_error,
)

GROUPS = (  # file, id prefix, expected isFake, bot kind (None: humans)
    ("fake-v1.0_realAccountData.json", "real", 0, None),
    ("fake-v1.0_fakeAccountData.json", "fake", 1, "fake"),
)
COUNTERS = {  # contract column <- InstaFake key
    "followers_count": "userFollowerCount",
    "following_count": "userFollowingCount",
    "posts_count": "userMediaCount",
    "nickname_chars": "usernameLength",
    "nickname_digits": "usernameDigitCount",
    "bio_chars": "userBiographyLength",
}
FLAGS = {"has_avatar": "userHasProfilPic", "is_private": "userIsPrivate"}


def read_records(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise source_error(path, None, None, "file is missing (is SRC the instafake folder?)")
    records = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise source_error(path, None, None, "expected a JSON list of account objects")
    frame = pd.DataFrame.from_records(records)
    needed = [*COUNTERS.values(), *FLAGS.values(), "isFake"]
    missing = [key for key in needed if key not in frame.columns]
    if missing:
        raise source_error(path, None, missing[0], "key is missing from the account objects")
    row = first_bad(frame[needed].isna().any(axis=1))
    if row is not None:
        raise source_error(
            path, row + 1, frame.iloc[row][needed].isna().idxmax(), "value is missing"
        )
    return frame


def read_group(
    src: Path, file: str, prefix: str, is_fake: int, bot_kind: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    path = src / file
    frame = read_records(path)
    rows = pd.Series(range(1, len(frame) + 1))
    wrong = first_bad(frame["isFake"] != is_fake)
    if wrong is not None:
        raise source_error(
            path,
            wrong + 1,
            "isFake",
            f"{frame['isFake'].iloc[wrong]!r} where every record should be {is_fake}",
        )
    accounts = pd.DataFrame({"account_id": [f"{prefix}-{n}" for n in rows]})
    for column, key in COUNTERS.items():
        accounts[column] = counts(frame, key, path, rows)
    for column, key in FLAGS.items():
        value = counts(frame, key, path, rows)
        row = first_bad(value > 1)
        if row is not None:
            raise source_error(path, row + 1, key, f"{frame[key].iloc[row]!r} is not 0 or 1")
        accounts[column] = value.astype("boolean")
    return accounts, label_rows(accounts["account_id"], bot_kind, prefix)


def read(src: Path) -> Mapped:
    parts = [read_group(Path(src), *group) for group in GROUPS]
    return Mapped(
        pd.concat([a for a, _ in parts], ignore_index=True),
        pd.concat([lab for _, lab in parts], ignore_index=True),
    )


ADAPTER = Adapter(
    name="instafake",
    folder="instafake",
    origin="Akyon & Kalfaoglu, 'Instagram fake and automated account detection' "
    "(arXiv 1910.03090), fake-account set, from GitHub fcakyon/instafake-dataset @ cf669b2",
    terms="CC BY-NC 4.0",
    protocol=Protocol(folds=10, balanced=False),
    published=(),
    read=read,
)
