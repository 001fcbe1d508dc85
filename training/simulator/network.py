"""IP addresses, device fingerprints and user agents.

Addresses are kept as int64 codes while events are generated: a code below 2**32 is an
IPv4 address, a larger one an IPv6 address in a Chinese carrier's range. Codes are only
formatted as strings once per distinct value when a table is written.
"""

from __future__ import annotations

import ipaddress

import numpy as np
import pyarrow as pa

IPV6_FLAG = np.int64(1) << np.int64(40)

# Home broadband and mobile ranges of the three big carriers.
CARRIER_V4 = (
    ("112.96.0.0", 12),  # Unicom
    ("223.104.0.0", 14),  # Mobile
    ("117.136.0.0", 13),  # Mobile
    ("183.192.0.0", 10),  # Mobile
    ("36.96.0.0", 11),  # Telecom
    ("101.80.0.0", 12),  # Telecom
    ("114.80.0.0", 12),  # Telecom
)
# Mobile CGNAT exits: small pools many subscribers share.
MOBILE_NAT_V4 = (("223.104.3.0", 24), ("117.136.38.0", 24), ("112.97.54.0", 24))
# Education network (CERNET) exits of campus Wi-Fi.
CAMPUS_V4 = (("202.112.0.0", 13), ("219.224.0.0", 12), ("166.111.0.0", 16))
# Data-centre ranges proxy sellers rent.
DATACENTRE_V4 = (
    ("47.92.0.0", 14),
    ("121.40.0.0", 14),
    ("139.224.0.0", 16),
    ("106.14.0.0", 15),
    ("110.42.0.0", 16),
    ("43.248.0.0", 16),
)
IPV6_PREFIXES = tuple(
    int(ipaddress.IPv6Address(prefix)) for prefix in ("240e::", "2409:8a00::", "2408:8400::")
)


def _ranges(table: tuple[tuple[str, int], ...]) -> tuple[np.ndarray, np.ndarray]:
    base = np.array([int(ipaddress.IPv4Address(a)) for a, _ in table], dtype=np.int64)
    size = np.array([1 << (32 - bits) for _, bits in table], dtype=np.int64)
    return base, size


def random_ipv4(rng: np.random.Generator, n: int, table=CARRIER_V4) -> np.ndarray:
    """Uniform addresses from a random range of the table (host part avoids .0/.255)."""
    base, size = _ranges(table)
    which = rng.integers(0, len(base), n)
    offset = (rng.random(n) * size[which]).astype(np.int64)
    host = offset & 0xFF
    offset += (host == 0).astype(np.int64) - (host == 255).astype(np.int64)
    return base[which] + offset


def random_ipv6(rng: np.random.Generator, n: int) -> np.ndarray:
    return IPV6_FLAG + rng.integers(0, 1 << 40, n, dtype=np.int64)


def home_or_mobile_ip(rng: np.random.Generator, n: int, ipv6_share: float = 0.15) -> np.ndarray:
    """Addresses of ordinary subscribers: mostly IPv4 carrier ranges, some IPv6."""
    ips = random_ipv4(rng, n)
    v6 = rng.random(n) < ipv6_share
    ips[v6] = random_ipv6(rng, int(v6.sum()))
    return ips


def proxy_pool(rng: np.random.Generator, n: int, subnets: int = 3) -> np.ndarray:
    """n addresses packed into a few data-centre /24 subnets, as a proxy seller rents."""
    nets = random_ipv4(rng, subnets, DATACENTRE_V4) & ~np.int64(0xFF)
    return nets[rng.integers(0, subnets, n)] + rng.integers(2, 254, n)


def _format_ip(code: int) -> str:
    if code < IPV6_FLAG:
        return str(ipaddress.IPv4Address(code))
    low = code - int(IPV6_FLAG)
    prefix = IPV6_PREFIXES[low % len(IPV6_PREFIXES)]
    interface = (low * 0x9E3779B97F4A7C15) % (1 << 64)
    return str(ipaddress.IPv6Address(prefix + (low << 64) + interface))


def format_codes(codes: np.ndarray, formatter) -> pa.Array:
    """Format each distinct code once and gather: cheap for millions of rows."""
    unique, inverse = np.unique(codes, return_inverse=True)
    labels = pa.array([formatter(int(c)) for c in unique], type=pa.string())
    return labels.take(pa.array(inverse.astype(np.int64)))


def format_ips(codes: np.ndarray) -> pa.Array:
    return format_codes(codes, _format_ip)


def _format_device(code: int) -> str:
    return f"{(code * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % (1 << 64):016x}"


def format_devices(codes: np.ndarray) -> pa.Array:
    return format_codes(codes, _format_device)


PHONE_USER_AGENTS = (
    "Kwai/12.8.30 (iPhone; iOS 17.5.1; Scale/3.00)",
    "Kwai/12.9.10 (iPhone; iOS 18.1; Scale/3.00)",
    "aweme/31.2.0 (iPhone; iOS 17.6; Scale/3.00)",
    "aweme/31.5.0 (iPhone; iOS 18.0.1; Scale/2.00)",
    "Kwai/12.8.30 (Android 14; HUAWEI Mate 60 Pro; Build/HUAWEIALN-AL00)",
    "Kwai/12.9.10 (Android 13; Xiaomi 13; Build/TKQ1.220829.002)",
    "aweme/31.2.0 (Android 14; OPPO Reno11; Build/UP1A.231005.007)",
    "aweme/31.5.0 (Android 13; vivo X100; Build/TP1A.220624.014)",
    "Kwai/12.7.20 (Android 12; Redmi K60; Build/SKQ1.211006.001)",
    "aweme/30.9.0 (Android 11; HONOR 80; Build/RKQ1.200826.002)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/128.0 Safari/537.36 douyin-pc/3.1",
)
EMULATOR_USER_AGENTS = (
    "Kwai/11.2.40 (Android 7.1.2; SM-G9550; Build/NMF26X)",
    "aweme/25.1.0 (Android 9; Pixel 2; Build/PQ3A.190801.002)",
    "okhttp/3.12.1",
    "Dalvik/2.1.0 (Linux; U; Android 7.1.2; MI 9 Build/NMF26X)",
)
USER_AGENTS = PHONE_USER_AGENTS + EMULATOR_USER_AGENTS
EMULATOR_UA_OFFSET = len(PHONE_USER_AGENTS)
PC_USER_AGENT = EMULATOR_UA_OFFSET - 1  # the desktop client internet cafés run


def phone_user_agents(rng: np.random.Generator, n: int) -> np.ndarray:
    """Codes into USER_AGENTS, skewed to the popular app versions."""
    weights = np.linspace(2.0, 0.5, EMULATOR_UA_OFFSET)
    return rng.choice(EMULATOR_UA_OFFSET, n, p=weights / weights.sum())


def bot_user_agents(rng: np.random.Generator, n: int, d: float) -> np.ndarray:
    """Emulator clients for blatant bots; real phone clients with probability d."""
    codes = EMULATOR_UA_OFFSET + rng.integers(0, len(EMULATOR_USER_AGENTS), n)
    phone = rng.random(n) < d
    codes[phone] = phone_user_agents(rng, int(phone.sum()))
    return codes


def format_user_agents(codes: np.ndarray) -> pa.Array:
    return pa.array(USER_AGENTS, type=pa.string()).take(pa.array(codes.astype(np.int64)))
