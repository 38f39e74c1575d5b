"""Infrastructure identity: the network an IP address belongs to.

Fraud farms rotate addresses inside a few provider blocks, so accounts are linked by their
/24 (IPv4) or /48 (IPv6) prefix rather than by the exact address. IPv4-mapped IPv6
addresses ("::ffff:1.2.3.4") count as IPv4. Missing or unparsable addresses have no prefix
(null); the raw ``ip`` column is carried unchanged, so nothing is lost.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from socket import AF_INET, inet_pton
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

IPV4_PREFIX = 24
IPV6_PREFIX = 48


@lru_cache(maxsize=65536)
def net_prefix(ip: str | None) -> str | None:
    """ "a.b.c.0/24" for IPv4, the /48 network for IPv6, None if missing or invalid."""
    if not ip:
        return None
    if type(ip) is str:
        # The C parser accepts exactly the dotted quads ``ip_address`` does (four decimal
        # octets up to 255, no leading zeros, no spaces): the common case, about ten times faster.
        try:
            a, b, c, _ = inet_pton(AF_INET, ip)
        except (OSError, ValueError):
            pass
        else:
            return f"{a}.{b}.{c}.0/{IPV4_PREFIX}"
    return prefix_by_ipaddress(ip)


def prefix_by_ipaddress(ip: str) -> str | None:
    """``net_prefix`` by the ``ipaddress`` module alone: every form it accepts (IPv6, mapped
    IPv4, surrounding spaces), and the reference the dotted-quad fast path must agree with."""
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    bits = IPV4_PREFIX if addr.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network((addr, bits), strict=False))


def net_prefixes(ips: pa.Array) -> pa.Array:
    """``net_prefix`` of every value, parsed once per distinct address."""
    encoded = cast(pa.DictionaryArray, pc.dictionary_encode(ips))
    prefixes = pa.array([net_prefix(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return prefixes.take(encoded.indices)
