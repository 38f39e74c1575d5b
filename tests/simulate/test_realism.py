"""No single metadata field gives attackers away, and attack text is not one fixed string."""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from distillguard.simulate.network import ASNS

from .conftest import Dataset

_ASN_COUNTRY = {a.label: a.country for a in ASNS}


def _oof_target_encoding_auc(values: list[str], y: np.ndarray) -> float:
    """ROC-AUC of scoring each category by its attack rate, learned out of fold."""
    cats = np.asarray(values, dtype=object)
    scores = np.zeros(len(y))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(cats, y):
        prior = y[train].mean()
        hits: collections.Counter[str] = collections.Counter()
        seen: collections.Counter[str] = collections.Counter()
        for c, t in zip(cats[train], y[train], strict=True):
            hits[c] += int(t)
            seen[c] += 1
        for j in test:
            scores[j] = (hits[cats[j]] + prior) / (seen[cats[j]] + 1)
    return float(roc_auc_score(y, scores))


def _modal(ds: Dataset, key: Callable[[dict[str, Any]], str]) -> dict[str, str]:
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for e in ds.events:
        counts[e["account_id"]][key(e)] += 1
    return {a: c.most_common(1)[0][0] for a, c in counts.items()}


def test_no_single_metadata_field_separates_attackers(small: Dataset) -> None:
    ids = sorted(small.accounts)
    y = np.asarray([small.labels[i]["is_attack"] == "true" for i in ids])
    acc = small.accounts
    fields: dict[str, list[str]] = {
        "email_domain": [acc[i]["email_domain"] for i in ids],
        "signup_channel": [acc[i]["signup_channel"] for i in ids],
        "country": [acc[i]["country"] for i in ids],
        "verified": [str(acc[i]["verified"]) for i in ids],
        "created_hour": [acc[i]["created_at"][11:13] for i in ids],
        "created_day": [acc[i]["created_at"][:10] for i in ids],
        "has_payment": [str(acc[i]["payment_fingerprint"] is not None) for i in ids],
        "has_org": [str(acc[i]["org_id"] is not None) for i in ids],
    }
    modal_keys: dict[str, Callable[[dict[str, Any]], str]] = {
        "modal_user_agent": lambda e: e["user_agent"],
        "modal_asn": lambda e: e["asn"],
        "modal_ip_country": lambda e: _ASN_COUNTRY[e["asn"]],
        "modal_tls_fingerprint": lambda e: e["tls_fingerprint"],
        "modal_model": lambda e: e["model"],
    }
    for name, key in modal_keys.items():
        modal = _modal(small, key)
        fields[name] = [modal.get(i, "") for i in ids]
    aucs = {name: _oof_target_encoding_auc(values, y) for name, values in fields.items()}
    assert max(aucs.values()) < 0.8, aucs
    assert min(aucs.values()) > 0.3, aucs  # and no field is informative in reverse


def test_attack_prompts_are_varied(small: Dataset) -> None:
    by_intent: dict[str, list[str]] = collections.defaultdict(list)
    for e in small.events:
        label = small.event_labels[e["request_id"]]
        if label["harvest"] == "true":
            by_intent[label["intent"]].append(e["messages"][-1]["content"])
    assert len(by_intent) == 9
    for intent, prompts in by_intent.items():
        if intent in ("agent_coding", "agent_task", "data_analysis"):
            continue  # later steps are tool results
        assert len(set(prompts)) > 0.9 * len(prompts), intent
        openings = collections.Counter(p[:40] for p in prompts)
        assert openings.most_common(1)[0][1] < 0.5 * len(prompts), intent
