"""Small Ibis helpers shared by the feature families (not a family itself).

Everything here is plain Ibis arithmetic so it compiles the same on DuckDB and PySpark:
times are handled as integer epoch seconds, China time is UTC+8 by adding 8 hours of
seconds, and integer hashes are reduced modulo a prime below 2**31 so that the product of
two still fits in int64.

Sums are exact, so features are the same bit for bit on every run: an engine adding in
parallel adds floats in a different order each time (and float addition is not
associative). Sums of integers are exact; a float is first rounded to a fixed point
(`exact_sum`, 2^-24 of its unit) and summed as an integer; standard deviations come from
integer sums (`std_from_sums`), never from the engine's own streaming formula.
"""

from __future__ import annotations

import ibis

DAY_SECONDS = 86_400
WEEK_SECONDS = 7 * DAY_SECONDS
CHINA_OFFSET_SECONDS = 8 * 3_600
HASH_MODULUS = 2_147_483_647  # 2**31 - 1, a prime
FIXED_POINT = 1 << 24  # exact_sum keeps each term to 2^-24 (6e-8) of its unit


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


def exact_sum(values: ibis.FloatingValue, where=None) -> ibis.FloatingValue:
    """Sum (an aggregate) of float `values`, each rounded to 1/FIXED_POINT and added as an
    integer: the same bits in whatever order the engine adds (|values| < 5e11)."""
    fixed = (values * float(FIXED_POINT)).round().cast("int64")
    return fixed.sum(where=where).cast("float64") / float(FIXED_POINT)


def exact_mean(values: ibis.FloatingValue) -> ibis.FloatingValue:
    """Mean (an aggregate) of the non-null `values` through `exact_sum`."""
    return exact_sum(values) / values.count().cast("float64")


def std_from_sums(
    count: ibis.IntegerValue, total: ibis.NumericValue, squares: ibis.NumericValue
) -> tuple[ibis.FloatingValue, ibis.FloatingValue]:
    """Mean and population standard deviation from the count, sum and sum of squares."""
    n = count.cast("float64")
    mean = total.cast("float64") / n
    variance = ibis.greatest(squares.cast("float64") / n - mean * mean, 0.0)
    return mean, variance.sqrt()


def entropy_bits(counts: ibis.Table, key: str, count: str) -> ibis.Table:
    """Shannon entropy (bits) per `key` of the distribution given by `count` per row."""
    totals = counts.group_by(key).aggregate(_total=counts[count].sum())
    with_total = counts.join(totals, key)
    p = with_total[count].cast("float64") / with_total._total.cast("float64")
    return with_total.group_by(key).aggregate(entropy=exact_sum(-(p * p.log2())))


def coefficient_of_variation(values: ibis.IntegerValue, minimum: int = 2) -> ibis.FloatingValue:
    """Population std / mean of integer `values` (an aggregate, from exact integer sums),
    null with fewer than `minimum` values or a zero mean."""
    values = values.cast("int64")
    count = values.count()
    mean, std = std_from_sums(count, values.sum(), (values * values).sum())
    return ibis.ifelse((count >= minimum) & (mean > 0), std / mean, None)


def created_epoch(accounts: ibis.Table) -> ibis.Table:
    """account_id and its registration time in epoch seconds (null when unknown)."""
    return accounts.select("account_id", created=epoch(accounts.created_at))
