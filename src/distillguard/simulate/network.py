"""Where traffic comes from: an ASN catalogue and IPv4 addresses inside each ASN.

Every class of account draws from the same catalogue (residential ISPs, mobile carriers,
clouds, universities, companies) so that no ASN on its own gives an attacker away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from distillguard.simulate.identity import COUNTRIES


@dataclass(frozen=True, slots=True)
class Asn:
    """An autonomous system: ``kind`` is residential, mobile, cloud, university or corporate."""

    number: int
    name: str
    country: str
    kind: str

    @property
    def label(self) -> str:
        return f"AS{self.number}"


ASNS = (
    Asn(7922, "COMCAST-7922", "US", "residential"),
    Asn(7018, "ATT-INTERNET4", "US", "residential"),
    Asn(701, "UUNET (Verizon)", "US", "residential"),
    Asn(20115, "CHARTER-20115", "US", "residential"),
    Asn(21928, "T-MOBILE-AS21928", "US", "mobile"),
    Asn(812, "ROGERS-COMMUNICATIONS", "CA", "residential"),
    Asn(577, "BACOM (Bell Canada)", "CA", "residential"),
    Asn(2856, "BT-UK-AS", "GB", "residential"),
    Asn(5089, "NTL (Virgin Media)", "GB", "residential"),
    Asn(5466, "EIRCOM", "IE", "residential"),
    Asn(3320, "DTAG", "DE", "residential"),
    Asn(3209, "VODANET", "DE", "residential"),
    Asn(8447, "A1TELEKOM-AT", "AT", "residential"),
    Asn(3303, "SWISSCOM", "CH", "residential"),
    Asn(3215, "Orange France", "FR", "residential"),
    Asn(12322, "PROXAD (Free)", "FR", "residential"),
    Asn(1136, "KPN", "NL", "residential"),
    Asn(5617, "TPNET (Orange Polska)", "PL", "residential"),
    Asn(3352, "TELEFONICA-DATA-ESPANA", "ES", "residential"),
    Asn(8151, "UNINET (Telmex)", "MX", "residential"),
    Asn(7303, "Telecom Argentina", "AR", "residential"),
    Asn(13489, "EPM Telecomunicaciones", "CO", "residential"),
    Asn(28573, "Claro NXT", "BR", "residential"),
    Asn(18881, "TELEFONICA BRASIL (Vivo)", "BR", "mobile"),
    Asn(55836, "RELIANCEJIO-IN", "IN", "mobile"),
    Asn(24560, "AIRTELBROADBAND-AS-AP", "IN", "residential"),
    Asn(4713, "OCN NTT Communications", "JP", "residential"),
    Asn(17676, "GIGAINFRA SoftBank", "JP", "residential"),
    Asn(4766, "KIXS-AS-KR Korea Telecom", "KR", "residential"),
    Asn(7473, "SINGTEL-AS-AP", "SG", "residential"),
    Asn(4788, "TMNET-AS-AP", "MY", "residential"),
    Asn(3462, "HINET Chunghwa Telecom", "TW", "residential"),
    Asn(4760, "HKTIMS-AP HKT", "HK", "residential"),
    Asn(1221, "ASN-TELSTRA", "AU", "residential"),
    Asn(9198, "KAZTELECOM-AS", "KZ", "residential"),
    Asn(8400, "TELEKOM-AS (Telekom Srbija)", "RS", "residential"),
    Asn(8551, "BEZEQ-INTERNATIONAL", "IL", "residential"),
    Asn(5384, "EMIRATES-INTERNET", "AE", "residential"),
    Asn(7552, "VIETEL-AS-AP", "VN", "residential"),
    Asn(16509, "AMAZON-02", "US", "cloud"),
    Asn(14618, "AMAZON-AES", "US", "cloud"),
    Asn(15169, "GOOGLE", "US", "cloud"),
    Asn(396982, "GOOGLE-CLOUD-PLATFORM", "US", "cloud"),
    Asn(8075, "MICROSOFT-CORP-MSN-AS-BLOCK", "US", "cloud"),
    Asn(14061, "DIGITALOCEAN-ASN", "US", "cloud"),
    Asn(24940, "HETZNER-AS", "DE", "cloud"),
    Asn(16276, "OVH", "FR", "cloud"),
    Asn(63949, "AKAMAI-LINODE-AP", "US", "cloud"),
    Asn(20473, "AS-VULTR", "US", "cloud"),
    Asn(45102, "ALIBABA-US-NET", "US", "cloud"),
    Asn(132203, "TENCENT-NET-AP", "SG", "cloud"),
    Asn(31898, "ORACLE-BMC-31898", "US", "cloud"),
    Asn(13335, "CLOUDFLARENET (WARP)", "US", "cloud"),
    Asn(9009, "M247 (VPN exits)", "GB", "cloud"),
    Asn(3, "MIT-GATEWAYS", "US", "university"),
    Asn(786, "JANET (UK academic)", "GB", "university"),
    Asn(680, "DFN (German research network)", "DE", "university"),
    Asn(7539, "TANET (Taiwan academic)", "TW", "university"),
    Asn(11537, "INTERNET2", "US", "university"),
    Asn(8220, "COLT (corporate)", "GB", "corporate"),
    Asn(6830, "LIBERTY-GLOBAL (business)", "DE", "corporate"),
    Asn(3356, "LEVEL3 (business)", "US", "corporate"),
    Asn(2914, "NTT-LTD (business)", "JP", "corporate"),
)
ASN_INDEX = {a.number: i for i, a in enumerate(ASNS)}
_PREFIXES_PER_ASN = 6


def _build_prefixes() -> np.ndarray:
    """Six distinct public /16 prefixes per ASN, fixed for every scenario."""
    gen = np.random.default_rng(0xA5A5)
    reserved = {0, 10, 100, 127, 169, 172, 192, 198, 203, 224}
    used: set[int] = set()
    table = np.zeros((len(ASNS), _PREFIXES_PER_ASN), dtype=np.uint32)
    for i in range(len(ASNS)):
        k = 0
        while k < _PREFIXES_PER_ASN:
            hi = int(gen.integers(1, 224))
            lo = int(gen.integers(0, 256))
            key = hi << 8 | lo
            if hi in reserved or key in used:
                continue
            used.add(key)
            table[i, k] = key << 16
            k += 1
    return table


PREFIXES = _build_prefixes()
HOSTS_PER_ASN = _PREFIXES_PER_ASN * 65536


def asns_of(kind: str, country: str | None = None) -> np.ndarray:
    """Indices of ASNs of ``kind`` (optionally in ``country``)."""
    return np.asarray(
        [
            i
            for i, a in enumerate(ASNS)
            if a.kind == kind and (country is None or a.country == country)
        ],
        dtype=np.int16,
    )


def _home_table() -> tuple[tuple[int, ...], ...]:
    """For each country, its residential/mobile ASNs (falling back to all residential)."""
    out = []
    fallback = tuple(int(i) for i in asns_of("residential"))
    for c in COUNTRIES:
        own = tuple(
            i for i, a in enumerate(ASNS) if a.country == c.code and a.kind in ("residential",)
        )
        out.append(own or fallback)
    return tuple(out)


HOME_ASNS = _home_table()
MOBILE_ASNS = asns_of("mobile")

# Relative use of each cloud by ordinary developers' apps (US hyperscalers dominate).
CLOUD_WEIGHTS = {
    16509: 30,
    14618: 8,
    15169: 6,
    396982: 10,
    8075: 12,
    14061: 8,
    24940: 6,
    16276: 4,
    63949: 3,
    20473: 3,
    45102: 3,
    132203: 2,
    31898: 2,
    13335: 6,
    9009: 2,
}

# Where companies host their backends: the clouds without consumer VPN/WARP exits.
HOSTING_WEIGHTS = {n: w for n, w in CLOUD_WEIGHTS.items() if n not in (13335, 9009)}


def cloud_asns(rng: np.random.Generator, size: int, weights: Mapping[int, float]) -> np.ndarray:
    """Draw cloud ASN indices with the given per-ASN-number weights."""
    nums = list(weights)
    p = np.asarray([weights[n] for n in nums], dtype=np.float64)
    pick = rng.choice(len(nums), size=size, p=p / p.sum())
    return np.asarray([ASN_INDEX[nums[i]] for i in pick], dtype=np.int16)


def home_asns(rng: np.random.Generator, country_idx: np.ndarray) -> np.ndarray:
    """A residential ASN in each given country."""
    out = np.empty(len(country_idx), dtype=np.int16)
    for i, c in enumerate(country_idx):
        opts = HOME_ASNS[int(c)]
        out[i] = opts[int(rng.integers(len(opts)))]
    return out


def random_ips(rng: np.random.Generator, asn_idx: np.ndarray) -> np.ndarray:
    """One random address inside each given ASN, as uint32."""
    asn_idx = np.asarray(asn_idx, dtype=np.int64)
    host = rng.integers(0, HOSTS_PER_ASN, size=len(asn_idx))
    low = (host & 0xFFFF).astype(np.uint32)
    low = np.where((low & 0xFF) == 0, low | 1, low).astype(np.uint32)
    return PREFIXES[asn_idx, host >> 16] | low


def ip_to_str(ip: int) -> str:
    return f"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}"
