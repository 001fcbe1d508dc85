"""Small Ibis helpers shared by the feature families (not a family itself).

Everything here is plain Ibis arithmetic so it compiles the same on DuckDB and PySpark:
times are handled as integer epoch seconds, China time is UTC+8 by adding 8 hours of
seconds, and integer hashes are reduced modulo a prime below 2**31 so that the product of
two still fits in int64.
"""

from __future__ import annotations

import ibis

DAY_SECONDS = 86_400
WEEK_SECONDS = 7 * DAY_SECONDS
CHINA_OFFSET_SECONDS = 8 * 3_600
HASH_MODULUS = 2_147_483_647  # 2**31 - 1, a prime
SUM_DIGITS = 9  # decimals kept of float sums, whose last bits depend on the summation order


def epoch(ts: ibis.TimestampValue) -> ibis.IntegerValue:
    """Integer seconds since 1970 (UTC)."""
    return ts.epoch_seconds().cast("int64")


def china_hour(t: ibis.IntegerValue) -> ibis.IntegerValue:
    """Hour of day (0-23) in China time of epoch seconds `t`."""
    return ((t + CHINA_OFFSET_SECONDS) % DAY_SECONDS) // 3_600


def china_day(t: ibis.IntegerValue) -> ibis.IntegerValue:
    """Day number in China time of epoch seconds `t` (midnight to midnight, UTC+8)."""
    return (t + CHINA_OFFSET_SECONDS) // DAY_SECONDS


def china_second_of_day(t: ibis.IntegerValue) -> ibis.IntegerValue:
    """Seconds since the start of `china_day(t)`: t - s falls on an earlier China-time day
    exactly when s exceeds this."""
    return t + CHINA_OFFSET_SECONDS - china_day(t) * DAY_SECONDS


def share(part: ibis.NumericValue, whole: ibis.NumericValue) -> ibis.FloatingValue:
    """part / whole as float64, null when whole is 0 or null."""
    whole = whole.cast("float64")
    return ibis.ifelse(whole > 0, part.cast("float64") / whole, None)


def entropy_bits(counts: ibis.Table, key: str, count: str) -> ibis.Table:
    """Shannon entropy (bits) per `key` of the distribution given by `count` per row."""
    totals = counts.group_by(key).aggregate(_total=counts[count].sum())
    with_total = counts.join(totals, key)
    p = with_total[count].cast("float64") / with_total._total.cast("float64")
    # rounded: a parallel float sum differs in the last bits from run to run, and LightGBM's
    # bins would turn that into a different model (a sum within 1e-15 of a rounding boundary
    # can still round either way: about one value in a million)
    return with_total.group_by(key).aggregate(entropy=(-(p * p.log2())).sum().round(SUM_DIGITS))


def coefficient_of_variation(values: ibis.NumericValue, minimum: int = 2) -> ibis.FloatingValue:
    """Population std / mean of `values` (an aggregate), null with fewer than `minimum`."""
    mean = values.mean()
    return ibis.ifelse((values.count() >= minimum) & (mean > 0),
                       values.std(how="pop") / mean, None)


def created_epoch(accounts: ibis.Table) -> ibis.Table:
    """account_id and its registration time in epoch seconds (null when unknown)."""
    return accounts.select("account_id", created=epoch(accounts.created_at))
