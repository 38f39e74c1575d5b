"""Topic buckets: deterministic, subject-driven, with a fallback for uncovered text."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.signals.topic import N_FEATURES, NO_TOPIC, TopicModel, load_topic_model
from tests.signals.signals_testkit import texts

BANKING = [
    "My card payment was declined at the supermarket, why?",
    "Why was my card payment declined when I tried to pay?",
    "The shop declined my card payment twice today.",
    "Card payment declined even though I have money in my account.",
]
DIVERSE = [
    "How do volcanoes form and why do they erupt?",
    "Write a python function to merge two sorted lists.",
    "What are the symptoms of vitamin D deficiency?",
    "Who won the football world cup in 1998?",
    "How do I bake sourdough bread with a crispy crust?",
    "Explain the causes of the French revolution.",
    "Solve for x: 3x + 7 = 22, show your work.",
    "What is the best way to learn the guitar as an adult?",
]


def test_same_subject_shares_buckets_and_diverse_subjects_spread() -> None:
    model = load_topic_model()
    banking = texts(BANKING).topic
    diverse = texts(DIVERSE).topic
    assert len(set(banking.tolist())) <= 2
    assert len(set(diverse.tolist())) >= 6
    assert np.all((diverse >= 0) & (diverse < 2 * model.k))


def test_deterministic_and_fallback_for_uncovered_text() -> None:
    model = load_topic_model()
    russian = ["Расскажи о истории древнего Рима и его императорах"] * 2
    sig = texts(russian)
    assert sig.topic[0] == sig.topic[1]
    assert model.k <= sig.topic[0] < 2 * model.k  # outside every fitted centroid
    assert texts(["", "12 34 !!", "a an"]).topic.tolist() == [NO_TOPIC] * 3


def test_model_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="hashed features"):
        TopicModel(idf=np.ones(3, np.float32), centroids_t=np.ones((N_FEATURES, 4)), tau=0.1)
