"""Infrastructure identity: the network an IP address belongs to.

Fraud farms rotate addresses inside a few provider blocks, so accounts are linked by their
/24 (IPv4) or /48 (IPv6) prefix rather than by the exact address. IPv4-mapped IPv6
addresses ("::ffff:1.2.3.4") count as IPv4. Missing or unparsable addresses have no prefix
(null); the raw ``ip`` column is carried unchanged, so nothing is lost.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
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
