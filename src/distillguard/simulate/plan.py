"""The plan: compact arrays describing every account, session and event before any text.

Planning first keeps memory small at scale 10 (a few tens of bytes per event); text is
rendered later, chunk by chunk, from the plan alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from distillguard.simulate.kinds import HARVEST_KINDS
from distillguard.simulate.timing import SECOND_US

CHUNK_EVENTS = 20_000
"""Events per render chunk; fixed so output never depends on the number of workers."""

INJECTION_KINDS = (
    "duplicate",
    "invalid_json",
    "truncated",
    "missing_field",
    "wrong_type",
    "bad_timestamp",
)


@dataclass(frozen=True, slots=True)
class Window:
    """Scenario time bounds and the new model's release, in epoch microseconds."""

    start: int
    end: int
    release: int


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """Account metadata as written to ``accounts.jsonl`` (ids resolved at write time)."""

    population: str
    campaign: str | None
    created_at: int
    email_domain: str
    payment: int | None
    signup_channel: str
    country: str
    org: int | None
    verified: bool
    allowlist: str | None


_SESSION_FIELDS = {
    "account": np.int32,
    "kind": np.int8,
    "lang": np.int8,
    "model": np.int8,
    "client": np.int16,
    "turns": np.int16,
    "variant": np.int32,
    "key_slot": np.int8,
    "seed": np.uint64,
    "paraphrase": np.int8,  # 1: render every prompt independently paraphrased
}
_EVENT_FIELDS = {
    "ts": np.int64,
    "session": np.int32,
    "turn": np.int16,
    "asn": np.int16,
    "ip": np.uint32,
    "status": np.int16,
}


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything needed to render the output; events are already in file order."""

    window: Window
    accounts: tuple[AccountRecord, ...]
    sessions: dict[str, np.ndarray]
    events: dict[str, np.ndarray]
    inj_after: np.ndarray
    inj_kind: np.ndarray
    inj_src: np.ndarray
    harvest_kinds: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        mask = np.zeros(256, dtype=bool)
        mask[[int(k) for k in HARVEST_KINDS]] = True
        object.__setattr__(self, "harvest_kinds", mask)

    @property
    def n_events(self) -> int:
        return len(self.events["ts"])

    def event_account(self) -> np.ndarray:
        return self.sessions["account"][self.events["session"]]

    def event_harvest(self) -> np.ndarray:
        """True where the event's session is a harvesting kind."""
        kinds = self.sessions["kind"][self.events["session"]].astype(np.int64)
        return self.harvest_kinds[kinds]

    def attack_exchanges(self) -> np.ndarray:
        """Per account: harvesting exchanges that got a response (status 200)."""
        ok = self.event_harvest() & (self.events["status"] == 200)
        return np.bincount(self.event_account()[ok], minlength=len(self.accounts))

    def events_per_account(self) -> np.ndarray:
        return np.bincount(self.event_account(), minlength=len(self.accounts))


@dataclass(frozen=True, slots=True)
class Mark:
    """How much the builder held at some point; what was added after it belongs to the
    planner that ran since (used to post-process one campaign's traffic)."""

    accounts: int
    sessions: int
    session_parts: int
    event_parts: int


class PlanBuilder:
    """Accumulates accounts, sessions and events from the population planners."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.accounts: list[AccountRecord] = []
        self._sessions: dict[str, list[np.ndarray]] = {k: [] for k in _SESSION_FIELDS}
        self._events: dict[str, list[np.ndarray]] = {k: [] for k in _EVENT_FIELDS}
        self._n_sessions = 0
        self._payments = 0
        self._orgs = 0

    def new_payment(self) -> int:
        self._payments += 1
        return self._payments - 1

    def new_org(self) -> int:
        self._orgs += 1
        return self._orgs - 1

    def mark(self) -> Mark:
        return Mark(
            len(self.accounts),
            self._n_sessions,
            len(self._sessions["account"]),
            len(self._events["ts"]),
        )

    def sessions_since(self, mark: Mark) -> dict[str, np.ndarray]:
        """Session fields added after ``mark`` (session ``i`` here is ``mark.sessions + i``)."""
        return {
            k: _concat(v[mark.session_parts :], _SESSION_FIELDS[k])
            for k, v in self._sessions.items()
        }

    def events_since(self, mark: Mark) -> dict[str, np.ndarray]:
        return {
            k: _concat(v[mark.event_parts :], _EVENT_FIELDS[k]) for k, v in self._events.items()
        }

    def replace_events_since(self, mark: Mark, name: str, values: np.ndarray) -> None:
        """Overwrite one field of every event added after ``mark``."""
        parts = self._events[name]
        if len(values) != sum(len(x) for x in parts[mark.event_parts :]):
            raise ValueError(f"replace_events_since: wrong number of {name} values")
        parts[mark.event_parts :] = [np.asarray(values).astype(_EVENT_FIELDS[name])]

    def add_accounts(self, records: list[AccountRecord]) -> np.ndarray:
        """Register accounts; returns their global indices."""
        first = len(self.accounts)
        self.accounts.extend(records)
        return np.arange(first, len(self.accounts), dtype=np.int64)

    def add_sessions(
        self,
        rng: np.random.Generator,
        *,
        account: np.ndarray,
        kind: np.ndarray | int,
        lang: np.ndarray | int,
        model: np.ndarray | int,
        client: np.ndarray | int,
        turns: np.ndarray | int,
        variant: np.ndarray | int = -1,
        key_slot: np.ndarray | int | None = None,
        seed: np.ndarray | None = None,
    ) -> np.ndarray:
        """Register sessions (scalars broadcast); returns their global indices."""
        n = len(account)
        if key_slot is None:
            key_slot = np.minimum(rng.geometric(0.75, n) - 1, 2)
        if seed is None:
            seed = rng.integers(0, 2**63, size=n, dtype=np.uint64)
        values = {
            "account": account,
            "kind": kind,
            "lang": lang,
            "model": model,
            "client": client,
            "turns": turns,
            "variant": variant,
            "key_slot": key_slot,
            "seed": seed,
            "paraphrase": 0,  # set afterwards for the paraphrase adversary
        }
        for name, dtype in _SESSION_FIELDS.items():
            arr = np.broadcast_to(np.asarray(values[name]), (n,)).astype(dtype)
            self._sessions[name].append(arr)
        first = self._n_sessions
        self._n_sessions += n
        return np.arange(first, self._n_sessions, dtype=np.int64)

    def add_events(
        self,
        rng: np.random.Generator,
        *,
        session: np.ndarray,
        turn: np.ndarray,
        ts: np.ndarray,
        asn: np.ndarray,
        ip: np.ndarray,
        busy: float = 0.003,
    ) -> None:
        """Register events; those outside the window are dropped (sessions cut at the end).

        ``busy`` is the share answered 429 (rate limited); 0.2% more fail with 500.
        """
        ts = np.asarray(ts, dtype=np.int64)
        keep = (ts >= self.window.start) & (ts < self.window.end)
        n = int(keep.sum())
        u = rng.random(n)
        status = np.where(u < busy, 429, np.where(u > 0.998, 500, 200))
        values = {
            "ts": ts[keep],
            "session": np.asarray(session)[keep],
            "turn": np.asarray(turn)[keep],
            "asn": np.asarray(asn)[keep],
            "ip": np.asarray(ip)[keep],
            "status": status,
        }
        for name, dtype in _EVENT_FIELDS.items():
            self._events[name].append(np.asarray(values[name]).astype(dtype))

    def build(
        self, rng: np.random.Generator, *, malformed_rate: float, duplicate_rate: float
    ) -> Plan:
        """Concatenate, order events as a gateway would log them, and plan injected lines."""
        sessions = {k: _concat(v, _SESSION_FIELDS[k]) for k, v in self._sessions.items()}
        events = {k: _concat(v, _EVENT_FIELDS[k]) for k, v in self._events.items()}
        n = len(events["ts"])
        # Gateways log a request when it completes: order by ts plus a latency.
        latency = (rng.lognormal(np.log(3.0), 0.9, n) * SECOND_US).astype(np.int64)
        order = np.argsort(events["ts"] + latency, kind="stable")
        events = {k: v[order] for k, v in events.items()}
        after, kinds, src = _plan_injections(rng, n, malformed_rate, duplicate_rate)
        return Plan(
            window=self.window,
            accounts=tuple(self.accounts),
            sessions=sessions,
            events=events,
            inj_after=after,
            inj_kind=kinds,
            inj_src=src,
        )


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def _plan_injections(
    rng: np.random.Generator, n: int, malformed_rate: float, duplicate_rate: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of extra lines: malformed ones anywhere, duplicates re-sending a line
    from earlier in the same render chunk."""
    n_kinds = len(INJECTION_KINDS) - 1
    n_mal = max(n_kinds, round(malformed_rate * n)) if malformed_rate > 0 and n > 0 else 0
    n_dup = max(3, round(duplicate_rate * n)) if duplicate_rate > 0 and n > 1 else 0
    n_mal = min(n_mal, n)
    mal_pos = np.sort(rng.choice(n, size=n_mal, replace=False)) if n_mal else np.zeros(0, int)
    mal_kind = np.concatenate(
        [np.arange(1, n_kinds + 1), rng.integers(1, n_kinds + 1, size=max(0, n_mal - n_kinds))]
    )[:n_mal]
    candidates = np.flatnonzero(np.arange(n) % CHUNK_EVENTS >= 1)
    n_dup = min(n_dup, len(candidates))
    dup_pos = np.sort(rng.choice(candidates, size=n_dup, replace=False)) if n_dup else mal_pos[:0]
    back = rng.integers(1, np.minimum(400, dup_pos % CHUNK_EVENTS) + 1) if n_dup else dup_pos
    after = np.concatenate([mal_pos, dup_pos]).astype(np.int64)
    kinds = np.concatenate([mal_kind, np.zeros(n_dup, dtype=np.int64)]).astype(np.int8)
    src = np.concatenate([np.full(n_mal, -1), dup_pos - back]).astype(np.int64)
    order = np.lexsort((kinds, after))
    return after[order], kinds[order], src[order]
