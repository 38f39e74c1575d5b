"""Client software: user agents and the JA3-like TLS fingerprints of their HTTP stacks.

Each population picks clients from a weighted *profile* over the same families, so user
agents overlap across benign and attack traffic as they do on a real gateway.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Client:
    """One user-agent string; ``stack`` names the TLS implementation behind it."""

    user_agent: str
    family: str
    stack: str


def _versions(family: str, stack: str, pattern: str, values: list[str]) -> list[Client]:
    return [Client(pattern.format(v), family, stack) for v in values]


def _catalogue() -> tuple[Client, ...]:
    out: list[Client] = []
    out += _versions(
        "openai-python",
        "python-httpx-openssl3",
        "OpenAI/Python {}",
        [f"1.{m}.{p}" for m in range(35, 59, 2) for p in (0, 1)],
    )
    out += _versions(
        "anthropic-python",
        "python-httpx-openssl3",
        "Anthropic/Python {}",
        [f"0.{m}.0" for m in range(34, 50)],
    )
    out += _versions(
        "openai-node", "node-openssl", "OpenAI/JS {}", [f"4.{m}.0" for m in range(52, 78, 2)]
    )
    out += _versions("curl", "curl-openssl", "curl/{}", ["7.81.0", "8.5.0", "8.7.1", "8.9.1"])
    out += _versions(
        "python-requests", "python-urllib3", "python-requests/{}", ["2.28.2", "2.31.0", "2.32.3"]
    )
    out += _versions(
        "python-httpx", "python-httpx-openssl3", "python-httpx/{}", ["0.27.0", "0.27.2", "0.28.1"]
    )
    out += _versions(
        "litellm",
        "python-httpx-openssl3",
        "litellm/{}",
        [f"1.{m}.{p}" for m in (44, 48, 51, 55) for p in (2, 7)],
    )
    out += _versions(
        "langchain", "python-httpx-openssl3", "langchain-openai/{}", ["0.1.23", "0.2.9", "0.3.1"]
    )
    out += _versions("go", "go-crypto-tls", "Go-http-client/{}", ["1.1", "2.0"])
    out += _versions("axios", "node-openssl", "axios/{}", ["1.6.8", "1.7.7"])
    out += _versions("node", "node-openssl", "node/{}", ["18.20.4", "20.17.0", "22.9.0"])
    out += _versions("okhttp", "android-boringssl", "okhttp/{}", ["4.11.0", "4.12.0"])
    out += _versions("java", "java-jsse", "Java-http-client/{}", ["17.0.10", "21.0.2"])
    out += _versions("postman", "node-openssl", "PostmanRuntime/{}", ["7.37.3", "7.39.0"])
    out += _versions(
        "byok-app",
        "chromium-boringssl",
        "{}",
        [
            "Cursor/0.42.3",
            "Continue/0.8.52 (vscode)",
            "TypingMind/1.0",
            "open-webui/0.3.32",
            "LibreChat/0.7.5",
            "Raycast/1.83.1",
            "obsidian-copilot/2.6.9",
        ],
    )
    out += _versions(
        "browser",
        "chromium-boringssl",
        "Mozilla/5.0 ({}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        ["Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7", "X11; Linux x86_64"],
    )
    out += _versions(
        "custom-app",
        "python-httpx-openssl3",
        "{}",
        [
            "NorthwindAssist/3.2 (python-httpx/0.27.0)",
            "LexBrief/1.9.4",
            "ShopScribe/5.0.1",
            "helix-devtools/0.9.0",
            "agent-runner/2.4.0",
            "evalkit/0.6.2",
            "my-app/0.1",
            "chatbot/1.0",
            "distill-pipeline/4.1 (contract)",
        ],
    )
    return tuple(out)


CLIENTS = _catalogue()
USER_AGENTS = tuple(c.user_agent for c in CLIENTS)
FAMILIES = tuple(sorted({c.family for c in CLIENTS}))


def _tls(client: Client) -> str:
    """JA3-style digest: stable per TLS stack and, for SDKs, per major version line."""
    digest = hashlib.md5(f"{client.stack}|{client.family}".encode(), usedforsecurity=False)
    return digest.hexdigest()


TLS_FINGERPRINTS = tuple(_tls(c) for c in CLIENTS)
_BY_FAMILY = {f: np.asarray([i for i, c in enumerate(CLIENTS) if c.family == f]) for f in FAMILIES}
_BY_UA = {c.user_agent: i for i, c in enumerate(CLIENTS)}

PROFILES: dict[str, dict[str, float]] = {
    "developer": {
        "openai-python": 30,
        "anthropic-python": 10,
        "openai-node": 12,
        "curl": 4,
        "python-requests": 6,
        "python-httpx": 4,
        "litellm": 6,
        "langchain": 8,
        "go": 3,
        "axios": 4,
        "node": 3,
        "okhttp": 2,
        "java": 2,
        "postman": 2,
        "byok-app": 10,
        "browser": 2,
    },
    "student": {
        "openai-python": 35,
        "python-requests": 14,
        "curl": 8,
        "postman": 6,
        "openai-node": 8,
        "byok-app": 12,
        "langchain": 6,
        "browser": 4,
        "java": 4,
        "node": 3,
    },
    "reseller_gateway": {
        "go": 40,
        "axios": 12,
        "python-httpx": 14,
        "node": 10,
        "openai-python": 14,
        "litellm": 10,
    },
    "router": {
        "litellm": 25,
        "python-httpx": 20,
        "openai-python": 25,
        "openai-node": 10,
        "python-requests": 10,
        "go": 10,
    },
    "harvest_sdk": {
        "openai-python": 35,
        "anthropic-python": 18,
        "langchain": 12,
        "python-httpx": 10,
        "python-requests": 10,
        "openai-node": 10,
        "litellm": 5,
    },
    "scripts": {
        "python-requests": 30,
        "curl": 14,
        "openai-python": 34,
        "python-httpx": 16,
        "go": 6,
    },
    "enterprise_sdk": {"openai-python": 40, "anthropic-python": 25, "openai-node": 20, "java": 15},
}


def pick_clients(rng: np.random.Generator, profile: str, size: int) -> np.ndarray:
    """Client indices drawn from a profile: family by weight, then a version uniformly."""
    weights = PROFILES[profile]
    fams = list(weights)
    p = np.asarray([weights[f] for f in fams], dtype=np.float64)
    fam_idx = rng.choice(len(fams), size=size, p=p / p.sum())
    out = np.empty(size, dtype=np.int16)
    for i, f in enumerate(fam_idx):
        opts = _BY_FAMILY[fams[f]]
        out[i] = opts[int(rng.integers(len(opts)))]
    return out


def client_index(user_agent: str) -> int:
    """Index of an exact user-agent string in the catalogue."""
    return _BY_UA[user_agent]
