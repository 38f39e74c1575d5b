"""Structural flags of a request: language, output-maximising asks, requested format, tools.

These are cheap, documented lexicon rules, not a model (the intent model is separate).
Phrases are matched as token sequences from the same tokeniser as the skeletons, so case,
curly apostrophes and digits ("at least 2000 words" ~ "at least 500 words") do not matter,
and Chinese phrases match character by character. Quoted spans are not searched: a quoted
"step by step" is payload, not an instruction.

Language: the dominant script decides zh/ja/ko/ru/ar (kana among CJK characters marks
Japanese); Latin text is decided by stopword votes among en/es/de/fr, with a few Italian,
Portuguese and Dutch stopwords voting "other". Latin text without votes is "en" when it is
plain ASCII (code, keywords) and "other" otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from distillguard.signals import normalize as nz
from distillguard.signals.fingerprint import FingerprintKey
from distillguard.signals.jit import jit

LANGS = ("en", "zh", "ru", "es", "de", "fr", "ja", "ko", "ar", "other")
L_EN, L_ZH, L_RU, L_ES, L_DE, L_FR, L_JA, L_KO, L_AR, L_OTHER = range(10)
FORMATS = ("none", "json", "code", "steps", "markdown")
FMT_NONE, FMT_JSON, FMT_CODE, FMT_STEPS, FMT_MARKDOWN = range(5)
OUTPUT_MAX = len(FORMATS)  # phrase group id of output-maximising phrases

# stopword group bits: the Latin languages that vote, "other Latin", and content-only
V_EN, V_ES, V_DE, V_FR, V_OTHER, V_STOP = 1, 2, 4, 8, 16, 32
_VOTE_BITS = np.array([V_EN, V_ES, V_DE, V_FR, V_OTHER], dtype=np.int64)
_VOTE_CODES = np.array([L_EN, L_ES, L_DE, L_FR, L_OTHER], dtype=np.int64)

STOPWORDS: dict[int, str] = {
    V_EN: "the and is are was were of to in that it for on with as this be have has you what"
    " how why where who when which can do does did my me not or but if from by at an a i we"
    " he she they them their there these those will would should could about your please no"
    " yes so than then also just only very more most some any all into out up get make need"
    " want know use one two like",
    V_ES: "el la los las de del que y en un una es por para con no se lo como más pero sus le"
    " ya este esta son qué cómo cuál cuáles puedes hola muy también sobre entre cuando hay"
    " ser tiene está están eso esto usted",
    V_DE: "der die das und ist nicht ein eine zu den dem des mit sich auf für von im ich du sie"
    " es wie was warum kann können bitte auch oder aber wenn wird sind bei nach noch mir mich"
    " mein meine einen einem diese dieser",
    V_FR: "le la les de des du et est un une que qui dans pour pas sur au aux avec ce cette il"
    " elle je tu vous nous ne se sont comment pourquoi quel quelle peux pouvez mais ou plus"
    " très aussi leur son sa ses mon ma mes",
    # Italian, Portuguese and Dutch words that no voting language shares
    V_OTHER: "gli della che di è sono perché anche questo questa não são você uma também isso"
    " ao dos das em het een niet zijn ik wat hoe waarom maar ook voor dat deze",
    V_STOP: "и в не на я что с а как по но он к у ты из мы за вы так же от это о для кто да до"
    " или если нет ни где есть чтобы там чем при без можно после через тогда почему потому"
    " мне меня мой моя его её их они она этот эта эти все всё быть был была были будет",
}

# Phrase lexicons: en / zh / ru. "@n" matches any number token.
# fmt: off
PHRASES: dict[int, tuple[str, ...]] = {
    OUTPUT_MAX: (
        "as detailed as possible",
        "in as much detail as possible",
        "as much detail as possible",
        "in great detail",
        "in full detail",
        "in exhaustive detail",
        "extremely detailed",
        "very detailed",
        "highly detailed",
        "maximally detailed",
        "maximum detail",
        "as long as possible",
        "as thorough as possible",
        "as thoroughly as possible",
        "as comprehensive as possible",
        "as comprehensively as possible",
        "exhaustive",
        "exhaustively",
        "long and detailed",
        "at least @n words",
        "at least @n pages",
        "at least @n paragraphs",
        "at least @n tokens",
        "at least @n examples",
        "at least @n sentences",
        "minimum of @n words",
        "no fewer than @n words",
        "no less than @n words",
        "do not summarize",
        "do not summarise",
        "don't summarize",
        "don't summarise",
        "do not abbreviate",
        "do not truncate",
        "do not skip",
        "don't skip",
        "without skipping",
        "do not omit",
        "don't omit",
        "leave nothing out",
        "include every step",
        "include all steps",
        "show every step",
        "show all steps",
        "every single step",
        "all intermediate steps",
        "every detail",
        "full reasoning",
        "complete reasoning",
        "all of your reasoning",
        "your entire reasoning",
        "尽可能详细",
        "尽量详细",
        "越详细越好",
        "非常详细",
        "极其详细",
        "最详细",
        "详尽",
        "至少@n字",
        "至少@n个字",
        "不少于@n字",
        "不少于@n个字",
        "至少@n词",
        "不要省略",
        "不要总结",
        "不要概括",
        "每一步",
        "所有步骤",
        "全部步骤",
        "完整的推理",
        "越长越好",
        "как можно подробнее",
        "максимально подробно",
        "максимально подробный",
        "максимально подробное",
        "максимально подробную",
        "максимально детально",
        "очень подробно",
        "во всех подробностях",
        "исчерпывающий",
        "исчерпывающе",
        "исчерпывающее",
        "исчерпывающую",
        "не менее @n слов",
        "не меньше @n слов",
        "минимум @n слов",
        "как минимум @n слов",
        "не сокращай",
        "не сокращайте",
        "не пропускай",
        "не пропускайте",
        "каждый шаг",
        "все шаги",
    ),
    FMT_JSON: ("json", "jsonl", "json格式", "формате json"),
    FMT_CODE: (
        "write a function",
        "write a python function",
        "write a program",
        "write a script",
        "write a python script",
        "write code",
        "write the code",
        "write some code",
        "write a class",
        "code snippet",
        "python code",
        "python function",
        "python script",
        "javascript code",
        "sql query",
        "write a query",
        "implement a function",
        "implement the function",
        "implement a class",
        "complete the function",
        "complete the following function",
        "complete the code",
        "fix the code",
        "fix this code",
        "refactor",
        "unit tests",
        "写代码",
        "编写代码",
        "写一个函数",
        "写一个程序",
        "编写一个函数",
        "编写一个程序",
        "编写程序",
        "编写函数",
        "代码",
        "напиши код",
        "напишите код",
        "напиши функцию",
        "напишите функцию",
        "напиши программу",
        "напишите программу",
        "напиши скрипт",
        "напишите скрипт",
    ),
    FMT_STEPS: (
        "step by step",
        "steps",
        "walk me through",
        "walk through",
        "一步一步",
        "逐步",
        "分步",
        "步骤",
        "пошагово",
        "по шагам",
        "шаг за шагом",
        "шаги",
    ),
    FMT_MARKDOWN: (
        "markdown",
        "table",
        "bullet points",
        "bulleted list",
        "bullet list",
        "numbered list",
        "headings",
        "表格",
        "列表",
        "таблица",
        "таблицу",
        "таблицей",
        "таблице",
        "списком",
        "маркированный список",
    ),
}
# fmt: on


@dataclass(frozen=True, eq=False)
class StructureTables:
    """Lexicons compiled for the kernel.

    ``lex`` is one open-addressing hash table of rows (token hash, stopword group bits,
    first phrase, end of phrases): a token hash is probed linearly from its top
    ``lex_bits`` bits (key 0 = empty slot), so one cache line per token answers whether it
    is a stopword and which phrases start with it. Phrases are rows of ``phrase_tokens``
    (0 = "any number") sorted by their first token, with ``phrase_len`` and
    ``phrase_group`` (a format id or ``OUTPUT_MAX``).
    """

    lex: np.ndarray
    lex_bits: int
    phrase_tokens: np.ndarray
    phrase_len: np.ndarray
    phrase_group: np.ndarray


def token_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes and kinds of ``text`` as the kernel sees them (lexicon compilation)."""
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    s = nz.Scratch(len(data))
    n = s.tokenize(data)
    return s.hash[:n].copy(), s.kind[:n].copy()


@functools.cache
def structure_tables() -> StructureTables:
    """Compile the lexicons once per process."""
    stop: dict[int, int] = {}
    for group, words in STOPWORDS.items():
        for word in words.split():
            for h in token_hashes(word)[0]:
                stop[int(h)] = stop.get(int(h), 0) | group
    rows: list[tuple[int, list[int], int]] = []
    for group, phrases in PHRASES.items():
        for phrase in phrases:
            hashes, kinds = token_hashes(phrase.replace("@n", " 0 "))
            tokens = [0 if k == nz.NUM else int(h) for h, k in zip(hashes, kinds, strict=True)]
            if not tokens or tokens[0] == 0:
                raise ValueError(f"phrase {phrase!r} must start with a word")
            rows.append((tokens[0], tokens, group))
    rows.sort(key=lambda row: row[0])
    width = max(len(t) for _, t, _ in rows)
    phrase_tokens = np.zeros((len(rows), width), dtype=np.uint64)
    ranges: dict[int, list[int]] = {}
    for r, (first, tokens, _) in enumerate(rows):
        phrase_tokens[r, : len(tokens)] = tokens
        ranges.setdefault(first, [r, r])[1] = r + 1
    keys = set(stop) | set(ranges)
    bits = max(8, (4 * len(keys) - 1).bit_length())
    size = 1 << bits
    lex = np.zeros((size, 4), dtype=np.uint64)
    for key in sorted(keys):
        slot = key >> (64 - bits)
        while lex[slot, 0] != 0:
            slot = (slot + 1) % size
        lo, hi = ranges.get(key, (0, 0))
        lex[slot] = (key, stop.get(key, 0), lo, hi)
    tables = StructureTables(
        lex=lex,
        lex_bits=bits,
        phrase_tokens=phrase_tokens,
        phrase_len=np.array([len(t) for _, t, _ in rows], dtype=np.int64),
        phrase_group=np.array([g for _, _, g in rows], dtype=np.int64),
    )
    for arr in vars(tables).values():
        if isinstance(arr, np.ndarray):
            arr.setflags(write=False)
    return tables


@jit
def annotate(
    n: int,
    t_hash: np.ndarray,
    t_kind: np.ndarray,
    lex: np.ndarray,
    lex_bits: int,
    t_stop: np.ndarray,
    t_plo: np.ndarray,
    t_phi: np.ndarray,
) -> None:
    """Look every word and CJK token up once: stopword bits and phrases starting there."""
    shift = np.uint64(64 - lex_bits)
    mask = len(lex) - 1
    for t in range(n):
        t_stop[t] = 0
        t_plo[t] = 0
        t_phi[t] = 0
        k = t_kind[t]
        if k != nz.WORD and k != nz.CJK:
            continue
        h = t_hash[t]
        slot = np.int64(h >> shift)
        while lex[slot, 0] != 0:
            if lex[slot, 0] == h:
                t_stop[t] = np.int64(lex[slot, 1])
                t_plo[t] = np.int64(lex[slot, 2])
                t_phi[t] = np.int64(lex[slot, 3])
                break
            slot = (slot + 1) & mask


@jit
def detect_lang(n: int, t_kind: np.ndarray, t_stop: np.ndarray, scripts: np.ndarray) -> int:
    """Language code (index into ``LANGS``) from script counts and stopword votes."""
    best = 0
    for s in range(1, nz.N_SCRIPTS):
        if scripts[s] > scripts[best]:
            best = s
    cjk = scripts[nz.S_HAN] + scripts[nz.S_KANA]
    if scripts[best] == 0:
        return L_OTHER
    if (best in (nz.S_HAN, nz.S_KANA) or cjk >= scripts[best]) and cjk >= scripts[nz.S_HANGUL]:
        return L_JA if scripts[nz.S_KANA] * 20 >= cjk else L_ZH
    if best == nz.S_HANGUL:
        return L_KO
    if best == nz.S_CYRILLIC:
        return L_RU
    if best == nz.S_ARABIC:
        return L_AR
    if best != nz.S_LATIN:
        return L_OTHER
    votes = np.zeros(len(_VOTE_BITS), dtype=np.int64)
    for t in range(n):
        bits = t_stop[t]
        if bits != 0 and t_kind[t] == nz.WORD:
            for v in range(len(_VOTE_BITS)):
                if bits & _VOTE_BITS[v]:
                    votes[v] += 1
    top = 0
    for v in range(1, len(_VOTE_BITS)):
        if votes[v] > votes[top]:
            top = v
    if votes[top] == 0:
        return L_EN if scripts[nz.S_LATIN_EXT] == 0 else L_OTHER
    return _VOTE_CODES[top]


@jit
def match_phrases(
    n: int,
    t_hash: np.ndarray,
    t_kind: np.ndarray,
    t_flags: np.ndarray,
    t_plo: np.ndarray,
    t_phi: np.ndarray,
    phrase_tokens: np.ndarray,
    phrase_len: np.ndarray,
    phrase_group: np.ndarray,
    found: np.ndarray,
) -> None:
    """Set ``found[group]`` for every phrase group matched outside quoted spans."""
    for g in range(len(found)):
        found[g] = False
    for t in range(n):
        if t_plo[t] == t_phi[t] or t_flags[t] & nz.F_QUOTED != 0:
            continue
        for p in range(t_plo[t], t_phi[t]):
            length = phrase_len[p]
            if t + length > n:
                continue
            ok = True
            for k in range(1, length):
                want = phrase_tokens[p, k]
                u = t + k
                if t_flags[u] & nz.F_QUOTED != 0:
                    ok = False
                elif want == 0:
                    ok = t_kind[u] == nz.NUM
                else:
                    ok = t_hash[u] == want and t_kind[u] != nz.NUM
                if not ok:
                    break
            if ok:
                found[phrase_group[p]] = True


@jit
def format_from_found(found: np.ndarray) -> int:
    """The requested format by priority json > code > steps > markdown (else none)."""
    for code in (FMT_JSON, FMT_CODE, FMT_STEPS, FMT_MARKDOWN):
        if found[code]:
            return code
    return FMT_NONE


def tools_hash(tools: Sequence[str] | None, key: FingerprintKey) -> int:
    """Keyed hash of the sorted distinct non-blank tool names (0 when there are none)."""
    names = sorted({name.strip() for name in tools or ()} - {""})
    if not names:
        return 0
    return key.hash_bytes("\x1f".join(names).encode("utf-8"))
