"""Evasive attacker variants (``ScenarioConfig.adversary``), for measuring how detection
degrades when campaigns hide the tells the default simulator gives them.

- ``random_timing``: attack planners draw request times from per-account :class:`Clocks`
  instead of waves, round-robin dispatch and the operators' working hours.
- ``benign_mix``: after a campaign's planner, :func:`mix_benign` adds genuine-looking
  persona traffic to every account until harvesting is a fifth of its requests.
- ``paraphrase`` and ``ip_per_account`` rewrite the finished plan (:func:`apply_to_plan`):
  attack harvesting sessions are rendered independently paraphrased, and every request of
  an attack account leaves from that account's own residential address.

Harvesting sessions stay exactly the ``HARVEST_KINDS`` sessions, so labels stay exact.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from distillguard.simulate import network
from distillguard.simulate.identity import COUNTRIES, COUNTRY_INDEX
from distillguard.simulate.kinds import HARVEST_KINDS, Kind
from distillguard.simulate.plan import Mark, Plan
from distillguard.simulate.planning import (
    ModelPolicy,
    Personas,
    PlanContext,
    make_personas,
    persona_traffic,
)
from distillguard.simulate.timing import HOUR_US, sample_times

HUMAN_PROFILES = ("personal", "work", "student")
MIX_HARVEST_SHARE = 0.2
"""Share of an account's requests that harvest under ``benign_mix``."""

_MIX_KINDS = {
    Kind.CHAT: 0.45,
    Kind.CODE_HELP: 0.25,
    Kind.CHAT_STEPWISE: 0.12,
    Kind.CHAT_TOOLS: 0.1,
    Kind.WORK_TASK: 0.08,
}
_MIX_POLICY = ModelPolicy((0.35, 0.4, 0.25), adopt_delay_h=12.0, adopt_ramp_h=72.0, adopt_top=0.25)
_HARVEST = np.zeros(256, dtype=bool)
_HARVEST[[int(k) for k in HARVEST_KINDS]] = True


@dataclass(frozen=True, slots=True)
class Clocks:
    """Per-account request clocks (time zone and daily rhythm): requests of different
    accounts are independent, with no shared waves or working hours."""

    tz: np.ndarray  # hours from UTC, per local account
    profile: np.ndarray  # index into HUMAN_PROFILES, per local account

    @classmethod
    def draw(cls, rng: np.random.Generator, countries: Sequence[str]) -> Clocks:
        """A human-looking rhythm near each account's claimed country."""
        base = np.asarray([COUNTRIES[COUNTRY_INDEX[c]].tz for c in countries], dtype=np.float64)
        tz = base + rng.uniform(-1.5, 1.5, len(base))
        return cls(tz, rng.choice(len(HUMAN_PROFILES), size=len(base), p=[0.5, 0.3, 0.2]))

    @classmethod
    def of_personas(cls, p: Personas) -> Clocks:
        """The rhythm the accounts' genuine (persona) traffic already follows."""
        return cls(p.tz, np.where(p.work_hours, HUMAN_PROFILES.index("work"), 0))

    def times(
        self,
        rng: np.random.Generator,
        who: np.ndarray,
        lo: np.ndarray | int,
        hi: np.ndarray | int,
    ) -> np.ndarray:
        """One instant in ``[lo, hi)`` per element, on the clock of local account ``who``."""
        who = np.asarray(who, dtype=np.int64)
        lo_a = np.broadcast_to(np.asarray(lo, dtype=np.int64), who.shape)
        hi_a = np.broadcast_to(np.asarray(hi, dtype=np.int64), who.shape)
        out = np.empty(len(who), dtype=np.int64)
        profile = self.profile[who]
        for k, name in enumerate(HUMAN_PROFILES):
            sel = np.flatnonzero(profile == k)
            if sel.size:
                out[sel] = sample_times(rng, lo_a[sel], hi_a[sel], self.tz[who[sel]], name)
        return out


def plan_attack(planner: Callable[[PlanContext], None], ctx: PlanContext) -> None:
    """Run an attack planner, then the variants that add traffic to its accounts."""
    mark = ctx.builder.mark()
    planner(ctx)
    if "benign_mix" in ctx.adversary:
        mix_benign(ctx, mark)


def mix_benign(ctx: PlanContext, mark: Mark) -> None:
    """Give every account planned since ``mark`` persona traffic (chat, code help, tools)
    until harvesting is about ``MIX_HARVEST_SHARE`` of its requests.

    Harvesting is left as planned. The extra traffic follows a person's rhythm within the
    account's own active span, uses the account's client, and leaves through the networks
    the account already uses (so its two faces cannot be told apart by address).
    """
    b, rng = ctx.builder, ctx.rng
    sessions, events = b.sessions_since(mark), b.events_since(mark)
    session = events["session"] - mark.sessions
    local = sessions["account"][session] - mark.accounts
    n = len(b.accounts) - mark.accounts
    harvest = _HARVEST[sessions["kind"][session].astype(np.int64)]
    h = np.bincount(local[harvest], minlength=n)
    other = np.bincount(local[~harvest], minlength=n)
    extra = np.maximum(0, np.round(h * (1 - MIX_HARVEST_SHARE) / MIX_HARVEST_SHARE) - other)
    who = np.flatnonzero(extra > 0)
    if who.size == 0:
        return
    records = b.accounts[mark.accounts :]
    countries = [records[i].country for i in who]
    personas = make_personas(
        ctx,
        mark.accounts + who,
        countries,
        [COUNTRIES[COUNTRY_INDEX[c]].lang for c in countries],
        np.asarray([records[i].created_at for i in who], dtype=np.int64),
        cloud_share=0.0,
        client_profile="developer",
        work_share=0.4,
    )
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, local, events["ts"])
    np.maximum.at(last, local, events["ts"])
    client = np.zeros(n, dtype=np.int64)
    client[local[harvest]] = sessions["client"][session[harvest]]  # one client per account
    personas = dataclasses.replace(
        personas,
        client_a=client[who],
        weight=extra[who].astype(np.float64),
        active_lo=first[who],
        active_hi=np.maximum(last[who], first[who] + HOUR_US),
    )
    before = b.mark()
    persona_traffic(ctx, personas, int(extra.sum()), _MIX_KINDS, _MIX_POLICY, busy=0.005)
    # Each added request reuses the address of a random earlier request of its account.
    added = b.events_since(before)
    added_local = b.sessions_since(before)["account"][added["session"] - before.sessions]
    added_local = added_local - mark.accounts
    order = np.argsort(local, kind="stable")
    count = np.bincount(local, minlength=n)
    start = np.cumsum(count) - count
    pick = order[
        start[added_local] + (rng.random(len(added_local)) * count[added_local]).astype(np.int64)
    ]
    b.replace_events_since(before, "asn", events["asn"][pick])
    b.replace_events_since(before, "ip", events["ip"][pick])


def apply_to_plan(plan: Plan, adversary: Sequence[str], rng: np.random.Generator) -> Plan:
    """The plan with ``paraphrase`` and ``ip_per_account`` applied to attack accounts."""
    attack = np.asarray([a.campaign is not None for a in plan.accounts], dtype=bool)
    sessions, events = plan.sessions, plan.events
    if "paraphrase" in adversary:
        kinds = sessions["kind"].astype(np.int64)
        flag = attack[sessions["account"]] & plan.harvest_kinds[kinds]
        sessions = {**sessions, "paraphrase": flag.astype(np.int8)}
    if "ip_per_account" in adversary:
        account = sessions["account"][events["session"]]
        own = attack[account]
        asn, ip = _dedicated_addresses(rng, plan, attack, np.unique(events["ip"][~own]))
        events = {
            **events,
            "asn": np.where(own, asn[account], events["asn"]).astype(events["asn"].dtype),
            "ip": np.where(own, ip[account], events["ip"]).astype(events["ip"].dtype),
        }
    return dataclasses.replace(plan, sessions=sessions, events=events)


def _dedicated_addresses(
    rng: np.random.Generator, plan: Plan, attack: np.ndarray, taken: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per account (set for attack accounts): a residential address in its claimed
    country that no other account uses, neither another attacker nor anyone in ``taken``."""
    idx = np.flatnonzero(attack)
    country = np.asarray([COUNTRY_INDEX[plan.accounts[i].country] for i in idx], dtype=np.int64)
    own_asn = network.home_asns(rng, country)
    own_ip = network.random_ips(rng, own_asn)
    while True:
        _, first = np.unique(own_ip, return_index=True)
        clash = np.isin(own_ip, taken)
        repeated = np.ones(len(own_ip), dtype=bool)
        repeated[first] = False
        redo = clash | repeated
        if not redo.any():
            break
        own_ip[redo] = network.random_ips(rng, own_asn[redo])
    asn = np.zeros(len(plan.accounts), dtype=np.int16)
    ip = np.zeros(len(plan.accounts), dtype=np.uint32)
    asn[idx], ip[idx] = own_asn, own_ip
    return asn, ip
