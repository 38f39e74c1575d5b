"""Key groups by common holders: the counting kernel against the sparse-product definition."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from distillguard.campaigns.key_links import linked_components


def _reference(
    accounts: np.ndarray, keys: np.ndarray, content: np.ndarray, least: int
) -> np.ndarray:
    """Components of the keys x keys common-holder counts (keys' holders matrix squared)."""
    held = sp.csr_matrix(
        (np.ones(len(keys)), (accounts, keys)), shape=(int(accounts.max()) + 1, len(content))
    )
    common = (held.T @ held).tocoo()
    strong = (common.data >= least) & (common.row != common.col)
    strong &= content[common.row] == content[common.col]
    links = sp.coo_matrix(
        (np.ones(int(strong.sum())), (common.row[strong], common.col[strong])),
        shape=common.shape,
    )
    return connected_components(links, directed=False)[1]


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal labels in ``a`` exactly where equal labels in ``b``."""
    pairs = {(int(x), int(y)) for x, y in zip(a, b, strict=True)}
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_accounts=st.integers(1, 40),
    n_keys=st.integers(1, 30),
    holdings=st.integers(1, 300),
    least=st.integers(1, 4),
)
def test_components_equal_the_sparse_product_definition(
    seed: int, n_accounts: int, n_keys: int, holdings: int, least: int
) -> None:
    rng = np.random.default_rng(seed)
    accounts = rng.integers(0, n_accounts, holdings)
    keys = rng.integers(0, n_keys, holdings)  # repeated (account, key) pairs included
    content = rng.random(n_keys) < 0.3
    got = linked_components(accounts, keys, content, least)
    assert len(got) == n_keys
    assert _same_partition(got, _reference(accounts, keys, content, least))


def test_links_need_enough_common_holders_and_one_kind() -> None:
    # Keys 0 and 1 share three holders, 1 and 2 share two; key 3 (content) shares three with 0.
    accounts = np.array([0, 1, 2, 0, 1, 2, 3, 4, 3, 4, 0, 1, 2])
    keys = np.array([0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3])
    content = np.array([False, False, False, True])
    labels = linked_components(accounts, keys, content, 3)
    assert labels[0] == labels[1]
    assert labels[2] != labels[1]  # two common holders are not enough
    assert labels[3] != labels[0]  # a content key never links to an infrastructure key
    assert linked_components(accounts, keys, content, 2)[2] == labels[1]
