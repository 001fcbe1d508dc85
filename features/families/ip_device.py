"""IP and device reuse, described by who shares the address and not only by how many.

For every login address (pseudonymised IP, its /24 or /48 network `ip_prefix`, and the
device fingerprint) the family counts the accounts that used it. An account is described
by its most shared address of each kind. Because a carrier NAT exit full of ordinary users
and a proxy full of a seller's fresh accounts both have many users, the IP is also
described by its users: their median account age, how many devices they bring per account
and how many of them registered in the same calendar week as this account.
"""

from __future__ import annotations

import ibis

from fanaudit.features.families.common import DAY_SECONDS, WEEK_SECONDS, created_epoch, epoch
from fanaudit.features.feature import Feature
from fanaudit.features.tables import Tables

FAMILY = "ip_device"

FEATURES = (
    Feature(
        "ip_count",
        FAMILY,
        "Distinct login IPs it used.",
        "addresses",
        "either",
        "logged in from {value} different IP addresses",
        "从{value}个不同IP地址登录",
    ),
    Feature(
        "device_count",
        FAMILY,
        "Distinct devices it logged in from.",
        "devices",
        "either",
        "logged in from {value} different devices",
        "使用过{value}台不同设备登录",
    ),
    Feature(
        "ip_shared_accounts",
        FAMILY,
        "Other accounts that logged in from its most shared IP (a carrier NAT or campus address "
        "holds hundreds of people: suspicion comes with who they are, see the peer features).",
        "accounts",
        "either",
        "shares its login IP with {value} other accounts, whose median account age is "
        "{ip_peer_median_age_days} days",
        "与另外{value}个账号共用登录IP，这些账号的账龄中位数为{ip_peer_median_age_days}天",
    ),
    Feature(
        "ip_same_week_peers",
        FAMILY,
        "Other accounts on its most shared IP that registered in the same calendar week.",
        "accounts",
        "higher",
        "shares its login IP with {value} other accounts registered the same week",
        "与另外{value}个同周注册的账号共用登录IP",
    ),
    Feature(
        "ip_peer_median_age_days",
        FAMILY,
        "Median account age (days) of the accounts on its most shared IP.",
        "days",
        "lower",
        "the accounts on its login IP are {value} days old (median)",
        "与其共用IP的账号账龄中位数为{value}天",
    ),
    Feature(
        "ip_devices_per_account",
        FAMILY,
        "Distinct devices per account on its most shared IP.",
        "devices/account",
        "lower",
        "the accounts on its login IP bring {value} devices each",
        "其登录IP上平均每个账号使用{value}台设备",
        "{:.2f}",
    ),
    Feature(
        "prefix_shared_accounts",
        FAMILY,
        "Other accounts on its most shared /24 (IPv4) or /48 (IPv6) network (large on carrier "
        "and campus networks; suspicion comes with who they are).",
        "accounts",
        "either",
        "shares its login network with {value} other accounts",
        "与另外{value}个账号共用同一网段登录",
    ),
    Feature(
        "prefix_same_week_peers",
        FAMILY,
        "Other accounts on its most shared /24 or /48 network registered the same week.",
        "accounts",
        "higher",
        "shares its login network with {value} other accounts registered the same week",
        "与另外{value}个同周注册的账号共用同一网段",
    ),
    Feature(
        "device_shared_accounts",
        FAMILY,
        "Other accounts that logged in from its most shared device.",
        "accounts",
        "higher",
        "shares its device with {value} other accounts",
        "与另外{value}个账号共用同一设备",
    ),
)


def login_tuples(logins: ibis.Table) -> ibis.Table:
    """Distinct (account_id, ip, ip_prefix, device_id): an account logs in from the same few
    addresses again and again, so everything below reads this much smaller table once."""
    return logins.select("account_id", "ip", "ip_prefix", "device_id").distinct()


def address_users(tuples: ibis.Table, created: ibis.Table, as_of, key: str) -> ibis.Table:
    """Distinct (account_id, address) pairs for address column `key`, with each user's
    registration week and age in days."""
    pairs = tuples.select("account_id", address=tuples[key]).distinct()
    pairs = pairs.filter(pairs.address.notnull())
    joined = pairs.left_join(created, "account_id").drop("account_id_right")
    return joined.mutate(
        week=joined.created // WEEK_SECONDS,
        age_days=(epoch(as_of) - joined.created).clip(lower=0).cast("float64") / DAY_SECONDS,
    )


def busiest_address(users: ibis.Table, stats: ibis.Table) -> ibis.Table:
    """Per account, its row of the address it shares with the most accounts (ties: the one
    with the youngest users)."""
    ranked = users.join(stats, "address")
    order = ibis.row_number().over(
        group_by=ranked.account_id,
        order_by=[ranked.accounts.desc(), ranked.peer_median_age_days, ranked.address],
    )
    return ranked.mutate(_rank=order).filter(lambda t: t._rank == 0).drop("_rank")


def address_features(tuples: ibis.Table, created: ibis.Table, as_of, key: str) -> ibis.Table:
    """account_id, address, shared_accounts, same_week_peers (other users of its busiest
    address registered in its own week), peer_median_age_days for one address kind."""
    users = address_users(tuples, created, as_of, key)
    stats = users.group_by("address").aggregate(
        accounts=users.count(), peer_median_age_days=users.age_days.median()
    )
    weeks = users.group_by(["address", "week"]).aggregate(in_week=users.count())
    busiest = busiest_address(users, stats)
    out = busiest.left_join(weeks, ["address", "week"])
    return out.select(
        "account_id",
        "address",
        "peer_median_age_days",
        shared_accounts=out.accounts - 1,
        same_week_peers=ibis.ifelse(out.week.isnull(), None, out.in_week - 1),
    )


def devices_per_account_on_ip(tuples: ibis.Table) -> ibis.Table:
    """Per IP: distinct devices / distinct accounts (null when no device is known)."""
    g = tuples.group_by("ip").aggregate(
        devices=tuples.device_id.nunique(), users=tuples.account_id.nunique()
    )
    return g.select(
        address=g.ip,
        ip_devices_per_account=ibis.ifelse(
            g.devices > 0, g.devices.cast("float64") / g.users.cast("float64"), None
        ),
    )


def per_account_counts(tuples: ibis.Table) -> ibis.Table:
    g = tuples.group_by("account_id").aggregate(
        ip_count=tuples.ip.nunique(), devices=tuples.device_id.nunique()
    )
    return g.select(
        "account_id", "ip_count", device_count=ibis.ifelse(g.devices > 0, g.devices, None)
    )


def compute(tables: Tables) -> ibis.Table | None:
    if tables.logins is None:
        return None
    tuples = login_tuples(tables.logins)
    created, as_of = created_epoch(tables.accounts), tables.as_of_literal
    ip = address_features(tuples, created, as_of, "ip")
    ip = ip.left_join(devices_per_account_on_ip(tuples), "address")
    ip = ip.select(
        "account_id",
        "ip_devices_per_account",
        ip_shared_accounts=ip.shared_accounts,
        ip_same_week_peers=ip.same_week_peers,
        ip_peer_median_age_days=ip.peer_median_age_days,
    )
    prefix = address_features(tuples, created, as_of, "ip_prefix")
    prefix = prefix.select(
        "account_id",
        prefix_shared_accounts=prefix.shared_accounts,
        prefix_same_week_peers=prefix.same_week_peers,
    )
    device = address_features(tuples, created, as_of, "device_id")
    device = device.select("account_id", device_shared_accounts=device.shared_accounts)
    out = per_account_counts(tuples)
    for part in (ip, prefix, device):
        out = out.left_join(part, "account_id").drop("account_id_right")
    return out
