"""Network prefixes of client addresses."""

from __future__ import annotations

import pyarrow as pa
import pytest

from distillguard.signals.infra import net_prefix, net_prefixes


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
