"""Agentic sessions: structured coding agents, tool-using and computer-use agents, data
analysis, and ordinary function-calling apps.

Each session is a loop of model actions and tool results, so requests carry long prior
context (system prompt, tool definitions, earlier observations), as real agent traffic
does.
"""

from __future__ import annotations

import json
import random
from typing import Any

from distillguard.simulate import responses
from distillguard.simulate.corpora import PromptBank
from distillguard.simulate.dialogue import Dialogue, Step, step_with_reasoning, tool, user
from distillguard.simulate.lexicon import lexicon, templates
from distillguard.simulate.paraphrase import rewrite

_LEX = lexicon("agents")
_AGENT_NAMES: list[str] = _LEX["agent_names"]
_CODING_TOOLS: list[str] = _LEX["coding_tools"]
_TOOL_SIGS: dict[str, str] = _LEX["tool_sigs"]
_REPOS: list[str] = _LEX["repos"]
_ISSUES: list[str] = _LEX["issues"]
_CODING_SYSTEM: str = _LEX["coding_system"]
_TEST_LOG: str = _LEX["test_log"]
_TASK_AGENTS: list[dict[str, Any]] = _LEX["task_agents"]
_AGENT_GOALS: dict[str, list[str]] = _LEX["agent_goals"]
_TOPICS: list[str] = _LEX["topics"]
_COLUMNS: list[str] = _LEX["columns"]
_ANALYSES = templates(_LEX["analyses"])
_APP_TOOLS: list[list[str]] = _LEX["app_tools"]
_APP_REQUESTS: dict[str, str] = _LEX["app_requests"]


_MODULES = ("core", "client", "models", "jobs", "utils", "cli", "config", "errors", "io")
_TESTS = ("unicode_escape", "pagination", "claim_once", "retry_backoff", "tz_aware")
_WINDOWS = ("Excel", "Chrome", "Settings", "Finder")
_BUTTONS = ("OK", "Cancel", "File", "Export", "Search", "Next", "Sum", "Book")
_TICKET_FORMS = (
    "Task ({ticket}): {text}",
    "[{ticket}] {text}",
    "{text}\n\nRef: {ticket}",
    "{ticket} — {text}",
    "Ticket {ticket}\n{text}",
)
_CSV_INTROS = (
    "Here is a sample of our dataset (CSV).",
    "The rows below are a CSV sample.",
    "I attached an extract of the data.",
    "Our export looks like the table below.",
    "This is a CSV sample from our warehouse.",
)
_FOLLOW_ANALYSIS = (
    "Now segment the analysis by region and explain any differences.",
    "Re-run it excluding the smallest segment. What changes and why?",
    "Summarise the findings for an executive audience, keeping the reasoning.",
)


def _code_lines(r: random.Random, name: str) -> list[str]:
    """The lines of a code block from a generated answer."""
    return responses.code_answer(r, "en", name, name).split("```")[1].split("\n")[1:]


def _file_blob(r: random.Random, path: str) -> str:
    fname = path.rsplit("/", 1)[-1].removesuffix(".py")
    body = "\n".join(_code_lines(r, fname))
    header = f'# {path}\n"""Module {fname}."""\n\nfrom __future__ import annotations\n\n'
    return header + body


def _observation(r: random.Random, action: str, repo: str) -> str:
    package = repo.split("/")[1].replace("-", "_")
    path = f"src/{package}/{r.choice(_MODULES[:5])}.py"
    if action in ("read_file", "git_diff"):
        return _file_blob(r, path)
    if action == "search_code":
        hits = [
            {"path": path, "line": r.randint(10, 400), "text": f"def {r.choice(_TESTS)}_{i}(...):"}
            for i in range(r.randint(3, 8))
        ]
        return json.dumps(hits, indent=1)
    if action in ("run_tests", "run_shell"):
        return _TEST_LOG.format(
            p=r.randint(4, 9),
            q=r.randint(0, 3),
            n=r.randint(40, 400),
            path=f"tests/test_{r.choice(_MODULES[:3])}.py",
            marks="." * r.randint(10, 40) + "F",
            test=f"test_{r.choice(_TESTS)}",
            expr="result == expected",
            got=r.randint(0, 99),
            want=r.randint(100, 200),
            line=r.randint(20, 300),
            ok=r.randint(39, 399),
            secs=f"{r.uniform(0.5, 30):.2f}",
        )
    if action == "list_dir":
        return "\n".join(f"src/{package}/{n}.py" for n in r.sample(_MODULES, 6))
    return json.dumps({"ok": True, "applied": True, "rejects": []})


def _action_json(r: random.Random, thought: str, action: str, repo: str) -> str:
    if action == "final_answer":
        arg: dict[str, str] = {"summary": responses.prose(r, "en", "the fix", 300)}
    elif action in ("write_file", "apply_patch"):
        diff = "\n".join(f"+    {line}" for line in _code_lines(r, "patched")[:7])
        arg = {"diff": f"--- a/x.py\n+++ b/x.py\n@@ -1,4 +1,6 @@\n{diff}"}
    else:
        arg = {"path": f"src/{repo.split('/')[1]}", "query": r.choice(_TESTS)}
    action_obj = {"thought": thought, "action": action, "action_input": arg}
    return json.dumps(action_obj, ensure_ascii=False)


def coding_agent(
    r: random.Random, n_turns: int, variant: int, reasoning_model: bool, *, paraphrase: bool
) -> Dialogue:
    """A structured coding agent: JSON actions and a fixed scaffold per account
    (``paraphrase``: the task is reworded independently, as by the paraphrase adversary)."""
    scaffold = random.Random(variant)
    tools = (*scaffold.sample(_CODING_TOOLS[:-1], scaffold.randint(5, 8)), "final_answer")
    repo = r.choice(_REPOS)
    system = _CODING_SYSTEM.format(
        name=scaffold.choice(_AGENT_NAMES),
        repo=repo,
        tools="\n".join(f"- {_TOOL_SIGS[t]}" for t in tools),
        lang=scaffold.choice(("python", "typescript", "go")),
        runtime=scaffold.choice(("3.11", "node20", "go1.22")),
        ci=scaffold.choice(("github-actions", "buildkite")),
        scaffold=f"v{scaffold.randint(2, 5)}.{variant % 16}",
    )
    issue = r.choice(_ISSUES).format(t=f"tests/test_{r.choice(_MODULES[:3])}.py")
    ticket = f"{r.choice(('JIRA', 'GH', 'LIN'))}-{r.randint(100, 9999)}"
    steps: list[Step] = []
    last_action = ""
    for k in range(n_turns):
        action = "final_answer" if k == n_turns - 1 else r.choice(tools[:-1])
        thought = responses.reasoning(r, "en", issue[:60], r.randint(200, 450))
        if k == 0 and paraphrase:
            task = r.choice(_TICKET_FORMS).format(ticket=ticket, text=rewrite(r, issue, "en"))
            new = (user(task),)
        elif k == 0:
            new = (user(f"Task ({ticket}): {issue}"),)
        else:
            new = (tool(_observation(r, last_action, repo)),)
        reply = _action_json(r, thought, action, repo)
        steps.append(step_with_reasoning(r, new, reply, reasoning_model, issue))
        last_action = action
    return Dialogue(system, tools, tuple(steps))


def _screen(r: random.Random) -> str:
    buttons = ", ".join(
        f"button '{b}' at ({r.randint(0, 1919)}, {r.randint(0, 1079)})"
        for b in r.sample(_BUTTONS, 5)
    )
    return (
        f"[screenshot {r.randint(1000, 9999)}] Window '{r.choice(_WINDOWS)}' is focused. "
        f"Visible elements: {buttons}"
    )


def task_agent(
    r: random.Random, n_turns: int, reasoning_model: bool, *, paraphrase: bool
) -> Dialogue:
    """A ReAct-style tool-using agent (research, computer use, coding, analysis)."""
    agent = r.choice(_TASK_AGENTS)
    flavour, tools = agent["flavour"], tuple(agent["tools"])
    goal = r.choice(_AGENT_GOALS[flavour]).format(x=r.choice(_TOPICS))
    asked = rewrite(r, goal, "en") if paraphrase else goal
    steps: list[Step] = []
    for k in range(n_turns):
        action = "final_answer" if k == n_turns - 1 else r.choice(tools[:-1])
        thought = responses.reasoning(r, "en", goal[:50], r.randint(200, 600))
        if k == 0:
            new = (user(asked),)
        elif flavour == "computer":
            new = (tool(_screen(r)),)
        else:
            new = (tool(responses.prose(r, "en", goal[:40], r.randint(300, 900))),)
        if action == "final_answer":
            action_input = responses.prose(r, "en", goal[:40], 600)
        else:
            action_input = json.dumps({"arg": goal[:40]})
        body = f"Thought: {thought}\nAction: {action}\nAction Input: {action_input}"
        steps.append(step_with_reasoning(r, new, body, reasoning_model, goal))
    return Dialogue(agent["system"], tools, tuple(steps))


def _csv(r: random.Random) -> str:
    rows = [",".join(_COLUMNS)]
    for _ in range(r.randint(8, 20)):
        rows.append(
            f"{r.choice(('EMEA', 'NA', 'APAC', 'LATAM'))},{r.choice(('smb', 'mid', 'ent'))},"
            f"2024-{r.randint(1, 12):02d},{r.randint(1000, 90000)},{r.randint(10, 900)},"
            f"{r.randint(0, 40)},{r.randint(0, 120)},{r.randint(-20, 80)}"
        )
    return "\n".join(rows)


def data_analysis(
    r: random.Random, n_turns: int, reasoning_model: bool, *, paraphrase: bool
) -> Dialogue:
    """Dataset-in-the-prompt analysis requests with follow-ups."""
    ask = r.choice(_ANALYSES).render(r)
    steps: list[Step] = []
    for k in range(n_turns):
        if k == 0 and paraphrase:
            asked = rewrite(r, f"{r.choice(_CSV_INTROS)} {ask}", "en")
            table = _csv(r)
            content = f"{asked}\n\n{table}" if r.random() < 0.6 else f"{table}\n\n{asked}"
        elif k == 0:
            content = f"Here is a sample of our dataset (CSV):\n\n{_csv(r)}\n\n{ask}"
        elif paraphrase:
            content = rewrite(r, r.choice(_FOLLOW_ANALYSIS), "en")
        else:
            content = r.choice(_FOLLOW_ANALYSIS)
        code = responses.code_answer(r, "en", "analyse", "the dataset")
        reply = code + "\n\n" + responses.prose(r, "en", "the churn pattern", 700)
        steps.append(step_with_reasoning(r, (user(content),), reply, reasoning_model, ask))
    return Dialogue(None, (), tuple(steps))


def _is_exchange(conv: tuple[tuple[str, str], ...], k: int) -> bool:
    return 2 * k + 1 < len(conv) and conv[2 * k][0] == "user" and conv[2 * k + 1][0] == "assistant"


def tool_app(
    r: random.Random, lang: str, n_turns: int, bank: PromptBank | None, reasoning_model: bool
) -> Dialogue:
    """An assistant app with function calling (a benign tool user)."""
    tools = tuple(r.choice(_APP_TOOLS))
    specs = "\n".join(json.dumps({"name": t, "parameters": {"type": "object"}}) for t in tools)
    system = (
        "You are a helpful assistant with access to the following functions. "
        f"Use them if required:\n{specs}"
    )
    convs = bank.get("glaive_toolcall") if bank is not None else ()
    real = r.choice(convs) if convs and r.random() < 0.6 else None
    steps: list[Step] = []
    for k in range(n_turns):
        if real is not None and _is_exchange(real, k):
            question, answer = real[2 * k][1], real[2 * k + 1][1]
            steps.append(
                step_with_reasoning(r, (user(question),), answer, reasoning_model, question)
            )
        elif k % 2 == 0:
            fn = r.choice(tools)
            text = _APP_REQUESTS[fn].format(
                c=r.choice(("Paris", "Denver", "Osaka", "Toronto")),
                cur=r.choice(("USD", "JPY", "GBP")),
                tk=r.choice(("AAPL", "NVDA", "SAP")),
            )
            call = {"function_call": {"name": fn, "arguments": json.dumps({"query": text[:30]})}}
            steps.append(
                step_with_reasoning(r, (user(text),), json.dumps(call), reasoning_model, text)
            )
        else:
            result = {"status": "ok", "value": r.randint(1, 999), "unit": r.choice(("C", "USD"))}
            reply = responses.prose(r, lang, "your request", 350)
            steps.append(
                step_with_reasoning(r, (tool(json.dumps(result)),), reply, reasoning_model, "tools")
            )
    return Dialogue(system, tools, tuple(steps))
