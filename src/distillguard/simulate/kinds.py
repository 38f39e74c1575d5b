"""What a session is about: the content kinds the planner schedules and the renderer writes.

A request is a *harvesting exchange* exactly when its session kind is in ``HARVEST_KINDS``;
benign populations never schedule those kinds, so labels follow from the plan.
"""

from __future__ import annotations

from enum import IntEnum


class Kind(IntEnum):
    CHAT = 0
    CHAT_STEPWISE = 1
    CHAT_TOOLS = 2
    CODE_HELP = 3
    SUPPORT_BOT = 4
    DOC_SUMMARY = 5
    PRODUCT_COPY = 6
    EVAL_ITEM = 7
    PARTNER_DISTILL = 8
    HOMEWORK = 9
    WORK_TASK = 10
    COT_ELICIT = 11
    RUBRIC_GRADE = 12
    SAFE_REWRITE = 13
    AGENT_CODING = 14
    AGENT_TASK = 15
    DATA_ANALYSIS = 16
    TRACE_RECONSTRUCT = 17
    CAPABILITY_SWEEP = 18
    REASONING_COERCION = 19


HARVEST_KINDS = frozenset(
    {
        Kind.COT_ELICIT,
        Kind.RUBRIC_GRADE,
        Kind.SAFE_REWRITE,
        Kind.AGENT_CODING,
        Kind.AGENT_TASK,
        Kind.DATA_ANALYSIS,
        Kind.TRACE_RECONSTRUCT,
        Kind.CAPABILITY_SWEEP,
        Kind.REASONING_COERCION,
    }
)
KIND_NAMES = tuple(k.name.lower() for k in Kind)
