"""Shared building blocks for the population planners: personas, models, traffic.

A *persona* is the per-account behaviour of someone who uses the API like a person
(timezone, language, home network, clients, activity level); individuals, non-English
users and the genuine half of hydra reseller accounts are all planned through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from distillguard.simulate import network
from distillguard.simulate.clients import pick_clients
from distillguard.simulate.identity import COUNTRIES, COUNTRY_INDEX, LANG_INDEX
from distillguard.simulate.kinds import Kind
from distillguard.simulate.plan import PlanBuilder, Window
from distillguard.simulate.scenario import NEW_MODEL, PopulationSpec
from distillguard.simulate.timing import DAY_US, HOUR_US, expand_sessions, ramp, sample_times


@dataclass(frozen=True, slots=True)
class ModelPolicy:
    """Model mix before the release and how fast the new model is adopted after it."""

    base: tuple[float, float, float]  # atlas-3-mini, atlas-3, atlas-3-think
    adopt_delay_h: float = 24.0
    adopt_ramp_h: float = 96.0
    adopt_top: float = 0.2


@dataclass(slots=True)
class PlanContext:
    """What every planner needs: the builder, its own random stream and the window;
    ``adversary`` holds the evasive variants attack planners apply (empty for benign)."""

    builder: PlanBuilder
    rng: np.random.Generator
    window: Window
    spec: PopulationSpec
    adversary: frozenset[str] = frozenset()

    @property
    def random_timing(self) -> bool:
        return "random_timing" in self.adversary

    @property
    def lo(self) -> int:
        return self.window.start + int(self.spec.start_day * DAY_US)

    @property
    def hi(self) -> int:
        end_day = self.spec.end_day
        return self.window.end if end_day is None else self.window.start + int(end_day * DAY_US)


def pick_models(
    rng: np.random.Generator, t: np.ndarray, policy: ModelPolicy, release: int
) -> np.ndarray:
    """Model index per session start time under ``policy``."""
    base = np.asarray(policy.base, dtype=np.float64)
    old = rng.choice(len(base), size=len(t), p=base / base.sum())
    share_new = ramp(t, release, policy.adopt_delay_h, policy.adopt_ramp_h, policy.adopt_top)
    out = np.where(rng.random(len(t)) < share_new, NEW_MODEL, old)
    return out.astype(np.int8)


def pick_kinds(rng: np.random.Generator, weights: Mapping[Kind, float], size: int) -> np.ndarray:
    kinds = list(weights)
    p = np.asarray([weights[k] for k in kinds], dtype=np.float64)
    return np.asarray(kinds, dtype=np.int8)[rng.choice(len(kinds), size=size, p=p / p.sum())]


@dataclass(slots=True)
class Personas:
    """Per-account behaviour arrays for person-like users (aligned with ``account``)."""

    account: np.ndarray
    lang: np.ndarray
    tz: np.ndarray
    work_hours: np.ndarray  # True: uses the API in office hours, else personal hours
    home_asn: np.ndarray
    home_ip: np.ndarray
    alt_asn: np.ndarray
    alt_ip: np.ndarray
    client_a: np.ndarray
    client_b: np.ndarray
    weight: np.ndarray
    active_lo: np.ndarray
    active_hi: np.ndarray

    def subset(self, mask: np.ndarray) -> Personas:
        return Personas(**{name: getattr(self, name)[mask] for name in self.__slots__})


def draw_networks(
    rng: np.random.Generator, country_idx: np.ndarray, cloud_share: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Home and alternate (mobile/VPN/office) networks for person-like accounts.

    ``cloud_share`` of accounts call the API from an app hosted on a cloud; the rest from
    a residential line. The alternate network is mobile or a VPN/cloud exit.
    """
    n = len(country_idx)
    home = network.home_asns(rng, country_idx)
    clouds = network.cloud_asns(rng, n, network.CLOUD_WEIGHTS)
    home = np.where(rng.random(n) < cloud_share, clouds, home).astype(np.int16)
    mobile = network.MOBILE_ASNS[rng.integers(len(network.MOBILE_ASNS), size=n)]
    vpn = network.cloud_asns(rng, n, {13335: 3, 9009: 1, 16509: 1})
    alt = np.where(rng.random(n) < 0.6, mobile, vpn).astype(np.int16)
    return home, network.random_ips(rng, home), alt, network.random_ips(rng, alt)


def make_personas(
    ctx: PlanContext,
    account: np.ndarray,
    country_codes: list[str],
    langs: list[str],
    created_at: np.ndarray,
    *,
    cloud_share: float,
    client_profile: str,
    work_share: float,
) -> Personas:
    rng = ctx.rng
    n = len(account)
    country = np.asarray([COUNTRY_INDEX[c] for c in country_codes], dtype=np.int64)
    tz = np.asarray([COUNTRIES[c].tz for c in country], dtype=np.float64)
    tz = tz + rng.choice([-1.0, 0.0, 0.0, 0.0, 1.0], size=n)
    home_asn, home_ip, alt_asn, alt_ip = draw_networks(rng, country, cloud_share)
    lo = np.maximum(created_at + rng.integers(HOUR_US // 4, 12 * HOUR_US, n), ctx.lo)
    hi = np.full(n, ctx.hi, dtype=np.int64)
    # Some people stop using the API part-way through the window.
    quit_early = rng.random(n) < 0.08
    hi = np.where(quit_early, lo + (rng.random(n) * (hi - lo)).astype(np.int64), hi)
    hi = np.maximum(hi, lo + HOUR_US)
    return Personas(
        account=account,
        lang=np.asarray([LANG_INDEX[x] for x in langs], dtype=np.int8),
        tz=tz,
        work_hours=rng.random(n) < work_share,
        home_asn=home_asn,
        home_ip=home_ip,
        alt_asn=alt_asn,
        alt_ip=alt_ip,
        client_a=pick_clients(rng, client_profile, n),
        client_b=pick_clients(rng, client_profile, n),
        weight=rng.lognormal(0.0, 1.0, n),
        active_lo=lo,
        active_hi=hi,
    )


@dataclass(frozen=True, slots=True)
class Egress:
    """A shared pool of exit addresses; each account mostly uses its own ``home`` node."""

    asn: np.ndarray
    ip: np.ndarray
    home: np.ndarray  # per account: index into the pool
    sticky: float = 0.7

    def pick(self, rng: np.random.Generator, account_pos: np.ndarray) -> np.ndarray:
        """Pool index per request of the given (local) accounts."""
        other = rng.integers(len(self.asn), size=len(account_pos))
        return np.where(rng.random(len(account_pos)) < self.sticky, self.home[account_pos], other)


def sessions_per_account(
    rng: np.random.Generator, weight: np.ndarray, events: int, mean_turns: float
) -> np.ndarray:
    """Sessions per account so that the total is about ``events``; at least one each."""
    expected = events * weight / weight.sum() / mean_turns
    return np.maximum(1, rng.poisson(expected)).astype(np.int64)


def persona_traffic(
    ctx: PlanContext,
    p: Personas,
    events: int,
    kinds: dict[Kind, float],
    policy: ModelPolicy,
    *,
    mean_turns: float = 2.2,
    gap_s: float = 70.0,
    busy: float = 0.003,
    english_share: float = 0.0,
    egress: Egress | None = None,
    gateway_clients: np.ndarray | None = None,
) -> None:
    """Plan person-like multi-turn sessions for the given personas.

    ``egress`` replaces the personas' own networks, as for a reseller's
    shared egress; ``gateway_clients`` (one per account, -1 for none) replaces the client.
    """
    rng = ctx.rng
    per = sessions_per_account(rng, p.weight, events, mean_turns)
    idx = np.repeat(np.arange(len(p.account)), per)
    n = len(idx)
    starts = np.empty(n, dtype=np.int64)
    for work in (False, True):
        sel = np.flatnonzero(p.work_hours[idx] == work)
        if sel.size:
            a = idx[sel]
            profile = "work" if work else "personal"
            starts[sel] = sample_times(rng, p.active_lo[a], p.active_hi[a], p.tz[a], profile)
    turns = np.minimum(rng.geometric(1.0 / mean_turns, n), 10)
    kind = pick_kinds(rng, kinds, n)
    turns = np.where(kind == Kind.CHAT_TOOLS, np.maximum(turns, 2), turns)
    lang = p.lang[idx].copy()
    lang[rng.random(n) < english_share] = 0
    client = np.where(rng.random(n) < 0.85, p.client_a[idx], p.client_b[idx])
    if gateway_clients is not None:
        gw = gateway_clients[idx]
        client = np.where(gw >= 0, gw, client)
    sessions = ctx.builder.add_sessions(
        rng,
        account=p.account[idx],
        kind=kind,
        lang=lang,
        model=pick_models(rng, starts, policy, ctx.window.release),
        client=client,
        turns=turns,
    )
    pos, turn, ts = expand_sessions(rng, starts, turns, gap_s)
    if egress is None:
        at_home = (rng.random(n) < 0.8)[pos]
        a = idx[pos]
        asn = np.where(at_home, p.home_asn[a], p.alt_asn[a])
        ip = np.where(at_home, p.home_ip[a], p.alt_ip[a])
    else:
        pick = egress.pick(rng, idx[pos])
        asn, ip = egress.asn[pick], egress.ip[pick]
    ctx.builder.add_events(rng, session=sessions[pos], turn=turn, ts=ts, asn=asn, ip=ip, busy=busy)


def single_turn_events(
    ctx: PlanContext,
    *,
    account: np.ndarray,
    ts: np.ndarray,
    kind: np.ndarray | int,
    lang: np.ndarray | int,
    model: np.ndarray,
    client: np.ndarray,
    asn: np.ndarray,
    ip: np.ndarray,
    variant: np.ndarray | int = -1,
    busy: float = 0.01,
) -> None:
    """One single-turn session per request (the shape of most harvesting traffic)."""
    rng = ctx.rng
    n = len(account)
    sessions = ctx.builder.add_sessions(
        rng,
        account=account,
        kind=kind,
        lang=lang,
        model=model,
        client=client,
        turns=1,
        variant=variant,
    )
    ctx.builder.add_events(
        rng, session=sessions, turn=np.zeros(n, dtype=np.int64), ts=ts, asn=asn, ip=ip, busy=busy
    )
