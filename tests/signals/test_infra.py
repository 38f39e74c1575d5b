"""Network prefixes of client addresses."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from distillguard.signals.infra import net_prefix, net_prefixes, prefix_by_ipaddress


@pytest.mark.parametrize(
    ("ip", "prefix"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        (" 10.1.2.3 ", "10.1.2.0/24"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("not-an-ip", None),
        ("1.2.3.4:8080", None),
        ("", None),
        (None, None),
    ],
)
def test_net_prefix(ip: str | None, prefix: str | None) -> None:
    assert net_prefix(ip) == prefix


def test_net_prefixes_over_an_array_keeps_rows() -> None:
    ips = pa.array(["1.2.3.4", None, "1.2.3.9", "bad", "2001:db8::1", "1.2.3.4"])
    assert net_prefixes(ips).to_pylist() == [
        "1.2.3.0/24", None, "1.2.3.0/24", None, "2001:db8::/48", "1.2.3.0/24"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "ip",
    [
        "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1.2.3.0", "1.2.3",
        "1.2.3.4.5", "1..3.4", "1.2.3.4\x00", "1.2.3.4\n", "\t1.2.3.4", "\u0661.2.3.4", "0x1.2.3.4",
        "1.2.3.-4", "+1.2.3.4", "1.2.3.4 ", "001.2.3.4", "1.2.3.255", "::1.2.3.4", "1e1.2.3.4",
    ],
)  # fmt: skip
def test_dotted_quad_fast_path_agrees_with_ipaddress(ip: str) -> None:
    assert net_prefix.__wrapped__(ip) == prefix_by_ipaddress(ip)


@given(st.tuples(*[st.integers(0, 255)] * 4), st.sampled_from(["", " ", "0"]))
def test_generated_dotted_quads_agree_with_ipaddress(octets: tuple[int, ...], pad: str) -> None:
    for k in range(4):
        ip = ".".join(pad + str(o) if i == k else str(o) for i, o in enumerate(octets))
        assert net_prefix.__wrapped__(ip) == prefix_by_ipaddress(ip)
