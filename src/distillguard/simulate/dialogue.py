"""A session's content: an optional system prompt and tools, then one step per request.

Step ``k`` of a session is one logged request: its messages are the system prompt, every
earlier step's new messages and responses, and step ``k``'s new messages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from distillguard.simulate import responses

Message = dict[str, str]


@dataclass(frozen=True, slots=True)
class Step:
    """What one request adds (user or tool messages) and what the model returned."""

    new_messages: tuple[Message, ...]
    response: str
    reasoning: str | None = None
    hidden_reasoning_tokens: int = 0


def count_tokens(text: str) -> int:
    """Rough tokenizer-free count: ~4 bytes per token, ~1 token per CJK character."""
    if text.isascii():
        return (len(text) + 3) // 4
    return (len(text.encode("utf-8")) + 2) // 3


_PER_MESSAGE = 4  # role and separator tokens


@dataclass(frozen=True, slots=True)
class Dialogue:
    system: str | None
    tools: tuple[str, ...]
    steps: tuple[Step, ...]

    def prompt_tokens(self) -> list[int]:
        """Prompt tokens of every request of the session (prior turns included)."""
        total = 0 if self.system is None else count_tokens(self.system) + _PER_MESSAGE
        out = []
        for step in self.steps:
            new = sum(count_tokens(m["content"]) + _PER_MESSAGE for m in step.new_messages)
            out.append(total + new)
            total += new + count_tokens(step.response) + _PER_MESSAGE
        return out

    def messages_for(self, turn: int) -> list[Message]:
        """The ``messages`` array of request number ``turn`` (prior turns included)."""
        out: list[Message] = []
        if self.system is not None:
            out.append({"role": "system", "content": self.system})
        for step in self.steps[:turn]:
            out.extend(step.new_messages)
            out.append({"role": "assistant", "content": step.response})
        out.extend(self.steps[turn].new_messages)
        return out


def user(content: str) -> Message:
    return {"role": "user", "content": content}


def tool(content: str) -> Message:
    return {"role": "tool", "content": content}


def step_with_reasoning(
    r: random.Random,
    new: tuple[Message, ...],
    response: str,
    reasoning_model: bool,
    topic: str,
    lang: str = "en",
) -> Step:
    """A step whose reasoning is returned for about a third of reasoning-model requests
    (clients that ask for it) and otherwise only counted as hidden reasoning tokens."""
    if not reasoning_model:
        return Step(new, response)
    if r.random() < 0.35:
        text = responses.reasoning(r, lang, responses.topic_of(topic, lang), r.randint(300, 1400))
        return Step(new, response, text)
    return Step(new, response, None, r.randint(150, 3000))
