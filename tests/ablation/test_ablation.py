"""Switching a family off makes exactly that family uninformative."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from distillguard.ablation import ablate_accounts, ablate_signals, check_families
from distillguard.events.schema import ACCOUNT_SCHEMA
from distillguard.signals.schema import SIGNAL_SCHEMA
from tests.conftest import T0, signal_row


def _signals() -> pa.Table:
    rows = [
        signal_row(
            "a",
            i,
            f"r{i}",
            intent="cot_elicitation",
            p_cot=0.6,
            p_rubric=0.1,
            p_censor=0.1,
            p_agentic=0.1,
            p_sweep=0.1,
            template_hash=7,
            prompt_hash=9,
            system_hash=3,
            tools_hash=4,
        )
        for i in range(5)
    ]
    return pa.Table.from_pylist(rows, schema=SIGNAL_SCHEMA)


def test_each_family_changes_only_its_columns() -> None:
    signals = _signals()
    for family, columns in {
        "intent": {"intent", "p_cot", "p_rubric", "p_censor", "p_agentic", "p_sweep"},
        "templates": {"template_hash", "prompt_hash", "lsh_bands"},
        "harness": {"system_hash", "tools_hash"},
        "infrastructure": {"ip", "net_prefix", "asn", "user_agent", "tls_fingerprint"},
    }.items():
        out = ablate_signals(signals, {family})
        assert out.schema == SIGNAL_SCHEMA
        changed = {c for c in SIGNAL_SCHEMA.names if not out[c].equals(signals[c])}
        assert changed == columns, family
    templates = ablate_signals(signals, {"templates"})
    assert len(set(templates["template_hash"].to_pylist())) == signals.num_rows
    bands = templates["lsh_bands"].to_pylist()
    assert len({b for row in bands for b in row}) == signals.num_rows * len(bands[0])
    assert set(ablate_signals(signals, {"intent"})["intent"].to_pylist()) == {"benign"}


def test_account_attributes_are_forgotten_but_the_allowlist_stays() -> None:
    accounts = pa.Table.from_pylist(
        [
            {
                "account_id": "a",
                "created_at": T0 - timedelta(days=1),
                "payment_fingerprint": "card-1",
                "signup_channel": "education",
                "email_domain": "uni.edu",
                "allowlist": "contract-7",
            }
        ],
        schema=ACCOUNT_SCHEMA,
    )
    out = ablate_accounts(accounts, {"account_attributes"})
    assert out is not None
    row = out.to_pylist()[0]
    assert row["allowlist"] == "contract-7"
    assert (row["payment_fingerprint"], row["signup_channel"], row["created_at"]) == (
        None,
        None,
        None,
    )
    assert ablate_accounts(accounts, {"intent"}) is accounts
    assert ablate_accounts(None, {"account_attributes"}) is None


def test_unknown_family_is_a_clear_error() -> None:
    assert check_families(["intent"]) == frozenset({"intent"})
    with pytest.raises(ValueError, match="choose from"):
        check_families(["vibes"])
