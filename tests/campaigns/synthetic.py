"""Synthetic worlds for campaign tests and benchmarks, built column-wise with numpy.

Benign accounts send diverse traffic (mostly one-off templates, some popular ones, a few
step-by-step questions) on a diurnal clock. Planted structures: a NAT of students, a corporate
team sharing one payment method and egress prefix, a hydra of light accounts whose harvest
requests go out in synchronised rounds (optionally camouflaged with benign-looking requests),
an allowlisted partner harvesting in lockstep, and a signup-burst flood on datacenter proxies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from distillguard.events.schema import ACCOUNT_SCHEMA
from distillguard.signals.schema import INTENTS, LSH_BANDS, SIGNAL_SCHEMA

T0 = datetime(2026, 3, 2, tzinfo=UTC)
US = 1_000_000
DAY_US = 86_400 * US
N_TOPICS = 40
POPULAR_TEMPLATES = 30
SDK_AGENTS = ("openai-python/1.40", "anthropic-sdk/0.30", "curl/8.5", "node-fetch/3", "httpx/0.27")
TLS = ("ja3-a", "ja3-b", "ja3-c", "ja3-d", "ja3-e")
RESIDENTIAL_ASNS = tuple(f"AS{7000 + i}" for i in range(25))
EMAILS = ("gmail.com", "outlook.com", "proton.me", "yahoo.com")
# Diurnal weights per UTC hour: quiet nights, busy working hours.
DIURNAL = np.array([1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 7, 8, 8, 8, 7, 6, 5, 4, 3, 2, 2, 1], float)


@dataclass
class World:
    signals: pa.Table
    accounts: pa.Table
    groups: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class _Cols:
    account: list[np.ndarray] = field(default_factory=list)
    ts: list[np.ndarray] = field(default_factory=list)
    template: list[np.ndarray] = field(default_factory=list)
    bands: list[np.ndarray] = field(default_factory=list)
    p: list[np.ndarray] = field(default_factory=list)
    intent: list[np.ndarray] = field(default_factory=list)
    turns: list[np.ndarray] = field(default_factory=list)
    outmax: list[np.ndarray] = field(default_factory=list)
    topic: list[np.ndarray] = field(default_factory=list)
    net: list[np.ndarray] = field(default_factory=list)
    asn: list[np.ndarray] = field(default_factory=list)
    ua: list[np.ndarray] = field(default_factory=list)
    tls: list[np.ndarray] = field(default_factory=list)


class _Builder:
    def __init__(self, seed: int, days: float) -> None:
        self.rng = np.random.default_rng(seed)
        self.days = days
        self.cols = _Cols()
        self.accounts: list[dict[str, object]] = []
        self.groups: dict[str, set[str]] = {}
        self.popular = self._random_bands(POPULAR_TEMPLATES)
        self.popular_hash = self.rng.integers(1, 2**63, POPULAR_TEMPLATES, dtype=np.uint64)
        self.popular_weight = 1.0 / np.arange(1, POPULAR_TEMPLATES + 1)
        self.popular_weight /= self.popular_weight.sum()

    def _random_bands(self, n: int) -> np.ndarray:
        return self.rng.integers(1, 2**63, (n, LSH_BANDS), dtype=np.uint64)

    def diurnal_times(self, n: int) -> np.ndarray:
        day = self.rng.integers(0, max(1, int(self.days)), n)
        hour = self.rng.choice(24, n, p=DIURNAL / DIURNAL.sum())
        within = self.rng.integers(0, 3600 * US, n)
        return day * DAY_US + hour * 3600 * US + within

    def family(self, n_families: int) -> np.ndarray:
        return self._random_bands(n_families)

    def paraphrase(self, base: np.ndarray, fam: np.ndarray) -> np.ndarray:
        """Requests of template families ``fam``: each keeps half its family's bands."""
        bands = base[fam].copy()
        fresh = self._random_bands(len(fam))
        swap = self.rng.random((len(fam), LSH_BANDS)) < 0.5
        bands[swap] = fresh[swap]
        return bands

    def add_account(self, account_id: str, group: str, **attrs: object) -> None:
        row: dict[str, object] = {
            "account_id": account_id,
            "created_at": T0 - timedelta(days=float(self.rng.uniform(30, 365))),
            "email_domain": str(self.rng.choice(EMAILS)),
            "payment_fingerprint": f"pay-{account_id}",
            "signup_channel": "self_serve",
            "country": "US",
            "org_id": None,
            "verified": bool(self.rng.random() < 0.5),
            "allowlist": None,
            "extra": None,
        }
        row.update(attrs)
        self.accounts.append(row)
        self.groups.setdefault(group, set()).add(account_id)

    def emit(
        self,
        account: np.ndarray,
        ts: np.ndarray,
        bands: np.ndarray,
        p: np.ndarray,
        intent: np.ndarray,
        turns: np.ndarray,
        outmax: np.ndarray,
        topic: np.ndarray,
        net: np.ndarray,
        asn: np.ndarray,
        ua: np.ndarray,
        tls: np.ndarray,
        template: np.ndarray | None = None,
    ) -> None:
        n = len(account)
        c = self.cols
        c.account.append(account)
        c.ts.append(ts)
        c.template.append(
            template if template is not None else self.rng.integers(1, 2**63, n, dtype=np.uint64)
        )
        c.bands.append(bands)
        c.p.append(p)
        c.intent.append(intent)
        c.turns.append(turns)
        c.outmax.append(outmax)
        c.topic.append(topic)
        c.net.append(net)
        c.asn.append(asn)
        c.ua.append(ua)
        c.tls.append(tls)

    def benign_traffic(
        self, ids: list[str], rate: float, infra: dict[str, np.ndarray], cot_share: float = 0.06
    ) -> None:
        """Diverse human/app traffic of ``ids``; ``infra`` gives each account's net/asn/ua/tls."""
        counts = self.rng.poisson(rate, len(ids)) + 1
        owner = np.repeat(np.arange(len(ids)), counts)
        n = len(owner)
        popular = self.rng.random(n) < 0.15
        pick = self.rng.choice(POPULAR_TEMPLATES, n, p=self.popular_weight)
        bands = self._random_bands(n)
        bands[popular] = self.popular[pick[popular]]
        template = self.rng.integers(1, 2**63, n, dtype=np.uint64)
        template[popular] = self.popular_hash[pick[popular]]
        p = self.rng.beta(1, 40, (n, 5)).astype(np.float32)
        cot = self.rng.random(n) < cot_share
        p[cot, 0] = self.rng.uniform(0.5, 0.9, cot.sum())
        intent = np.where(cot, "cot_elicitation", "benign")
        fav = self.rng.integers(0, N_TOPICS, (len(ids), 3))
        topic = np.where(
            self.rng.random(n) < 0.8,
            fav[owner, self.rng.integers(0, 3, n)],
            self.rng.integers(0, N_TOPICS, n),
        )
        self.emit(
            np.asarray(ids, dtype=object)[owner],
            self.diurnal_times(n),
            bands,
            p,
            intent,
            self.rng.choice([2, 2, 2, 4, 6], n),
            self.rng.random(n) < 0.05,
            topic,
            infra["net"][owner],
            infra["asn"][owner],
            infra["ua"][owner],
            infra["tls"][owner],
            template,
        )

    def residential(self, n: int) -> dict[str, np.ndarray]:
        octets = self.rng.integers(0, 256, (n, 3))
        return {
            "net": np.array([f"{a}.{b}.{c}.0/24" for a, b, c in octets], dtype=object),
            "asn": self.rng.choice(np.array(RESIDENTIAL_ASNS, dtype=object), n),
            "ua": self.rng.choice(np.array(SDK_AGENTS, dtype=object), n),
            "tls": self.rng.choice(np.array(TLS, dtype=object), n),
        }

    def harvest_rounds(
        self,
        ids: list[str],
        per_account: int,
        n_families: int,
        round_size: int,
        infra: dict[str, np.ndarray],
    ) -> None:
        """Harvest requests in synchronised rounds: each round sends one family at once."""
        base = self.family(n_families)
        slots = np.repeat(np.arange(len(ids)), per_account)
        self.rng.shuffle(slots)
        rounds = max(1, len(slots) // round_size)
        round_of = np.arange(len(slots)) % rounds
        start = self.rng.integers(0, int(self.days * DAY_US) - 600 * US, rounds)
        fam = self.rng.integers(0, n_families, rounds)
        ts = start[round_of] + self.rng.integers(0, 240 * US, len(slots))
        self._harvest(ids, slots, ts, base, fam[round_of], infra)

    def harvest_spread(
        self, ids: list[str], per_account: int, n_families: int, infra: dict[str, np.ndarray]
    ) -> None:
        """Harvest requests at independent times (no lockstep)."""
        base = self.family(n_families)
        slots = np.repeat(np.arange(len(ids)), per_account)
        ts = self.rng.integers(0, int(self.days * DAY_US), len(slots))
        fam = self.rng.integers(0, n_families, len(slots))
        self._harvest(ids, slots, ts, base, fam, infra)

    def _harvest(
        self,
        ids: list[str],
        slots: np.ndarray,
        ts: np.ndarray,
        base: np.ndarray,
        fam: np.ndarray,
        infra: dict[str, np.ndarray],
    ) -> None:
        n = len(slots)
        p = self.rng.beta(1, 40, (n, 5)).astype(np.float32)
        kind = fam % 5
        p[np.arange(n), kind] = self.rng.uniform(0.6, 0.95, n)
        intent = np.array(INTENTS[1:], dtype=object)[kind]
        self.emit(
            np.asarray(ids, dtype=object)[slots],
            ts,
            self.paraphrase(base, fam),
            p,
            intent,
            self.rng.choice([1, 2], n),
            self.rng.random(n) < 0.7,
            self.rng.integers(0, N_TOPICS, n),
            infra["net"][slots],
            infra["asn"][slots],
            infra["ua"][slots],
            infra["tls"][slots],
        )

    def build(self) -> World:
        c = self.cols
        ts = np.concatenate(c.ts)
        order = np.argsort(ts, kind="stable")
        n = len(ts)
        account = np.concatenate(c.account)[order]
        bands = np.concatenate(c.bands)[order]
        p = np.concatenate(c.p)[order]
        columns = {
            "ts": pa.array(ts[order] + int(T0.timestamp()) * US, pa.timestamp("us", tz="UTC")),
            "request_id": pa.array([f"r{i}" for i in range(n)]),
            "account_id": pa.array(account.tolist()),
            "model": pa.array(["m-1"] * n),
            "ip": pa.nulls(n, pa.string()),
            "asn": pa.array(np.concatenate(c.asn)[order].tolist()),
            "user_agent": pa.array(np.concatenate(c.ua)[order].tolist()),
            "tls_fingerprint": pa.array(np.concatenate(c.tls)[order].tolist()),
            "session_id": pa.nulls(n, pa.string()),
            "status": pa.array(["200"] * n),
            "prompt_tokens": pa.array(np.full(n, 100)),
            "completion_tokens": pa.array(np.full(n, 300)),
            "reasoning_tokens": pa.array(np.zeros(n, dtype=np.int64)),
            "net_prefix": pa.array(np.concatenate(c.net)[order].tolist()),
            "intent": pa.array(np.concatenate(c.intent)[order].tolist()),
            "p_cot": pa.array(p[:, 0]),
            "p_rubric": pa.array(p[:, 1]),
            "p_censor": pa.array(p[:, 2]),
            "p_agentic": pa.array(p[:, 3]),
            "p_sweep": pa.array(p[:, 4]),
            "template_hash": pa.array(np.concatenate(c.template)[order]),
            "lsh_bands": pa.FixedSizeListArray.from_arrays(pa.array(bands.ravel()), LSH_BANDS),
            "prompt_hash": pa.array(np.arange(1, len(order) + 1, dtype=np.uint64)),
            "system_hash": pa.array(np.zeros(n, dtype=np.uint64)),
            "tools_hash": pa.array(np.zeros(n, dtype=np.uint64)),
            "n_tools": pa.array(np.zeros(n, dtype=np.int16)),
            "n_turns": pa.array(np.concatenate(c.turns)[order].astype(np.int16)),
            "prompt_chars": pa.array(np.full(n, 200, dtype=np.int32)),
            "lang": pa.array(["en"] * n),
            "output_max": pa.array(np.concatenate(c.outmax)[order]),
            "format_req": pa.array(["none"] * n),
            "topic": pa.array(np.concatenate(c.topic)[order].astype(np.int32)),
        }
        signals = pa.table(columns).cast(SIGNAL_SCHEMA)
        accounts = pa.Table.from_pylist(self.accounts, schema=ACCOUNT_SCHEMA)
        return World(signals, accounts, self.groups)


def make_world(
    seed: int = 0,
    n_benign: int = 2000,
    benign_rate: float = 12.0,
    hydra: int = 500,
    hydra_requests: int = 3,
    camouflage: float = 0.0,
    nat: int = 300,
    corp: int = 40,
    partner: int = 0,
    partner_in_hydra: bool = False,
    flood: int = 0,
    days: float = 3.0,
) -> World:
    """A world of ``n_benign`` benign accounts (``nat`` and ``corp`` among them) plus attacks."""
    b = _Builder(seed, days)
    benign_ids = [f"user{i:06d}" for i in range(n_benign)]
    infra = b.residential(n_benign)
    for i, acct in enumerate(benign_ids):
        if i < nat:
            b.add_account(
                acct,
                "nat",
                email_domain="uni.example.edu",
                signup_channel="education",
                created_at=T0 - timedelta(days=60, hours=float(b.rng.uniform(0, 24 * 14))),
            )
            infra["net"][i], infra["asn"][i] = "203.0.113.0/24", "AS-UNI"
        elif i < nat + corp:
            b.add_account(
                acct,
                "corp",
                email_domain="corp.example",
                payment_fingerprint="pay-corp",
                org_id="org-corp",
                verified=False,
                signup_channel="enterprise",
            )
            infra["net"][i], infra["asn"][i] = "198.51.100.0/24", "AS-CORP"
        else:
            b.add_account(acct, "benign")
    b.benign_traffic(benign_ids, benign_rate, infra)

    partner_ids = [f"partner{i:03d}" for i in range(partner)]
    for acct in partner_ids:
        b.add_account(acct, "partner", allowlist="licensed-distillation")
    hydra_ids = [f"hydra{i:05d}" for i in range(hydra)]
    for acct in hydra_ids:
        b.add_account(acct, "hydra")
    if hydra:
        # A partner "in the hydra" runs the very same harvest rounds as the hydra accounts.
        runners = hydra_ids + partner_ids if partner_in_hydra else hydra_ids
        h_infra = b.residential(len(runners))
        b.harvest_rounds(runners, hydra_requests, 10, 50, h_infra)
        if camouflage > 0:
            extra = hydra_requests * camouflage / (1 - camouflage)
            b.benign_traffic(hydra_ids, extra - 1, h_infra)
    if partner and not (partner_in_hydra and hydra):
        b.harvest_rounds(partner_ids, 20, 5, partner, b.residential(partner))

    if flood:
        flood_ids = [f"flood{i:04d}" for i in range(flood)]
        burst = T0 - timedelta(days=2)
        for acct in flood_ids:
            b.add_account(
                acct,
                "flood",
                created_at=burst + timedelta(minutes=float(b.rng.uniform(0, 30))),
                verified=False,
                email_domain="mailbox.example",
            )
        octets = b.rng.integers(0, 3, flood)
        f_infra = {
            "net": np.array([f"45.1.{o}.0/24" for o in octets], dtype=object),
            "asn": np.full(flood, "AS-DC", dtype=object),
            "ua": np.full(flood, "python-httpx/0.27", dtype=object),
            "tls": np.full(flood, "ja3-dc", dtype=object),
        }
        b.harvest_spread(flood_ids, 8, 5, f_infra)
    return b.build()
