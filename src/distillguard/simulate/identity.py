"""Who the accounts claim to be: ids, countries, languages, email domains, payment tokens.

Identifiers come from a keyed bijection of a counter, so they look random, never collide,
and depend only on the seed (no ``hash()`` of strings, no global state).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

LANGS = ("en", "zh", "ru", "es", "de", "ja")
LANG_INDEX = {code: i for i, code in enumerate(LANGS)}


@dataclass(frozen=True, slots=True)
class Country:
    """A country an account can claim; ``tz`` is a representative UTC offset in hours."""

    code: str
    tz: float
    lang: str  # the language its users most often write in (one of LANGS)


COUNTRIES = (
    Country("US", -6.0, "en"),
    Country("CA", -5.0, "en"),
    Country("GB", 0.0, "en"),
    Country("IE", 0.0, "en"),
    Country("DE", 1.0, "de"),
    Country("AT", 1.0, "de"),
    Country("CH", 1.0, "de"),
    Country("FR", 1.0, "en"),
    Country("NL", 1.0, "en"),
    Country("PL", 1.0, "en"),
    Country("ES", 1.0, "es"),
    Country("MX", -6.0, "es"),
    Country("AR", -3.0, "es"),
    Country("CO", -5.0, "es"),
    Country("BR", -3.0, "en"),
    Country("IN", 5.5, "en"),
    Country("JP", 9.0, "ja"),
    Country("KR", 9.0, "en"),
    Country("SG", 8.0, "en"),
    Country("MY", 8.0, "zh"),
    Country("TW", 8.0, "zh"),
    Country("HK", 8.0, "zh"),
    Country("AU", 10.0, "en"),
    Country("KZ", 5.0, "ru"),
    Country("RS", 1.0, "ru"),
    Country("IL", 2.0, "en"),
    Country("AE", 4.0, "en"),
    Country("VN", 7.0, "en"),
)
COUNTRY_INDEX = {c.code: i for i, c in enumerate(COUNTRIES)}

# Relative share of individual API users by country (sums need not be 1).
INDIVIDUAL_COUNTRY_WEIGHTS = {
    "US": 30,
    "CA": 4,
    "GB": 7,
    "IE": 1,
    "DE": 6,
    "AT": 1,
    "CH": 1,
    "FR": 4,
    "NL": 2,
    "PL": 2,
    "ES": 2,
    "MX": 2,
    "AR": 1,
    "CO": 1,
    "BR": 4,
    "IN": 8,
    "JP": 3,
    "KR": 3,
    "SG": 3,
    "MY": 1,
    "TW": 2,
    "HK": 1,
    "AU": 3,
    "KZ": 1,
    "RS": 1,
    "IL": 2,
    "AE": 1,
    "VN": 2,
}
# Where non-English writers live, per language.
LANG_COUNTRY_WEIGHTS = {
    "zh": {"TW": 4, "SG": 3, "MY": 3, "HK": 2, "US": 2, "CA": 1, "AU": 1},
    "ru": {"KZ": 4, "RS": 2, "DE": 2, "IL": 2, "US": 1, "PL": 1},
    "es": {"ES": 4, "MX": 4, "AR": 2, "CO": 2, "US": 2},
    "de": {"DE": 6, "AT": 2, "CH": 2},
    "ja": {"JP": 8, "US": 1},
    "en": INDIVIDUAL_COUNTRY_WEIGHTS,
}

CONSUMER_DOMAINS = {
    "default": {
        "gmail.com": 55,
        "outlook.com": 12,
        "hotmail.com": 6,
        "yahoo.com": 6,
        "icloud.com": 8,
        "proton.me": 5,
    },
    "zh": {
        "gmail.com": 40,
        "qq.com": 18,
        "163.com": 12,
        "outlook.com": 12,
        "yahoo.com.tw": 6,
        "icloud.com": 6,
        "proton.me": 4,
    },
    "ru": {"gmail.com": 35, "yandex.ru": 25, "mail.ru": 18, "proton.me": 10, "outlook.com": 6},
    "de": {"gmail.com": 35, "gmx.de": 20, "web.de": 18, "outlook.com": 10, "posteo.de": 6},
    "ja": {"gmail.com": 45, "yahoo.co.jp": 25, "icloud.com": 15, "outlook.jp": 8},
    "es": {"gmail.com": 55, "hotmail.com": 18, "outlook.com": 12, "yahoo.es": 6},
}
EDU_DOMAINS = (
    "northbridge.edu",
    "lakemont.edu",
    "cascadia-tech.edu",
    "stmarys-college.edu",
    "uni-rheinfeld.de",
    "ustl.edu.sg",
    "kirkwood.ac.uk",
    "tsinan-univ.edu.tw",
    "harrow-state.edu",
    "pacifica.edu",
    "univ-valmont.fr",
    "eastgate.ac.in",
)
_STARTUP_WORDS = (
    "quanta",
    "lumen",
    "vector",
    "nimbus",
    "forge",
    "pilot",
    "stack",
    "delta",
    "orbit",
    "pixel",
    "cobalt",
    "signal",
    "kernel",
    "tensor",
    "harbor",
    "atlas",
    "ember",
    "ridge",
    "nova",
    "zenith",
    "loop",
    "byte",
    "prism",
    "sparrow",
    "tidal",
    "cedar",
    "flux",
)
_STARTUP_TLDS = (".ai", ".io", ".dev", ".co", ".app", ".tech")


def startup_domain(rng: np.random.Generator) -> str:
    """A made-up young-company domain, e.g. ``nimbusforge.ai``."""
    a, b = rng.choice(len(_STARTUP_WORDS), size=2, replace=False)
    tld = _STARTUP_TLDS[int(rng.integers(len(_STARTUP_TLDS)))]
    return f"{_STARTUP_WORDS[a]}{_STARTUP_WORDS[b]}{tld}"


def weighted_choice(rng: np.random.Generator, weights: Mapping[str, float], size: int) -> list[str]:
    """Draw ``size`` keys of ``weights`` with probability proportional to their values."""
    keys = list(weights)
    p = np.asarray([weights[k] for k in keys], dtype=np.float64)
    idx = rng.choice(len(keys), size=size, p=p / p.sum())
    return [keys[i] for i in idx]


def consumer_domain(rng: np.random.Generator, lang: str) -> str:
    """A consumer email domain typical for writers of ``lang``."""
    return weighted_choice(rng, CONSUMER_DOMAINS.get(lang, CONSUMER_DOMAINS["default"]), 1)[0]


_M1 = 0x9E3779B97F4A7C15
_M2 = 0xBF58476D1CE4E5B9


def scramble(value: int, key: int, bits: int) -> int:
    """Keyed bijection on ``bits``-bit integers (odd multiplies and xorshifts)."""
    mask = (1 << bits) - 1
    x = (value ^ key) & mask
    x = (x * (_M1 | 1)) & mask
    x ^= x >> (bits // 2)
    x = (x * (_M2 | 1)) & mask
    x ^= x >> (bits // 3)
    return (x ^ (key >> 7)) & mask


@dataclass(frozen=True, slots=True)
class IdKeys:
    """Per-seed keys for every identifier family."""

    account: int
    request: int
    session: int
    api_key: int
    payment: int
    org: int

    @classmethod
    def from_seed(cls, seed: int) -> IdKeys:
        k = np.random.default_rng([seed, 0x1D5]).integers(0, 2**62, size=6)
        return cls(*(int(v) for v in k))

    def account_id(self, index: int) -> str:
        return f"acct_{scramble(index, self.account, 48):012x}"

    def request_id(self, position: int) -> str:
        return f"req_{scramble(position, self.request, 64):016x}"

    def session_id(self, index: int) -> str:
        return f"sess_{scramble(index, self.session, 48):012x}"

    def api_key_id(self, account: int, slot: int) -> str:
        return f"key_{scramble(account * 8 + slot, self.api_key, 40):010x}"

    def payment_token(self, index: int) -> str:
        return f"pm_{scramble(index, self.payment, 64):016x}"

    def org_id(self, index: int) -> str:
        return f"org_{scramble(index, self.org, 32):08x}"
