"""Searching written bytes for raw addresses and device ids without trying every raw value
at every position: address-shaped and hex-run tokens are found once by regular expression
and looked up in the sets of raw values (8,000 values over megabytes took minutes)."""

from __future__ import annotations

import re
from collections.abc import Iterable

IPV4 = re.compile(rb"\d{1,3}(?:\.\d{1,3}){3}")
IPV6 = re.compile(rb"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\d{1,3}(?:\.\d{1,3}){3})?")
HEX_RUN = re.compile(rb"[0-9a-f]{16,}")


def address_leaks(blob: bytes, raw: Iterable[str] | frozenset[str]) -> set[str]:
    """Raw addresses (or networks) of `raw` that occur in `blob` as address-shaped text."""
    raw = frozenset(raw)
    tokens = {m.decode() for m in IPV4.findall(blob)} | {m.decode() for m in IPV6.findall(blob)}
    return tokens & raw


def hex_device_leaks(blob: bytes, raw: Iterable[str] | frozenset[str], width: int = 16) -> set[str]:
    """Raw device ids of `width` hex digits (the simulator's) that occur anywhere in a run
    of hex digits in `blob`, at any offset."""
    raw = frozenset(raw)
    found: set[str] = set()
    for run in {m.decode() for m in HEX_RUN.findall(blob)}:
        found |= {run[i : i + width] for i in range(len(run) - width + 1)} & raw
    return found
