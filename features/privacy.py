"""Pseudonymisation of personal identifiers (IP addresses, device ids) at load time.

Raw addresses and device ids never leave the loader: every value is replaced by a keyed
hash (HMAC-SHA256, truncated) under a per-deployment secret. The secret comes from the
environment variable ``FANAUDIT_SECRET`` or, failing that, from a file generated once in
fanaudit's home folder (``$FANAUDIT_HOME``, default ``~/.fanaudit``).

Equal inputs give equal pseudonyms under one secret, so "how many accounts share this
address" survives; the address itself does not.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path

SECRET_ENV = "FANAUDIT_SECRET"
HOME_ENV = "FANAUDIT_HOME"
PSEUDONYM_HEX_CHARS = 20  # 80 bits: collisions are negligible at platform scale


def fanaudit_home() -> Path:
    """fanaudit's home folder: the default MLflow store, the secret, caches."""
    home = Path(os.environ.get(HOME_ENV) or Path.home() / ".fanaudit")
    home.mkdir(parents=True, exist_ok=True)
    return home


def load_or_create_secret() -> bytes:
    """The deployment's pseudonymisation key, from the environment or the home folder."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env.encode("utf-8")
    path = fanaudit_home() / "secret"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


class Pseudonymiser:
    """Keyed hashing of identifiers, with a memo so each distinct value is hashed once."""

    def __init__(self, secret: bytes):
        self.secret = secret
        self._memo: dict[str, str] = {}

    def pseudonym(self, value: str, kind: str) -> str:
        key = kind + ":" + value
        found = self._memo.get(key)
        if found is None:
            digest = hmac.new(self.secret, key.encode("utf-8"), hashlib.sha256).hexdigest()
            found = kind[0] + digest[:PSEUDONYM_HEX_CHARS]
            self._memo[key] = found
        return found


@lru_cache(maxsize=1_000_000)
def parse_ip(value: str) -> tuple[str, str] | None:
    """The canonical address and its network prefix (/24 for IPv4, /48 for IPv6), or None."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    prefix_len = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix_len}", strict=False)
    return str(address), str(network)
