"""Skeleton masking: each variable slot type becomes its mask, the wrapper stays."""

from __future__ import annotations

import pytest

from distillguard.signals.normalize import HEAD_BYTES, TAIL_BYTES, skeleton_text


@pytest.mark.parametrize(
    ("text", "skeleton"),
    [
        ("Add 12 and 3.5, then 1,000 on 2024-05-01 at 10:30", "add @n and @n then @n on @n at @n"),
        ('Rewrite "the quick brown fox" please', "rewrite @q please"),
        ("Rewrite “the quick fox” and «le renard» now", "rewrite @q and @q now"),
        ("翻译「你好世界」", "翻 译 @q"),
        ("Explain:\n```python\nprint('x')\n```\nthanks", "explain @c thanks"),
        ("What does `x = 2` do", "what does @c do"),
        ("See https://example.com/a?b=1, or www.example.org.", "see @u or @u"),
        ("Mail john.doe+x@mail.example.co.uk today", "mail @m today"),
        ("Tell me about Barack Obama and Angela Merkel.", "tell me about @e and @e"),
        ("Summarize this. Then stop", "summarize this then stop"),
        ("I think so, said I", "i think so said i"),
    ],
)
def test_slots_are_masked(text: str, skeleton: str) -> None:
    assert skeleton_text(text) == skeleton


def test_lowercases_and_collapses_whitespace() -> None:
    assert skeleton_text("  SOLVE\tthis\n\n   Problem   NOW ") == "solve this problem @e"
    assert skeleton_text("Solve   THIS  problem") == "solve @e problem"
    assert skeleton_text("don’t Stop") == "don't @e"


def test_unterminated_quote_is_not_a_slot() -> None:
    assert skeleton_text('He is 6" tall and proud') == "he is @n tall and proud"


def test_capitals_kept_when_asked() -> None:
    assert skeleton_text("Wie kann ich meine Karte aktivieren", keep_capitals=True) == (
        "wie kann ich meine karte aktivieren"
    )
    assert (
        skeleton_text("Wie kann ich meine Karte aktivieren") == "wie kann ich meine @e aktivieren"
    )


def test_cjk_characters_are_tokens() -> None:
    assert skeleton_text("请回答：中国有多少个省？") == "请 回 答 中 国 有 多 少 个 省"


def test_long_paragraph_payload_becomes_block() -> None:
    wrapper = "You are a careful tutor. Solve the problem below and explain your reasoning."
    payload = " ".join(f"word{c}" for c in "abcdefghijklmnopqrstuvwxyz")  # 26 tokens
    payload = payload.replace("word", "w")
    text = f"{wrapper}\n\n{payload}\n\nEnd with the final answer."
    assert skeleton_text(text) == (
        "you are a careful tutor solve the problem below and explain your reasoning @b "
        "end with the final answer"
    )


def test_labelled_line_and_list_payloads_become_blocks() -> None:
    question = " ".join(["tell", "me", "what", "happened", "to", "the"] * 3)
    text = f"Question: {question}\nAnswer briefly and cite two sources for the claim."
    assert skeleton_text(text) == "question @b answer briefly and cite two sources for the claim"
    items = "\n".join(f"- item about topic number {w} with more words" for w in "abcd")
    text = f"Grade each of these answers from one to ten.\n{items}\nReply in one short line."
    assert skeleton_text(text) == (
        "grade each of these answers from one to ten @b reply in one short line"
    )


def test_payload_without_enough_wrapper_keeps_its_words() -> None:
    body = " ".join(["alpha", "beta", "gamma", "delta", "epsilon"] * 5)
    assert skeleton_text(f"Note:\n\n{body}") == f"note {body}"


def test_long_prompt_reads_head_and_tail_only() -> None:
    middle = "filler " * ((HEAD_BYTES + TAIL_BYTES) // 7 + 100)
    skeleton = skeleton_text("Start here. " + middle + "secret middle " + middle + "End here.")
    assert "secret" not in skeleton
    assert skeleton.split()[-3:] == ["filler", "@e", "here"]
    # the cut lands between words, so no partial word appears
    assert set(skeleton.split()) <= {"start", "here", "filler", "@b", "@e"}


def test_pathological_quotes_and_at_signs_still_tokenise() -> None:
    assert skeleton_text("“" * 3000 + " end") == "end"
    assert skeleton_text("a@" * 2000 + " end") == " ".join(["a"] * 2000 + ["end"])
    assert skeleton_text('say "hi" and “yo” ' + "“" * 50 + " ok") == "say @q and @q ok"
