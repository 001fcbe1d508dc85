"""Account profiles: registration time, name, avatar, bio and the counters the app shows.

Each attribute of an account is drawn from the human distribution with probability
`humanlike` (1 for people, the kind's difficulty for bots) and from the bot-farm one
otherwise, so careful sellers' profiles blend in attribute by attribute.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import text


def _blend(
    rng: np.random.Generator, humanlike: np.ndarray, human: np.ndarray, bot: np.ndarray
) -> np.ndarray:
    return np.where(rng.random(len(humanlike)) < humanlike, human, bot)


def account_profiles(
    rng: np.random.Generator, humanlike: np.ndarray, follows_made: np.ndarray, language: str = "zh"
) -> dict[str, pa.Array]:
    """Profile columns except id and created_at; `follows_made` counts the account's
    follows in the simulated month, which its following_count includes."""
    n = len(humanlike)
    has_avatar = rng.random(n) < _blend(rng, humanlike, np.full(n, 0.88), np.full(n, 0.15))
    has_bio = rng.random(n) < _blend(rng, humanlike, np.full(n, 0.45), np.full(n, 0.06))
    followers = _blend(rng, humanlike, rng.lognormal(np.log(15), 1.5, n), rng.poisson(1.0, n))
    following = _blend(
        rng, humanlike, rng.lognormal(np.log(50), 1.0, n), rng.lognormal(np.log(400), 0.8, n)
    )
    posts = _blend(
        rng,
        humanlike,
        np.where(rng.random(n) < 0.4, 0, rng.lognormal(np.log(8), 1.2, n)),
        np.where(rng.random(n) < 0.85, 0, rng.poisson(2.0, n)),
    )
    return {
        "nickname": text.nicknames(rng, humanlike, language),
        "has_avatar": pa.array(has_avatar),
        "bio": text.bios(rng, has_bio, language),
        "followers_count": pa.array(followers.astype(np.int64)),
        "following_count": pa.array(following.astype(np.int64) + follows_made),
        "posts_count": pa.array(posts.astype(np.int64)),
    }


def streamer_profiles(
    rng: np.random.Generator, popularity: np.ndarray, total_accounts: int, language: str = "zh"
) -> dict[str, pa.Array]:
    """Streamers: established accounts with audiences beyond the simulated viewers."""
    n = len(popularity)
    columns = account_profiles(rng, np.ones(n), np.zeros(n, np.int64), language)
    audience = popularity * total_accounts * rng.uniform(3, 10, n) + rng.integers(50, 500, n)
    columns["followers_count"] = pa.array(audience.astype(np.int64))
    columns["posts_count"] = pa.array(rng.integers(50, 2000, n))
    columns["has_avatar"] = pa.array(np.ones(n, bool))
    return columns
