"""Planners for the benign populations, including the hard negatives.

Each hard negative mirrors one attack tell: the licensed partner distils systematically
(but is allowlisted), the university NAT packs many young education accounts behind a few
IPs with a lab-session signup burst, the corporate team shares one card and one IP, eval
harnesses jump onto the new model on release day, and Chinese users ask for step-by-step
explanations.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from distillguard.simulate import network
from distillguard.simulate.clients import client_index, pick_clients
from distillguard.simulate.identity import (
    COUNTRIES,
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
    ModelPolicy,
    Personas,
    PlanContext,
    make_personas,
    persona_traffic,
    pick_models,
    sessions_per_account,
    single_turn_events,
)
from distillguard.simulate.scenario import MODEL_INDEX, NEW_MODEL
from distillguard.simulate.timing import (
    DAY_US,
    HOUR_US,
    MINUTE_US,
    SECOND_US,
    expand_sessions,
    sample_times,
)

COUNTRIES_BY_CODE = {c.code: c for c in COUNTRIES}
PERSONAL_POLICY = ModelPolicy(
    (0.35, 0.4, 0.25), adopt_delay_h=2.0, adopt_ramp_h=96.0, adopt_top=0.25
)
_CHANNELS_INDIVIDUAL = {
    "self_serve": 80,
    "startup": 5,
    "research": 2,
    "education": 3,
    "reseller": 10,
}


def _signups(ctx: PlanContext, n: int, mean_days: float, new_share: float) -> np.ndarray:
    """Signup times of a growing user base: most long before the window, a steady stream
    of recent signups (a quarter in the last 90 days) and ``new_share`` inside it."""
    rng = ctx.rng
    start = ctx.window.start
    old = start - (rng.exponential(mean_days, n) * DAY_US).astype(np.int64) - DAY_US
    recent = start - (rng.random(n) * 90 * DAY_US).astype(np.int64)
    old = np.where(rng.random(n) < 0.25, recent, old)
    span = ctx.window.end - start - 2 * DAY_US
    new = start + (rng.random(n) * span).astype(np.int64)
    return np.where(rng.random(n) < new_share, new, old)


def _person_records(
    ctx: PlanContext,
    countries: list[str],
    langs: list[str],
    created: np.ndarray,
    channels: Mapping[str, float],
) -> list[AccountRecord]:
    rng, b = ctx.rng, ctx.builder
    chans = weighted_choice(rng, channels, len(countries))
    out = []
    for country, lang, ts, chan in zip(countries, langs, created, chans, strict=True):
        if chan == "education":
            domain = EDU_DOMAINS[int(rng.integers(len(EDU_DOMAINS)))]
        elif chan == "startup" or rng.random() < 0.12:
            domain = startup_domain(rng)
        else:
            domain = consumer_domain(rng, lang)
        out.append(
            AccountRecord(
                population=ctx.spec.population,
                campaign=None,
                created_at=int(ts),
                email_domain=domain,
                payment=b.new_payment() if rng.random() < 0.88 else None,
                signup_channel=chan,
                country=country,
                org=b.new_org() if rng.random() < 0.06 else None,
                verified=bool(rng.random() < 0.6),
                allowlist=None,
            )
        )
    return out


def plan_individual(ctx: PlanContext) -> None:
    """Developers and hobbyists: diurnal, multi-turn, varied topics, some CoT and tools."""
    rng, spec = ctx.rng, ctx.spec
    n = spec.accounts
    countries = weighted_choice(rng, INDIVIDUAL_COUNTRY_WEIGHTS, n)
    langs = [COUNTRIES_BY_CODE[c].lang if rng.random() < 0.5 else "en" for c in countries]
    created = _signups(ctx, n, 300.0, 0.07)
    account = ctx.builder.add_accounts(
        _person_records(ctx, countries, langs, created, _CHANNELS_INDIVIDUAL)
    )
    personas = make_personas(
        ctx,
        account,
        countries,
        langs,
        created,
        cloud_share=0.6,
        client_profile="developer",
        work_share=0.45,
    )
    _via_gateways(ctx, personas, share=0.15)
    kinds = {Kind.CHAT: 0.52, Kind.CODE_HELP: 0.2, Kind.CHAT_STEPWISE: 0.16, Kind.CHAT_TOOLS: 0.12}
    persona_traffic(ctx, personas, spec.events, kinds, PERSONAL_POLICY)


def _via_gateways(ctx: PlanContext, p: Personas, share: float) -> None:
    """Route ``share`` of the personas through legitimate LLM gateways (observability and
    routing proxies): many unrelated benign accounts then share a few cloud egress IPs."""
    rng = ctx.rng
    n_nodes = max(4, len(p.account) // 120)
    node_asn = network.cloud_asns(rng, n_nodes, network.HOSTING_WEIGHTS)
    node_ip = network.random_ips(rng, node_asn)
    users = np.flatnonzero(rng.random(len(p.account)) < share)
    node = rng.integers(n_nodes, size=len(users))
    p.home_asn[users] = node_asn[node]
    p.home_ip[users] = node_ip[node]


def plan_non_english_user(ctx: PlanContext) -> None:
    """Users writing in zh, ru, es, de, ja; Chinese users often ask for step-by-step help."""
    rng, spec = ctx.rng, ctx.spec
    n = spec.accounts
    langs = weighted_choice(rng, {"zh": 35, "ru": 20, "es": 18, "de": 15, "ja": 12}, n)
    countries = [weighted_choice(rng, LANG_COUNTRY_WEIGHTS[lang], 1)[0] for lang in langs]
    created = _signups(ctx, n, 250.0, 0.08)
    channels = {"self_serve": 75, "startup": 5, "education": 5, "reseller": 15}
    account = ctx.builder.add_accounts(_person_records(ctx, countries, langs, created, channels))
    personas = make_personas(
        ctx,
        account,
        countries,
        langs,
        created,
        cloud_share=0.5,
        client_profile="developer",
        work_share=0.35,
    )
    _via_gateways(ctx, personas, share=0.15)
    zh = personas.lang == LANG_INDEX["zh"]
    # Two passes so Chinese writers get more step-by-step requests.
    for mask, stepwise in ((zh, 0.3), (~zh, 0.18)):
        if not mask.any():
            continue
        sub = personas.subset(mask)
        share = round(float(spec.events * mask.mean()))
        kinds = {
            Kind.CHAT: 0.55 - stepwise + 0.18,
            Kind.CHAT_STEPWISE: stepwise,
            Kind.CODE_HELP: 0.17,
            Kind.CHAT_TOOLS: 0.1,
        }
        persona_traffic(
            ctx, sub, max(share, len(sub.account)), kinds, PERSONAL_POLICY, english_share=0.1
        )


_APPS = (
    # kind, company domain, country, user agent, model, activity profile
    (
        Kind.SUPPORT_BOT,
        "northwind-bank.co.uk",
        "GB",
        "NorthwindAssist/3.2 (python-httpx/0.27.0)",
        "atlas-3-mini",
        "support",
    ),
    (Kind.DOC_SUMMARY, "lexbrief.com", "US", "LexBrief/1.9.4", "atlas-3", "work"),
    (Kind.PRODUCT_COPY, "shopscribe.de", "DE", "ShopScribe/5.0.1", "atlas-3-mini", "batch"),
)


def plan_enterprise_app(ctx: PlanContext) -> None:
    """One account per app, a fixed system prompt, huge steady volume from a few cloud IPs."""
    rng, spec, b = ctx.rng, ctx.spec, ctx.builder
    per_app = spec.events // spec.accounts
    for k in range(spec.accounts):
        kind, domain, country, ua, model, profile = _APPS[k % len(_APPS)]
        if k >= len(_APPS):
            domain = startup_domain(rng)
        created = ctx.window.start - int(rng.uniform(200, 700) * DAY_US)
        (acct,) = b.add_accounts(
            [
                AccountRecord(
                    ctx.spec.population,
                    None,
                    created,
                    domain,
                    b.new_payment(),
                    "enterprise",
                    country,
                    b.new_org(),
                    True,
                    None,
                )
            ]
        )
        asn = network.cloud_asns(rng, 1, network.HOSTING_WEIGHTS)
        pool_asn = np.repeat(asn, 4)
        pool_ip = network.random_ips(rng, pool_asn)
        tz = COUNTRIES_BY_CODE[country].tz
        client = (
            client_index(ua)
            if rng.random() < 0.7
            else int(pick_clients(rng, "enterprise_sdk", 1)[0])
        )
        if profile == "batch":
            starts = _nightly_batches(ctx, per_app, tz)
            turns = np.ones(len(starts), dtype=np.int64)
        else:
            mean_turns = 1.8 if kind == Kind.SUPPORT_BOT else 1.0
            n_sess = max(1, int(per_app / mean_turns))
            lo = np.full(n_sess, ctx.lo)
            hi = np.full(n_sess, ctx.hi)
            starts = sample_times(rng, lo, hi, np.full(n_sess, tz), profile)
            turns = np.minimum(rng.geometric(1.0 / mean_turns, n_sess), 6)
        sessions = b.add_sessions(
            rng,
            account=np.full(len(starts), acct),
            kind=int(kind),
            lang=0,
            model=MODEL_INDEX[model],
            client=client,
            turns=turns,
            variant=k,
            key_slot=rng.integers(0, 3, len(starts)),
        )
        pos, turn, ts = expand_sessions(rng, starts, turns, 45.0)
        pick = rng.integers(4, size=len(pos))
        b.add_events(
            rng,
            session=sessions[pos],
            turn=turn,
            ts=ts,
            asn=pool_asn[pick],
            ip=pool_ip[pick],
            busy=0.002,
        )


def _nightly_batches(ctx: PlanContext, total: int, tz: float) -> np.ndarray:
    """A catalogue job each night (01:00-04:00 local) plus a trickle in the day."""
    rng = ctx.rng
    days = (ctx.hi - ctx.lo) // DAY_US
    nightly = int(total * 0.8)
    day = rng.integers(0, days, nightly)
    local_midnight = ctx.lo + day * DAY_US - int(tz * HOUR_US)
    batch = local_midnight + HOUR_US + (rng.random(nightly) * 3 * HOUR_US).astype(np.int64)
    rest = total - nightly
    lo = np.full(rest, ctx.lo)
    trickle = sample_times(rng, lo, np.full(rest, ctx.hi), np.full(rest, tz), "work")
    starts = np.concatenate([batch, trickle])
    return starts[(starts >= ctx.lo) & (starts < ctx.hi)]


EVAL_SUITES = 4  # gsm8k-style CoT, MMLU-style multiple choice, HumanEval-style code, MT-Bench


def plan_eval_harness(ctx: PlanContext) -> None:
    """Benchmark sweeps: same items every run, nightly, and a full run on release day."""
    rng, spec, b = ctx.rng, ctx.spec, ctx.builder
    per_acct = spec.events // spec.accounts
    for k in range(spec.accounts):
        suite = k % EVAL_SUITES
        turns_per_item = 2 if suite == 3 else 1
        items = int(np.clip(per_acct / (7 * turns_per_item), 8, 400))
        runs = max(2, per_acct // (items * turns_per_item))
        country = ("US", "GB", "DE", "SG")[k % 4]
        tz = COUNTRIES_BY_CODE[country].tz
        channel = ("research", "enterprise", "startup")[k % 3]
        created = ctx.window.start - int(rng.uniform(60, 400) * DAY_US)
        (acct,) = b.add_accounts(
            [
                AccountRecord(
                    spec.population,
                    None,
                    created,
                    startup_domain(rng),
                    b.new_payment(),
                    channel,
                    country,
                    b.new_org(),
                    True,
                    None,
                )
            ]
        )
        pool_asn = np.repeat(network.cloud_asns(rng, 1, network.HOSTING_WEIGHTS), 2)
        pool_ip = network.random_ips(rng, pool_asn)
        ua = client_index("evalkit/0.6.2") if k % 2 else int(pick_clients(rng, "scripts", 1)[0])
        item_seeds = rng.integers(0, 2**63, size=items, dtype=np.uint64)
        run_starts, run_models = _eval_schedule(ctx, runs - 1, tz)
        for r, (start, model) in enumerate(zip(run_starts, run_models, strict=True)):
            order = rng.permutation(items)
            offsets = np.cumsum(rng.exponential(1.5 * SECOND_US, items)).astype(np.int64)
            starts = int(start) + offsets
            sessions = b.add_sessions(
                rng,
                account=np.full(items, acct),
                kind=int(Kind.EVAL_ITEM),
                lang=0,
                model=int(model),
                client=ua,
                turns=turns_per_item,
                variant=suite + EVAL_SUITES * r,
                key_slot=0,
                seed=item_seeds[order],
            )
            pos, turn, ts = expand_sessions(
                rng, starts, np.full(items, turns_per_item), 20.0, sigma=0.5
            )
            pick = rng.integers(2, size=len(pos))
            b.add_events(
                rng,
                session=sessions[pos],
                turn=turn,
                ts=ts,
                asn=pool_asn[pick],
                ip=pool_ip[pick],
                busy=0.02,
            )


def _eval_schedule(ctx: PlanContext, nightly: int, tz: float) -> tuple[np.ndarray, np.ndarray]:
    """Nightly regression runs on current models, plus the release-day run on the new one."""
    rng, w = ctx.rng, ctx.window
    days = (w.end - w.start) // DAY_US
    release_day = (w.release - w.start) // DAY_US
    candidates = np.asarray([d for d in range(days) if d != release_day])
    chosen = rng.choice(candidates, size=min(nightly, len(candidates)), replace=False)
    local_2am = w.start + chosen * DAY_US + 2 * HOUR_US - int(tz * HOUR_US)
    starts = local_2am + rng.integers(0, 60 * MINUTE_US, len(chosen))
    models = rng.choice([MODEL_INDEX["atlas-3"], MODEL_INDEX["atlas-3-think"]], size=len(chosen))
    models = np.where(starts > w.release, NEW_MODEL, models)
    release_run = w.release + int(rng.uniform(1.0, 6.0) * HOUR_US)
    starts = np.concatenate([starts, [release_run]]).astype(np.int64)
    models = np.concatenate([models, [NEW_MODEL]])
    keep = (starts >= w.start) & (starts < w.end - HOUR_US)
    return starts[keep], models[keep]


def plan_licensed_partner(ctx: PlanContext) -> None:
    """A contracted distillation partner: heavy, systematic, CoT-rich, and allowlisted."""
    rng, spec, b = ctx.rng, ctx.spec, ctx.builder
    per_acct = spec.events // spec.accounts
    for k in range(spec.accounts):
        created = ctx.window.start - int(rng.uniform(90, 300) * DAY_US)
        (acct,) = b.add_accounts(
            [
                AccountRecord(
                    spec.population,
                    None,
                    created,
                    startup_domain(rng),
                    b.new_payment(),
                    "enterprise",
                    "US",
                    b.new_org(),
                    True,
                    f"DPA-2025-{17 + k:03d}",
                )
            ]
        )
        pool_asn = np.repeat(network.cloud_asns(rng, 1, {16509: 3, 396982: 1}), 6)
        pool_ip = network.random_ips(rng, pool_asn)
        ts = sample_times(
            rng, np.full(per_acct, ctx.lo), np.full(per_acct, ctx.hi), np.zeros(per_acct), "flat"
        )
        policy = ModelPolicy((0.0, 0.3, 0.7), adopt_delay_h=30.0, adopt_ramp_h=72.0, adopt_top=0.6)
        ua = client_index("distill-pipeline/4.1 (contract)")
        pick = rng.integers(6, size=per_acct)
        single_turn_events(
            ctx,
            account=np.full(per_acct, acct),
            ts=ts,
            kind=int(Kind.PARTNER_DISTILL),
            lang=0,
            model=pick_models(rng, ts, policy, ctx.window.release),
            client=np.where(rng.random(per_acct) < 0.8, ua, client_index("OpenAI/Python 1.51.0")),
            asn=pool_asn[pick],
            ip=pool_ip[pick],
            busy=0.02,
        )


_NAT_GROUP = 300


def plan_university_nat(ctx: PlanContext) -> None:
    """Students behind a campus NAT: education signups (one lab-session burst), homework."""
    rng, spec, b = ctx.rng, ctx.spec, ctx.builder
    groups = -(-spec.accounts // _NAT_GROUP)
    uni_asns = network.asns_of("university")
    for g in range(groups):
        n = spec.accounts // groups + (1 if g < spec.accounts % groups else 0)
        ev = spec.events // groups
        asn = int(uni_asns[g % len(uni_asns)])
        country = network.ASNS[asn].country
        lang = {"DE": "de", "TW": "zh"}.get(country, "en")
        domain = EDU_DOMAINS[g % len(EDU_DOMAINS)]
        tz = COUNTRIES_BY_CODE[country].tz
        term_start = ctx.window.start - int(rng.uniform(30, 45) * DAY_US)
        lab = term_start + int(rng.uniform(1, 14)) * DAY_US + int((14 - tz) * HOUR_US)
        in_lab = rng.random(n) < 0.4
        spread = term_start + (rng.random(n) * (ctx.window.start + 7 * DAY_US - term_start))
        created = np.where(
            in_lab, lab + rng.integers(0, 100 * MINUTE_US, n), spread.astype(np.int64)
        )
        records = []
        for i in range(n):
            edu = rng.random() < 0.9
            records.append(
                AccountRecord(
                    spec.population,
                    None,
                    int(created[i]),
                    domain if edu or rng.random() < 0.5 else consumer_domain(rng, lang),
                    b.new_payment() if rng.random() < 0.3 else None,
                    "education" if edu else "self_serve",
                    country,
                    None,
                    bool(rng.random() < 0.5),
                    None,
                )
            )
        account = b.add_accounts(records)
        personas = make_personas(
            ctx,
            account,
            [country] * n,
            [lang] * n,
            created,
            cloud_share=0.0,
            client_profile="student",
            work_share=0.0,
        )
        nat_ip = network.random_ips(rng, np.full(3, asn, dtype=np.int16))
        _homework_sessions(ctx, personas, ev, g, tz, (asn, nat_ip))


def _homework_sessions(
    ctx: PlanContext,
    p: Personas,
    events: int,
    group: int,
    tz: float,
    nat: tuple[int, np.ndarray],
) -> None:
    """Campus traffic: homework near weekly deadlines (Thursday 23:59 local), plus chat.

    On campus every connection leaves through one of the NAT's few public addresses.
    """
    rng, b = ctx.rng, ctx.builder
    nat_asn, nat_ip = nat
    per = sessions_per_account(rng, p.weight, events, 1.8)
    idx = np.repeat(np.arange(len(p.account)), per)
    n = len(idx)
    starts = sample_times(rng, p.active_lo[idx], p.active_hi[idx], p.tz[idx], "student")
    kind = np.where(
        rng.random(n) < 0.65,
        Kind.HOMEWORK,
        np.where(rng.random(n) < 0.5, Kind.CHAT, Kind.CODE_HELP),
    ).astype(np.int8)
    # Pull homework sessions towards the next deadline.
    local = starts + int(tz * HOUR_US)
    days_to_thu = (3 - (local // DAY_US + 3) % 7) % 7
    deadline = (local // DAY_US + days_to_thu + 1) * DAY_US - MINUTE_US - int(tz * HOUR_US)
    rush = deadline - (rng.exponential(14.0, n) * HOUR_US).astype(np.int64)
    hw = (kind == Kind.HOMEWORK) & (rng.random(n) < 0.5)
    starts = np.where(hw & (rush > p.active_lo[idx]) & (rush < ctx.hi), rush, starts)
    week = (deadline - ctx.window.start) // (7 * DAY_US)
    variant = np.where(kind == Kind.HOMEWORK, group * 1000 + week * 10 + rng.integers(0, 8, n), -1)
    turns = np.minimum(rng.geometric(1.0 / 1.8, n), 6)
    sessions = b.add_sessions(
        rng,
        account=p.account[idx],
        kind=kind,
        lang=p.lang[idx],
        model=pick_models(
            rng, starts, ModelPolicy((0.5, 0.35, 0.15), 12.0, 96.0, 0.1), ctx.window.release
        ),
        client=np.where(rng.random(n) < 0.85, p.client_a[idx], p.client_b[idx]),
        turns=turns,
        variant=variant,
    )
    pos, turn, ts = expand_sessions(rng, starts, turns, 90.0)
    on_campus = (rng.random(n) < 0.85)[pos]
    nat_exit = nat_ip[rng.integers(len(nat_ip), size=n)][pos]
    a = idx[pos]
    asn = np.where(on_campus, nat_asn, p.home_asn[a])
    ip = np.where(on_campus, nat_exit, p.home_ip[a])
    b.add_events(rng, session=sessions[pos], turn=turn, ts=ts, asn=asn, ip=ip, busy=0.004)


_TEAM = 25
_TEAMS = (
    ("helixworks.com", "DE", "de"),
    ("brightpath-analytics.com", "GB", "en"),
    ("tessera-health.com", "US", "en"),
)


def plan_corporate_team(ctx: PlanContext) -> None:
    """Teams sharing one card, one org and one office egress IP; office hours only."""
    rng, spec, b = ctx.rng, ctx.spec, ctx.builder
    groups = -(-spec.accounts // _TEAM)
    corp_asns = network.asns_of("corporate")
    for g in range(groups):
        n = spec.accounts // groups + (1 if g < spec.accounts % groups else 0)
        domain, country, lang = _TEAMS[g % len(_TEAMS)]
        if g >= len(_TEAMS):
            domain = startup_domain(rng)
        payment, org = b.new_payment(), b.new_org()
        channel = "enterprise" if g % 3 != 2 else "startup"
        onboard = ctx.window.start - int(rng.uniform(40, 300) * DAY_US)
        created = onboard + (rng.exponential(3.0, n) * DAY_US).astype(np.int64)
        account = b.add_accounts(
            [
                AccountRecord(
                    spec.population,
                    None,
                    int(t),
                    domain,
                    payment,
                    channel,
                    country,
                    org,
                    True,
                    None,
                )
                for t in created
            ]
        )
        langs = [lang if rng.random() < 0.6 else "en" for _ in range(n)]
        personas = make_personas(
            ctx,
            account,
            [country] * n,
            langs,
            created,
            cloud_share=0.0,
            client_profile="developer",
            work_share=1.0,
        )
        office_asn = np.int16(corp_asns[g % len(corp_asns)])
        office_ip = network.random_ips(rng, np.asarray([office_asn]))[0]
        personas.home_asn[:] = office_asn
        personas.home_ip[:] = office_ip
        personas.alt_asn[:] = office_asn
        personas.alt_ip[:] = office_ip
        kinds = {
            Kind.WORK_TASK: 0.45,
            Kind.CODE_HELP: 0.3,
            Kind.CHAT_TOOLS: 0.1,
            Kind.CHAT_STEPWISE: 0.15,
        }
        persona_traffic(
            ctx,
            personas,
            spec.events // groups,
            kinds,
            ModelPolicy((0.2, 0.5, 0.3), adopt_delay_h=20.0, adopt_ramp_h=72.0, adopt_top=0.3),
            mean_turns=2.5,
            gap_s=120.0,
        )
