"""Planners for the attack campaigns, modelled on publicly documented distillation
operations (see docs/threat-model.md for sources, tells and the signals meant to catch
each one)."""

from __future__ import annotations

import numpy as np

from distillguard.simulate import network
from distillguard.simulate.adversary import Clocks
from distillguard.simulate.clients import client_index, pick_clients
from distillguard.simulate.identity import (
    COUNTRIES,
    COUNTRY_INDEX,
    EDU_DOMAINS,
    INDIVIDUAL_COUNTRY_WEIGHTS,
    LANG_COUNTRY_WEIGHTS,
    LANG_INDEX,
    consumer_domain,
    startup_domain,
    weighted_choice,
)
from distillguard.simulate.kinds import Kind
from distillguard.simulate.plan import AccountRecord
from distillguard.simulate.planning import (
    Egress,
    ModelPolicy,
    PlanContext,
    make_personas,
    persona_traffic,
    pick_kinds,
    pick_models,
    sessions_per_account,
    single_turn_events,
)
from distillguard.simulate.scenario import NEW_MODEL
from distillguard.simulate.timing import (
    DAY_US,
    HOUR_US,
    MINUTE_US,
    expand_sessions,
    sample_times,
)

_CLAIMED_COUNTRIES = {
    "US": 30,
    "GB": 9,
    "SG": 12,
    "JP": 7,
    "CA": 7,
    "DE": 6,
    "AU": 5,
    "KR": 5,
    "MY": 5,
    "IN": 5,
    "NL": 3,
    "TW": 3,
    "HK": 3,
}
_OPERATOR_TZ = 8.0  # the operators' working hours drive campaign timing
# Template families per harvesting kind (the renderer has at least this many per kind).
FAMILIES = {Kind.COT_ELICIT: 6, Kind.RUBRIC_GRADE: 4, Kind.SAFE_REWRITE: 4}
_ROUTER_KINDS = {Kind.COT_ELICIT: 0.45, Kind.RUBRIC_GRADE: 0.3, Kind.SAFE_REWRITE: 0.25}


def _campaign_seed(ctx: PlanContext) -> int:
    """Stable per campaign instance: its renderer style comes from this."""
    assert ctx.spec.campaign is not None
    return int(ctx.spec.campaign.rsplit("-", 1)[1])


def _records(
    ctx: PlanContext,
    created: np.ndarray,
    channels: list[str],
    domains: list[str],
    payments: list[int | None],
    countries: list[str],
    verified_share: float,
    orgs: list[int | None] | None = None,
) -> np.ndarray:
    rng, spec = ctx.rng, ctx.spec
    n = len(created)
    org_list = orgs if orgs is not None else [None] * n
    return ctx.builder.add_accounts(
        [
            AccountRecord(
                spec.population,
                spec.campaign,
                int(created[i]),
                domains[i],
                payments[i],
                channels[i],
                countries[i],
                org_list[i],
                bool(rng.random() < verified_share),
                None,
            )
            for i in range(n)
        ]
    )


def _proxy_exits(ctx: PlanContext, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Residential-proxy exits: home addresses of the proxy network's peers, who live
    where ordinary internet users live."""
    countries = weighted_choice(ctx.rng, INDIVIDUAL_COUNTRY_WEIGHTS, n)
    idx = np.asarray([COUNTRY_INDEX[c] for c in countries])
    asn = network.home_asns(ctx.rng, idx)
    return asn, network.random_ips(ctx.rng, asn)


def plan_obfuscated_router(ctx: PlanContext) -> None:
    """Low volume per account through routers and residential proxies; synchronized,
    round-robin waves of one template family; a handful of shared payment methods."""
    rng, spec, b = ctx.rng, ctx.spec, ctx.builder
    n = spec.accounts
    created = ctx.lo - (rng.random(n) * 180 * DAY_US).astype(np.int64)
    pool = [b.new_payment() for _ in range(max(2, round(n / 25)))]
    payments: list[int | None] = [
        pool[int(rng.integers(len(pool)))] if rng.random() < 0.85 else b.new_payment()
        for _ in range(n)
    ]
    channels = weighted_choice(rng, {"self_serve": 75, "startup": 15, "research": 10}, n)
    domains = [
        startup_domain(rng) if c == "startup" else consumer_domain(rng, "en") for c in channels
    ]
    countries = weighted_choice(rng, _CLAIMED_COUNTRIES, n)
    account = _records(ctx, created, channels, domains, payments, countries, 0.45)
    router_client = pick_clients(rng, "router", n)
    egress_asn = network.cloud_asns(rng, 12, network.HOSTING_WEIGHTS)
    egress_ip = network.random_ips(rng, egress_asn)
    policy = ModelPolicy((0.0, 0.3, 0.7), adopt_delay_h=6.0, adopt_ramp_h=48.0, adopt_top=0.35)

    harvest = round(spec.events * 0.78)
    style = _campaign_seed(ctx) * 1000
    clocks = Clocks.draw(rng, countries) if ctx.random_timing else None
    if clocks is None:
        ts, acct, kind, variant = _router_waves(ctx, account, harvest, style)
    else:
        # No waves: each request goes out on its own account's clock.
        local = rng.choice(n, size=harvest, p=_activity(rng, n))
        ts = clocks.times(rng, local, ctx.lo, ctx.hi - HOUR_US)
        acct = account[local]
        kind = pick_kinds(rng, _ROUTER_KINDS, harvest)
        n_families = np.asarray([FAMILIES[Kind(int(k))] for k in kind], dtype=np.int64)
        variant = style + (rng.random(harvest) * n_families).astype(np.int64)
    h = len(ts)
    via_router = rng.random(h) < 0.3
    res_asn, res_ip = _proxy_exits(ctx, h)
    pick = rng.integers(len(egress_asn), size=h)
    single_turn_events(
        ctx,
        account=acct,
        ts=ts,
        kind=kind,
        lang=0,
        model=pick_models(rng, ts, policy, ctx.window.release),
        client=router_client[acct - account[0]],
        asn=np.where(via_router, egress_asn[pick], res_asn),
        ip=np.where(via_router, egress_ip[pick], res_ip),
        variant=variant,
        busy=0.01,
    )
    # Cover traffic: benign-looking prompts sent through the same routes.
    cover = spec.events - h
    if cover > 0:
        local = rng.integers(n, size=cover)
        who = account[local]
        if clocks is None:
            t = sample_times(
                rng,
                np.full(cover, ctx.lo),
                np.full(cover, ctx.hi),
                np.full(cover, _OPERATOR_TZ),
                "operator",
            )
        else:
            t = clocks.times(rng, local, ctx.lo, ctx.hi)
        res_asn, res_ip = _proxy_exits(ctx, cover)
        single_turn_events(
            ctx,
            account=who,
            ts=t,
            kind=pick_kinds(
                rng, {Kind.CHAT: 0.6, Kind.CODE_HELP: 0.2, Kind.CHAT_STEPWISE: 0.2}, cover
            ),
            lang=0,
            model=pick_models(rng, t, policy, ctx.window.release),
            client=router_client[who - account[0]],
            asn=res_asn,
            ip=res_ip,
        )


def _activity(rng: np.random.Generator, n: int) -> np.ndarray:
    """How busy each of ``n`` accounts is, as probabilities (some accounts do more)."""
    weight = rng.lognormal(0.0, 0.5, n)
    return weight / weight.sum()


def _router_waves(
    ctx: PlanContext, account: np.ndarray, harvest: int, style: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Synchronized round-robin waves, one template family each, in operator hours:
    (ts, account, kind, variant) per harvesting request."""
    rng, n = ctx.rng, len(account)
    waves = max(3, harvest // 45)
    wave_t = sample_times(
        rng,
        np.full(waves, ctx.lo),
        np.full(waves, ctx.hi - HOUR_US),
        np.full(waves, _OPERATOR_TZ),
        "operator",
    )
    sizes = rng.multinomial(harvest - waves, rng.dirichlet(np.full(waves, 4.0))) + 1
    wave_kind = pick_kinds(rng, _ROUTER_KINDS, waves)
    wave_kind[:3] = rng.permutation([Kind.COT_ELICIT, Kind.RUBRIC_GRADE, Kind.SAFE_REWRITE])
    ts_parts, acct_parts, kind_parts, var_parts = [], [], [], []
    for w in range(waves):
        m = int(sizes[w])
        duration = rng.uniform(3, 9) * MINUTE_US
        ts_parts.append(wave_t[w] + np.sort(rng.random(m) * duration).astype(np.int64))
        k = min(n, max(3, m // 2))
        members = rng.permutation(n)[:k]
        acct_parts.append(account[members[np.arange(m) % k]])  # round robin
        kind_parts.append(np.full(m, wave_kind[w]))
        family = int(rng.integers(FAMILIES[Kind(int(wave_kind[w]))]))
        var_parts.append(np.full(m, style + family))
    return (
        np.concatenate(ts_parts),
        np.concatenate(acct_parts),
        np.concatenate(kind_parts),
        np.concatenate(var_parts),
    )


def plan_fraud_flood(ctx: PlanContext) -> None:
    """Hundreds of accounts created in bursts via education/startup/research programmes;
    agentic work over rotating datacenter proxies, then trace reconstruction."""
    rng, spec, b = ctx.rng, ctx.spec, ctx.builder
    n = spec.accounts
    n_bursts = max(2, round(n / 80))
    span = ctx.hi - ctx.lo
    centers = np.sort(
        ctx.lo - 6 * DAY_US + (rng.random(n_bursts) * (6 * DAY_US + 0.6 * span)).astype(np.int64)
    )
    burst = np.arange(n) % n_bursts
    duration = rng.uniform(1.5, 4.0, n_bursts) * HOUR_US
    created = centers[burst] + (rng.random(n) * duration[burst]).astype(np.int64)
    channels = weighted_choice(rng, {"education": 55, "startup": 30, "research": 15}, n)
    burst_domains = [[startup_domain(rng) for _ in range(2)] for _ in range(n_bursts)]
    domains, payments = [], []
    for i, chan in enumerate(channels):
        if chan == "education":
            domains.append(EDU_DOMAINS[int(rng.integers(len(EDU_DOMAINS)))])
            payments.append(None if rng.random() < 0.6 else b.new_payment())
        elif chan == "startup":
            domains.append(burst_domains[burst[i]][int(rng.integers(2))])
            payments.append(b.new_payment())
        else:
            domains.append(consumer_domain(rng, "en"))
            payments.append(b.new_payment())
    countries = weighted_choice(rng, _CLAIMED_COUNTRIES, n)
    account = _records(ctx, created, channels, domains, payments, countries, 0.35)

    lo = np.maximum(created + rng.integers(HOUR_US // 3, 8 * HOUR_US, n), ctx.lo)
    hi = np.full(n, ctx.hi, dtype=np.int64)
    alive = lo < hi - HOUR_US
    weight = np.where(alive, rng.lognormal(0.0, 0.5, n), 0.0) + 1e-9
    per = sessions_per_account(rng, weight, spec.events, 3.0)
    per[~alive] = 0
    idx = np.repeat(np.arange(n), per)
    m = len(idx)
    if ctx.random_timing:
        starts = Clocks.draw(rng, countries).times(rng, idx, lo[idx], hi[idx])
    else:
        starts = sample_times(rng, lo[idx], hi[idx], np.full(m, _OPERATOR_TZ), "operator")
    late = starts >= ctx.lo + int(span * 2 / 3)
    early_kind = pick_kinds(rng, {Kind.AGENT_TASK: 0.65, Kind.DATA_ANALYSIS: 0.35}, m)
    late_kind = pick_kinds(
        rng, {Kind.TRACE_RECONSTRUCT: 0.6, Kind.AGENT_TASK: 0.25, Kind.DATA_ANALYSIS: 0.15}, m
    )
    kind = np.where(late, late_kind, early_kind).astype(np.int8)
    turns = np.where(
        kind == Kind.AGENT_TASK,
        np.clip(rng.poisson(4.5, m), 3, 9),
        np.where(kind == Kind.DATA_ANALYSIS, np.minimum(rng.geometric(0.6, m), 3), 1),
    )
    clients = pick_clients(rng, "harvest_sdk", n)
    policy = ModelPolicy((0.1, 0.4, 0.5), adopt_delay_h=12.0, adopt_ramp_h=72.0, adopt_top=0.25)
    sessions = b.add_sessions(
        rng,
        account=account[idx],
        kind=kind,
        lang=0,
        model=pick_models(rng, starts, policy, ctx.window.release),
        client=clients[idx],
        turns=turns,
        variant=_campaign_seed(ctx) * 1000 + rng.integers(0, 1000, m),
    )
    pos, turn, ts = expand_sessions(rng, starts, turns, 8.0, sigma=0.6)
    # Datacenter proxies: a new cloud address for every session.
    s_asn = network.cloud_asns(rng, m, network.HOSTING_WEIGHTS)
    s_ip = network.random_ips(rng, s_asn)
    b.add_events(
        rng, session=sessions[pos], turn=turn, ts=ts, asn=s_asn[pos], ip=s_ip[pos], busy=0.015
    )


def plan_high_volume_structured(ctx: PlanContext) -> None:
    """Tens of very heavy accounts: structured agentic coding, 24/7, and a pivot of about
    half the traffic to the new model within a day of its release."""
    rng, spec, b = ctx.rng, ctx.spec, ctx.builder
    n = spec.accounts
    created = ctx.window.start - (rng.uniform(20, 120, n) * DAY_US).astype(np.int64)
    channels = weighted_choice(rng, {"enterprise": 35, "startup": 45, "self_serve": 20}, n)
    domains = [startup_domain(rng) for _ in range(n)]
    payments: list[int | None] = [b.new_payment() for _ in range(n)]
    orgs: list[int | None] = [b.new_org() if rng.random() < 0.6 else None for _ in range(n)]
    countries = weighted_choice(
        rng, {"SG": 30, "US": 30, "JP": 10, "KR": 10, "HK": 10, "GB": 10}, n
    )
    account = _records(ctx, created, channels, domains, payments, countries, 0.9, orgs)
    acct_asn = network.cloud_asns(rng, n, {16509: 4, 45102: 3, 132203: 2, 396982: 2})
    pool_asn = np.repeat(acct_asn, 3)
    pool_ip = network.random_ips(rng, pool_asn)
    runner = client_index("agent-runner/2.4.0")
    clients = np.where(rng.random(n) < 0.4, runner, pick_clients(rng, "enterprise_sdk", n))

    per = sessions_per_account(rng, rng.lognormal(0.0, 0.3, n), spec.events, 6.0)
    idx = np.repeat(np.arange(n), per)
    m = len(idx)
    if ctx.random_timing:
        starts = Clocks.draw(rng, countries).times(rng, idx, ctx.lo, ctx.hi)
    else:
        starts = sample_times(rng, np.full(m, ctx.lo), np.full(m, ctx.hi), np.zeros(m), "flat")
    turns = np.clip(rng.poisson(6.0, m), 3, 14)
    before = ModelPolicy((0.0, 0.35, 0.65), adopt_top=0.0)
    model = pick_models(rng, starts, before, ctx.window.release)
    pivot = ModelPolicy((0.0, 0.35, 0.65), adopt_delay_h=1.5, adopt_ramp_h=14.0, adopt_top=0.5)
    model = np.where(
        pick_models(rng, starts, pivot, ctx.window.release) == NEW_MODEL, NEW_MODEL, model
    )
    sessions = b.add_sessions(
        rng,
        account=account[idx],
        kind=int(Kind.AGENT_CODING),
        lang=0,
        model=model,
        client=clients[idx],
        turns=turns,
        variant=_campaign_seed(ctx) * 1000 + idx % 16,
    )
    pos, turn, ts = expand_sessions(rng, starts, turns, 6.0, sigma=0.5)
    pick = idx[pos] * 3 + rng.integers(3, size=len(pos))
    b.add_events(
        rng,
        session=sessions[pos],
        turn=turn,
        ts=ts,
        asn=pool_asn[pick],
        ip=pool_ip[pick],
        busy=0.03,
    )


def plan_hydra_reseller(ctx: PlanContext) -> None:
    """A reseller's thousands of light accounts: genuine customer traffic with a little
    harvesting mixed in, everything leaving through the reseller's shared egress."""
    rng, spec, b = ctx.rng, ctx.spec, ctx.builder
    n = spec.accounts
    # Aged accounts bought over the last year, topped up as some get banned.
    created = ctx.window.start - (rng.random(n) * 365 * DAY_US).astype(np.int64)
    created = np.where(
        rng.random(n) < 0.08, ctx.lo + (rng.random(n) * 10 * DAY_US).astype(np.int64), created
    )
    langs = weighted_choice(rng, {"en": 45, "zh": 40, "ja": 5, "es": 5, "ru": 5}, n)
    countries = [
        weighted_choice(rng, LANG_COUNTRY_WEIGHTS[lang] if lang != "en" else _CLAIMED_COUNTRIES, 1)[
            0
        ]
        for lang in langs
    ]
    channels = weighted_choice(rng, {"reseller": 60, "self_serve": 27, "startup": 13}, n)
    card_pool = [b.new_payment() for _ in range(max(3, n // 200))]
    payments: list[int | None] = [
        card_pool[int(rng.integers(len(card_pool)))] if rng.random() < 0.3 else b.new_payment()
        for _ in range(n)
    ]
    domains = [
        startup_domain(rng) if c == "startup" else consumer_domain(rng, lang)
        for c, lang in zip(channels, langs, strict=True)
    ]
    account = _records(ctx, created, channels, domains, payments, countries, 0.55)
    # Relay nodes on the clouds everyone uses plus residential-proxy exits, shared by many
    # accounts; each account sticks to one node.
    n_egress = max(40, n // 25)
    relay_asn = network.cloud_asns(rng, n_egress, network.HOSTING_WEIGHTS)
    proxy_asn, _ = _proxy_exits(ctx, n_egress)
    egress_asn = np.where(rng.random(n_egress) < 0.45, proxy_asn, relay_asn).astype(np.int16)
    egress = Egress(egress_asn, network.random_ips(rng, egress_asn), rng.integers(n_egress, size=n))
    personas = make_personas(
        ctx,
        account,
        countries,
        langs,
        created,
        cloud_share=0.0,
        client_profile="developer",
        work_share=0.4,
    )
    gateway = np.where(rng.random(n) < 0.5, pick_clients(rng, "reseller_gateway", n), -1)
    harvest = max(n, round(spec.events * 0.18))
    kinds = {Kind.CHAT: 0.5, Kind.CODE_HELP: 0.25, Kind.CHAT_STEPWISE: 0.15, Kind.CHAT_TOOLS: 0.1}
    persona_traffic(
        ctx,
        personas,
        max(n, spec.events - harvest),
        kinds,
        ModelPolicy((0.35, 0.4, 0.25), adopt_delay_h=4.0, adopt_ramp_h=48.0, adopt_top=0.3),
        busy=0.005,
        egress=egress,
        gateway_clients=gateway,
    )
    # Every account carries a little harvesting traffic, dispatched around the clock.
    who = np.concatenate([np.arange(n), rng.integers(n, size=harvest - n)])
    lo = personas.active_lo[who]
    hi = np.maximum(personas.active_hi[who], lo + HOUR_US)
    if ctx.random_timing:
        t = Clocks.of_personas(personas).times(rng, who, lo, hi)
    else:
        t = sample_times(rng, lo, hi, np.full(len(who), _OPERATOR_TZ), "flat")
    fallback = pick_clients(rng, "reseller_gateway", n)
    pick = egress.pick(rng, who)
    single_turn_events(
        ctx,
        account=account[who],
        ts=t,
        kind=pick_kinds(rng, {Kind.CAPABILITY_SWEEP: 0.55, Kind.COT_ELICIT: 0.45}, len(who)),
        lang=np.where(rng.random(len(who)) < 0.8, 0, personas.lang[who]),
        model=pick_models(rng, t, ModelPolicy((0.0, 0.3, 0.7), 6.0, 36.0, 0.4), ctx.window.release),
        client=np.where(gateway[who] >= 0, gateway[who], fallback[who]),
        asn=egress.asn[pick],
        ip=egress.ip[pick],
        variant=_campaign_seed(ctx) * 1000 + rng.integers(0, 1000, len(who)),
    )


def plan_non_english_coercion(ctx: PlanContext) -> None:
    """Chinese, Russian and other prompts forcing the full thinking process to be shown in
    the user's language."""
    rng, spec = ctx.rng, ctx.spec
    n = spec.accounts
    langs = weighted_choice(rng, {"zh": 55, "ru": 30, "ja": 10, "es": 5}, n)
    countries = [weighted_choice(rng, LANG_COUNTRY_WEIGHTS[lang], 1)[0] for lang in langs]
    created = ctx.lo - (rng.random(n) * 150 * DAY_US).astype(np.int64)
    channels = weighted_choice(rng, {"self_serve": 80, "startup": 20}, n)
    pool = [ctx.builder.new_payment() for _ in range(2)]
    payments: list[int | None] = [
        pool[int(rng.integers(2))] if rng.random() < 0.3 else ctx.builder.new_payment()
        for _ in range(n)
    ]
    domains = [
        startup_domain(rng) if c == "startup" else consumer_domain(rng, lang)
        for c, lang in zip(channels, langs, strict=True)
    ]
    account = _records(ctx, created, channels, domains, payments, countries, 0.4)
    lang_idx = np.asarray([LANG_INDEX[x] for x in langs], dtype=np.int8)
    country_idx = np.asarray([COUNTRY_INDEX[c] for c in countries])
    home_asn = network.home_asns(rng, country_idx)
    home_ip = network.random_ips(rng, home_asn)
    tz = np.asarray([COUNTRIES[c].tz for c in country_idx])
    clients = pick_clients(rng, "scripts", n)

    who = np.concatenate([np.arange(n), rng.integers(n, size=max(0, spec.events - n))])
    m = len(who)
    if ctx.random_timing:
        t = Clocks.draw(rng, countries).times(rng, who, ctx.lo, ctx.hi)
    else:
        t = sample_times(rng, np.full(m, ctx.lo), np.full(m, ctx.hi), tz[who], "operator")
    cloud = rng.random(m) < 0.5
    c_asn = network.cloud_asns(rng, m, network.CLOUD_WEIGHTS)
    c_ip = network.random_ips(rng, c_asn)
    single_turn_events(
        ctx,
        account=account[who],
        ts=t,
        kind=np.where(rng.random(m) < 0.92, Kind.REASONING_COERCION, Kind.CHAT).astype(np.int8),
        lang=lang_idx[who],
        model=pick_models(rng, t, ModelPolicy((0.0, 0.1, 0.9), 4.0, 24.0, 0.5), ctx.window.release),
        client=clients[who],
        asn=np.where(cloud, c_asn, home_asn[who]),
        ip=np.where(cloud, c_ip, home_ip[who]),
        variant=_campaign_seed(ctx) * 1000 + rng.integers(0, 1000, m),
    )
