"""cresci-2017 account ids re-crawled from the Twitter API in April 2017 (GitHub
chloechen1995/Fake_Twitter_Account_Detection @ 56ed954).

`fake_users.csv` holds bought fake followers; `User_dataset.zip` holds the genuine
accounts and the social and traditional spambot groups, read from the zip directly (never
extracted). Flags are `True`/`False` (empty: unknown). Some records were written with raw
line breaks (CR) inside the profile text, which splits them over several lines; such a
record is re-joined, a line feed for each break, until it has the header's number of
fields. Every profile was observed at the re-crawl: the newest table's modification time in
the zip.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
from datetime import datetime, UTC
from pathlib import Path

import pandas as pd

from fanaudit.features.adapters.base import (
    Adapter,
    Mapped,
    Protocol,
    drop_conflicting_ids,
    label_rows,
    source_error,
)
from fanaudit.features.adapters.twitter import twitter_accounts

FAKE_FILE = "fake_users.csv"
ZIP_FILE = "User_dataset.zip"
GENUINE_MEMBER = "User dataset/genuine account.csv"
SPAMBOT_MEMBER = re.compile(
    r"User dataset/fake data/new (?P<group>(?P<kind>social|traditional)_spambots_\d+)\.csv"
)
CREATED_FORMAT = "%Y-%m-%d %H:%M:%S"
API_FLAGS = {"True": True, "False": False, "": None}
EXTENDED_TIMESTAMP, UNIX_EXTRA = 0x5455, 0x5855  # zip extra-field ids carrying Unix times


def rejoined_records(text: io.TextIOBase, where: str) -> tuple[pd.DataFrame, int]:
    """The records of a CSV whose records may be split by raw line breaks inside their last
    field so far, as a frame of text; also how many records had to be re-joined."""
    reader = csv.reader(text)
    header = next(reader)
    records: list[list[str]] = []
    rejoined: set[int] = set()
    for fields in reader:
        if records and len(records[-1]) < len(header):
            records[-1][-1] += "\n" + (fields[0] if fields else "")
            records[-1].extend(fields[1:])
            rejoined.add(len(records) - 1)
        else:
            records.append(fields)
    for number, fields in enumerate(records, start=1):
        if len(fields) != len(header):
            raise source_error(
                where,
                number,
                None,
                f"record has {len(fields)} fields where the header has {len(header)}",
            )
    return pd.DataFrame(records, columns=header, dtype="string"), len(rejoined)


def read_group(
    handle, where: str, bot_kind: str | None, archetype: str, observed_at: datetime
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    frame, rejoined = rejoined_records(
        io.TextIOWrapper(handle, encoding="utf-8", newline=""), where
    )
    rows = pd.Series(range(1, len(frame) + 1))
    accounts = twitter_accounts(
        frame, Path(where), rows, created_format=CREATED_FORMAT, meanings=API_FLAGS
    )
    accounts["observed_at"] = pd.Timestamp(observed_at)
    return accounts, label_rows(accounts["account_id"], bot_kind, archetype), rejoined


def modified_utc(info: zipfile.ZipInfo) -> datetime:
    """A zip member's modification time in UTC, from its Unix extra field (Info-ZIP 'UT' or
    'UX'); the DOS time is the archiver's local time, taken as UTC only without one."""
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        body = extra[4 : 4 + size]
        if kind == EXTENDED_TIMESTAMP and size >= 5 and body[0] & 1:
            return datetime.fromtimestamp(struct.unpack("<i", body[1:5])[0], UTC)
        if kind == UNIX_EXTRA and size >= 8:
            return datetime.fromtimestamp(struct.unpack("<I", body[4:8])[0], UTC)
        extra = extra[4 + size :]
    return datetime(*info.date_time, tzinfo=UTC)


def recrawl_time(archive: zipfile.ZipFile) -> datetime:
    """When the re-crawl was written: the newest table's modification time in the zip."""
    return max(modified_utc(info) for info in archive.infolist() if info.filename.endswith(".csv"))


def zip_groups(archive: zipfile.ZipFile) -> list[tuple[str, str | None, str]]:
    """(member, bot kind, archetype) of every table in the zip; genuine accounts first."""
    names = archive.namelist()
    if GENUINE_MEMBER not in names:
        raise source_error(f"{archive.filename}!{GENUINE_MEMBER}", None, None, "member is missing")
    groups: list[tuple[str, str | None, str]] = [(GENUINE_MEMBER, None, "genuine")]
    for name in sorted(names):
        match = SPAMBOT_MEMBER.fullmatch(name)
        if match:
            groups.append((name, f"{match['kind']}_spambot", match["group"]))
    return groups


def read(src: Path) -> Mapped:
    src = Path(src)
    for file in (FAKE_FILE, ZIP_FILE):
        if not (src / file).is_file():
            raise source_error(
                src / file, None, None, "file is missing (is SRC the cresci-2017 re-crawl folder?)"
            )
    parts, rejoined = [], 0
    with zipfile.ZipFile(src / ZIP_FILE) as archive:
        observed_at = recrawl_time(archive)
        for member, bot_kind, archetype in zip_groups(archive):
            with archive.open(member) as handle:
                *part, joined = read_group(
                    handle, f"{src / ZIP_FILE}!{member}", bot_kind, archetype, observed_at
                )
            parts.append(part)
            rejoined += joined
    with open(src / FAKE_FILE, "rb") as handle:
        *part, joined = read_group(
            handle, str(src / FAKE_FILE), "bought_follower", "fake_followers", observed_at
        )
    parts.append(part)
    rejoined += joined
    accounts = pd.concat([a for a, _ in parts], ignore_index=True)
    labels = pd.concat([lab for _, lab in parts], ignore_index=True)
    accounts, labels, notes = drop_conflicting_ids(accounts, labels, "cresci-2017")
    if rejoined:
        notes = (
            f"{rejoined} record(s) split by line breaks in their profile text were re-joined",
            *notes,
        )
    return Mapped(accounts, labels, notes)


ADAPTER = Adapter(
    name="cresci-2017",
    folder="cresci-2017-recrawl-chloechen",
    origin="cresci-2017 account ids re-crawled from the Twitter API in April 2017, from GitHub "
    "chloechen1995/Fake_Twitter_Account_Detection @ 56ed954",
    terms="none stated",
    protocol=Protocol(folds=10, balanced=False),
    published=(),
    read=read,
)
