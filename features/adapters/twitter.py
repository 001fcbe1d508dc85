"""Twitter user objects (as the cresci sets publish them) onto the contract's accounts.

The nickname is the `screen_name` (the handle), not the display name: the handle is what
the other public sets describe (the honeypot's screen-name length, InstaFake's username),
and what bot sellers generate in bulk.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from fanaudit.features.adapters.base import (
    counts,
    first_bad,
    flags,
    source_error,
    texts,
    timestamps,
)

COUNTERS = {  # contract column <- Twitter field
    "followers_count": "followers_count",
    "following_count": "friends_count",
    "posts_count": "statuses_count",
    "listed_count": "listed_count",
    "favourites_count": "favourites_count",
}
FLAGS = {"default_profile": "default_profile", "is_private": "protected", "verified": "verified"}


def twitter_accounts(
    frame: pd.DataFrame,
    file: Path,
    rows: pd.Series,
    *,
    created_format: str,
    meanings: Mapping[str, bool | None],
) -> pd.DataFrame:
    """Contract accounts columns from a frame of Twitter user objects (all values text).

    `rows` is each record's row number in `file` (for errors); `meanings` maps the text of
    the set's boolean fields to True, False or unknown.
    """
    accounts = pd.DataFrame({"account_id": frame["id"].astype("string").str.strip()})
    bad = first_bad(~accounts["account_id"].str.fullmatch(r"[0-9]+").fillna(False))
    if bad is not None:
        raise source_error(
            file,
            int(rows.iloc[bad]),
            "id",
            f"{frame['id'].iloc[bad]!r} is not a numeric Twitter id",
        )
    accounts["created_at"] = timestamps(frame, "created_at", file, rows, created_format)
    accounts["nickname"] = texts(frame, "screen_name")
    no_avatar = flags(frame, "default_profile_image", file, rows, dict(meanings))
    accounts["has_avatar"] = ~no_avatar
    accounts["bio"] = texts(frame, "description")
    for column, field in COUNTERS.items():
        accounts[column] = counts(frame, field, file, rows)
    accounts["url"] = texts(frame, "url")
    accounts["language"] = texts(frame, "lang")
    for column, field in FLAGS.items():
        accounts[column] = flags(frame, field, file, rows, dict(meanings))
    return accounts
