"""Random-looking, collision-free identifiers.

Account, room and order ids are a keyed Feistel permutation of a running index over
[0, 10**10), so they look random, never collide, and carry no trace of the account's
label or of the order in which accounts were generated.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_HALF = np.uint64(100_000)
_ROUNDS = 4


def _round_function(right: np.ndarray, key: np.uint64) -> np.ndarray:
    mixed = (right + key) * np.uint64(0x9E3779B97F4A7C15)
    mixed ^= mixed >> np.uint64(29)
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(32)
    return mixed % _HALF


def permute_index(index: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Bijectively map indices in [0, 10**10) to scrambled values in the same range."""
    x = np.asarray(index, dtype=np.uint64)
    left, right = x // _HALF, x % _HALF
    for key in keys:
        left, right = right, (left + _round_function(right, key)) % _HALF
    return left * _HALF + right


def id_keys(seed: int, purpose: int) -> np.ndarray:
    """Round keys for one id space (accounts, rooms, orders) derived from the seed."""
    rng = np.random.default_rng([seed, purpose, 0x1D5])
    return rng.integers(0, 2**62, size=_ROUNDS, dtype=np.uint64)


def format_ids(prefix: str, index: np.ndarray, keys: np.ndarray) -> pa.Array:
    """Strings such as 'u0384756123' for the given running indices."""
    values = permute_index(index, keys)
    return pa.array([f"{prefix}{v:010d}" for v in values.tolist()], type=pa.string())
