"""Pseudonymisation of personal identifiers (IP addresses, device ids) at load time.

Raw addresses and device ids never leave the loader: every value is replaced by a keyed
hash (HMAC-SHA256, truncated) under a per-deployment secret. The secret comes from the
environment variable ``FANAUDIT_SECRET`` or, failing that, from a file generated once in
fanaudit's home folder (``$FANAUDIT_HOME``, default ``~/.fanaudit``), readable by its
owner only.

Equal inputs give equal pseudonyms under one secret, so "how many accounts share this
address" survives; the address itself does not. Whoever holds the secret can test a
guessed address against a pseudonym (the IPv4 space is small), so the secret is as
sensitive as the raw data and never leaves the machine: it is not logged, not written to
MLflow and not part of any output.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import stat
from functools import lru_cache
from pathlib import Path

from fanaudit.errors import ConfigError
from fanaudit.settings import current

SECRET_ENV = "FANAUDIT_SECRET"
HOME_ENV = "FANAUDIT_HOME"
SECRET_FILE = "secret"
MIN_SECRET_CHARS = 16
PSEUDONYM_HEX_CHARS = 20  # 80 bits: collisions are negligible at platform scale
# Distinct values remembered in one run before the memo starts afresh: about 250 bytes
# each, so at most about 1 GiB; a million-account platform (1.1 million addresses,
# 0.9 million devices) fits, and every distinct value is hashed once.
MEMO_LIMIT = 4_000_000
PERSONAL_COLUMNS = ("ip", "device_id")  # never echoed in messages, never staged raw


class SecretError(ConfigError):
    """The pseudonymisation secret is missing, too short or readable by others."""


def fanaudit_home() -> Path:
    """fanaudit's home folder: the default MLflow store, the secret, caches."""
    home = current().home
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


STORE_ENTRIES = ("mlflow.db", "mlartifacts")  # the embedded model store (models.store)


def home_state() -> list[Path]:
    """What in fanaudit's home no output may replace: the secret and the embedded store."""
    home = fanaudit_home()
    return [home / SECRET_FILE, *(home / entry for entry in STORE_ENTRIES)]


def create_secret_file(path: Path) -> None:
    """Write a fresh random secret to `path` (0600) unless another process already has
    (`features.io.create_file_once`: never half-written, two first runs agree on one)."""
    from fanaudit.features.io import create_file_once

    create_file_once(secrets.token_hex(32).encode("ascii"), path, private=True)


def read_secret_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretError(
            f"{path}: the pseudonymisation secret is readable by other users "
            f"(mode {stat.filemode(mode)}); run `chmod 600 {path}`"
        )
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise SecretError(
            f"{path}: the pseudonymisation secret is empty or shorter than "
            f"{MIN_SECRET_CHARS} characters; delete the file to generate a new one "
            "(pseudonyms will change)"
        )
    return secret.encode("utf-8")


def load_or_create_secret() -> bytes:
    """The deployment's pseudonymisation key, from the environment or the home folder."""
    configured = current().secret
    from_env = configured.get_secret_value() if configured is not None else None
    if from_env:
        if len(from_env) < MIN_SECRET_CHARS:
            raise SecretError(
                f"${SECRET_ENV} must hold at least {MIN_SECRET_CHARS} characters "
                "(a long random string; unset it to use a generated secret)"
            )
        return from_env.encode("utf-8")
    path = fanaudit_home() / SECRET_FILE
    if not path.exists():
        create_secret_file(path)
    return read_secret_file(path)


class Pseudonymiser:
    """Keyed hashing of identifiers, with a bounded memo so repeated values hash once."""

    def __init__(self, secret: bytes):
        self.secret = secret
        self._memo: dict[str, dict[str, str]] = {}  # kind -> value -> pseudonym
        self._addresses: dict[str, tuple[str, str] | None] = {}  # raw ip -> (ip, net) or None
        self._remembered = 0

    def _remember(self) -> None:
        self._remembered += 1
        if self._remembered > MEMO_LIMIT:
            self._memo.clear()
            self._addresses.clear()
            self._remembered = 1

    def pseudonym(self, value: str, kind: str) -> str:
        """`kind`'s first letter and 20 hex digits of HMAC-SHA256(secret, kind:value)."""
        found = self._memo.get(kind, {}).get(value)
        if found is None:
            key = kind + ":" + value
            digest = hmac.digest(self.secret, key.encode("utf-8"), hashlib.sha256).hex()
            found = kind[0] + digest[:PSEUDONYM_HEX_CHARS]
            self._remember()  # may start the memo afresh: look the kind's dict up after it
            self._memo.setdefault(kind, {})[value] = found
        return found

    def pseudonyms(self, values: list[str | None], kind: str) -> list[str | None]:
        """`pseudonym` of each value (None stays None)."""
        memo = self._memo.setdefault(kind, {})
        return [
            None if value is None else memo.get(value) or self.pseudonym(value, kind)
            for value in values
        ]

    def address(self, raw: str, canonical_v4_prefix: str | None = None) -> tuple[str, str] | None:
        """The pseudonyms of an address and of its network (`parse_ip`), or None when `raw`
        is not an address; `canonical_v4_prefix` is the /24 of a canonical IPv4 `raw`."""
        if raw in self._addresses:
            return self._addresses[raw]
        parsed = (raw, canonical_v4_prefix) if canonical_v4_prefix else parse_ip(raw)
        found = (
            None
            if parsed is None
            else (self.pseudonym(parsed[0], "ip"), self.pseudonym(parsed[1], "net"))
        )
        self._remember()
        self._addresses[raw] = found
        return found


@lru_cache(maxsize=100_000)
def parse_ip(value: str) -> tuple[str, str] | None:
    """The canonical address and its network prefix (/24 for IPv4, /48 for IPv6), or None.

    An IPv4-mapped IPv6 address (``::ffff:1.2.3.4``) is the IPv4 address it carries.
    """
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix_len = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix_len}", strict=False)
    return str(address), str(network)
