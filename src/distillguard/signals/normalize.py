"""Prompt skeletons: tokenise a prompt and mask its variable slots.

A distillation campaign sends one instruction wrapper thousands of times with a different
payload each time. Masking the slots that carry the payload (numbers, quoted spans, code,
URLs, e-mails, capitalised names, long payload blocks) leaves the wrapper, the *skeleton*,
which is what template fingerprints hash.

The tokeniser is one compiled pass over the UTF-8 bytes of a prompt (numba): regular
expressions over Arrow or polars cost several microseconds per pattern per prompt, and a scan
tokenises millions of prompts. Every token is kept as a 64-bit hash of its lower-cased text
plus its byte span, so callers can hash skeletons without building strings and tests can
still read a skeleton back as text (``skeleton_text``).

Rules (one pass, in this order of precedence):

* a code fence (three backticks) up to its closing fence, or inline code in single
  backticks within a line, is one ``@c`` token;
* a whitespace-delimited chunk starting with ``http://``, ``https://`` or ``www.`` is ``@u``;
  one with ``@`` followed by a dotted domain is ``@m``;
* a span in double quotes (ASCII, curly, guillemets, CJK corner brackets) closed within the
  same paragraph is one ``@q``;
* a token containing a digit is ``@n`` (``1,000.5``, ``2024-05-01``, ``10:30`` are one token);
* a capitalised word that does not start a sentence, a line or a label is ``@e``
  (runs collapse to one ``@e``; the pronoun "I" is kept; German, which capitalises every
  noun, keeps its capitals);
* a Han or kana character is a token of its own, so CJK text gets character shingles;
* payload blocks become ``@b``: paragraphs of at least ``BLOCK_PARAGRAPH`` tokens, the rest
  of a ``Label:`` line of at least ``BLOCK_LABELLED`` tokens, and runs of at least three list
  items with ``BLOCK_LIST`` tokens, longest first, as long as ``MIN_WRAPPER`` literal tokens
  stay outside blocks (a prompt that is all payload keeps its words);
* everything else is lower-cased; punctuation separates tokens and is dropped.

Prompts longer than ``HEAD_BYTES + TAIL_BYTES`` are read as their first ``HEAD_BYTES`` and
last ``TAIL_BYTES`` (instructions sit at the ends), joined by a paragraph break.
"""

from __future__ import annotations

import functools

import numpy as np

from distillguard.signals.jit import jit

HEAD_BYTES = 6144
TAIL_BYTES = 2048
BLOCK_PARAGRAPH = 20
BLOCK_LABELLED = 12
BLOCK_LIST = 24
MIN_WRAPPER = 8
MAX_LABEL_WORDS = 3
# URLs and e-mail addresses are looked for within this many bytes (bounds the work per "@")
MAX_CHUNK_BYTES = 256

# token kinds
WORD, NUM, URL, EMAIL, CJK, CODE = 0, 1, 2, 3, 4, 5
# token flag bits
F_CAP = 1  # capitalised, not at a sentence start
F_QUOTED = 2  # inside a quoted span
F_LABELLED = 4  # after "Label:" on its line
F_ITEM = 8  # on a list-item line
# skeleton token kinds beyond the token kinds
QUOTE, ENTITY, BLOCK = 6, 7, 8
MASK_NAMES = ("", "@n", "@u", "@m", "", "@c", "@q", "@e", "@b")

# script classes counted for language detection
S_LATIN, S_CYRILLIC, S_ARABIC, S_HAN, S_KANA, S_HANGUL, S_OTHER = 0, 1, 2, 3, 4, 5, 6
N_SCRIPTS = 7
S_LATIN_EXT = 7  # extra counter: Latin letters outside ASCII (diacritics)

_C_SPACE, _C_NEWLINE, _C_LETTER, _C_DIGIT, _C_CJK, _C_PUNCT = 0, 1, 2, 3, 4, 5
_C_APOS, _C_QUOTE, _C_BACKTICK, _C_SENT_END, _C_COLON = 6, 7, 8, 9, 10

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


@jit
def fmix64(k: np.uint64) -> np.uint64:
    """MurmurHash3's 64-bit finaliser: spreads every input bit over the output."""
    k ^= k >> _S33
    k *= _M1
    k ^= k >> _S33
    k *= _M2
    k ^= k >> _S33
    return k


@jit
def decode(data: np.ndarray, i: int, end: int) -> tuple[int, int]:
    """One code point of UTF-8 at ``data[i]`` and the index after it (U+FFFD if malformed)."""
    b0 = int(data[i])
    if b0 < 0x80:
        return b0, i + 1
    if b0 < 0xC2:
        return 0xFFFD, i + 1
    if b0 < 0xE0:
        n = 1
        cp = b0 & 0x1F
    elif b0 < 0xF0:
        n = 2
        cp = b0 & 0x0F
    elif b0 < 0xF5:
        n = 3
        cp = b0 & 0x07
    else:
        return 0xFFFD, i + 1
    for k in range(1, n + 1):
        if i + k >= end:
            return 0xFFFD, i + k
        b = int(data[i + k])
        if b & 0xC0 != 0x80:
            return 0xFFFD, i + k
        cp = (cp << 6) | (b & 0x3F)
    return cp, i + n + 1


@jit
def lower(cp: int) -> int:
    """Lower case for Latin, Greek, Cyrillic and full-width Latin (enough for hashing)."""
    if cp < 0x80:
        return cp + 32 if 0x41 <= cp <= 0x5A else cp
    if 0xC0 <= cp <= 0xDE and cp != 0xD7:
        return cp + 32
    if 0x100 <= cp <= 0x17F:
        if (0x100 <= cp < 0x138 or 0x14A <= cp < 0x178) and cp % 2 == 0:
            return cp + 1
        if (0x139 <= cp < 0x149 or 0x179 <= cp < 0x17F) and cp % 2 == 1:
            return cp + 1
        return cp
    if 0x391 <= cp <= 0x3A9 and cp != 0x3A2:
        return cp + 32
    if 0x410 <= cp <= 0x42F:
        return cp + 32
    if 0x400 <= cp <= 0x40F:
        return cp + 80
    if 0xFF21 <= cp <= 0xFF3A:
        return cp + 32
    return cp


@jit
def script(cp: int) -> int:
    """Script class of a letter or CJK code point, for language detection."""
    if cp < 0x250 or 0x1E00 <= cp <= 0x1EFF or 0xFF21 <= cp <= 0xFF5A:
        return S_LATIN
    if 0x400 <= cp <= 0x52F:
        return S_CYRILLIC
    if 0x600 <= cp <= 0x6FF or 0x750 <= cp <= 0x77F:
        return S_ARABIC
    if 0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xFF66 <= cp <= 0xFF9F:
        return S_KANA
    if 0xAC00 <= cp <= 0xD7AF or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F:
        return S_HANGUL
    if 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x2FFFF:
        return S_HAN
    return S_OTHER


@jit
def _count_script(scripts: np.ndarray, cp: int) -> None:
    s = script(cp)
    scripts[s] += 1
    if s == S_LATIN and cp >= 0x80:
        scripts[S_LATIN_EXT] += 1


def _ascii_classes() -> np.ndarray:
    table = np.full(128, _C_PUNCT, dtype=np.int64)
    for cp in range(128):
        ch = chr(cp)
        if ch == "\n":
            table[cp] = _C_NEWLINE
        elif ch == " " or 0x09 <= cp <= 0x0D:
            table[cp] = _C_SPACE
        elif ch.isdigit():
            table[cp] = _C_DIGIT
        elif ch.isalpha() or ch == "_":
            table[cp] = _C_LETTER
        elif ch == "'":
            table[cp] = _C_APOS
        elif ch == '"':
            table[cp] = _C_QUOTE
        elif ch == "`":
            table[cp] = _C_BACKTICK
        elif ch in ".!?;":
            table[cp] = _C_SENT_END
        elif ch == ":":
            table[cp] = _C_COLON
    table.setflags(write=False)
    return table


_ASCII_CLASS = _ascii_classes()
_ASCII_LOWER = np.array([ord(chr(c).lower()) for c in range(128)], dtype=np.int64)


@jit
def char_class(cp: int) -> int:
    """Tokeniser class of a code point."""
    if cp < 0x80:
        return _ASCII_CLASS[cp]
    if cp == 0xA0 or cp == 0x3000 or 0x2000 <= cp <= 0x200A or cp == 0x202F:
        return _C_SPACE
    if cp == 0x2028 or cp == 0x2029 or cp == 0x85:
        return _C_NEWLINE
    if cp == 0x2019:
        return _C_APOS
    if cp in (0x201C, 0x201D, 0x201E, 0xAB, 0xBB, 0x300C, 0x300D, 0x300E, 0x300F, 0xFF02):
        return _C_QUOTE
    if cp in (0x3002, 0xFF01, 0xFF1F, 0x2026, 0xFF1B, 0xFF0E):
        return _C_SENT_END
    if cp == 0xFF1A:
        return _C_COLON
    if 0xFF10 <= cp <= 0xFF19 or 0x660 <= cp <= 0x669 or 0x6F0 <= cp <= 0x6F9:
        return _C_DIGIT
    if (
        0x3040 <= cp <= 0x30FF
        or 0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x31F0 <= cp <= 0x31FF
        or 0xFF66 <= cp <= 0xFF9F
        or 0x20000 <= cp <= 0x2FFFF
    ):
        return _C_CJK
    if cp == 0xD7 or cp == 0xF7:
        return _C_PUNCT
    if (
        0xC0 <= cp <= 0x2AF
        or 0x300 <= cp <= 0x36F
        or 0x370 <= cp <= 0x3FF
        or 0x400 <= cp <= 0x52F
        or 0x531 <= cp <= 0x58F
        or 0x591 <= cp <= 0x5F4
        or 0x600 <= cp <= 0x65F
        or 0x66E <= cp <= 0x6D3
        or 0x6D5 <= cp <= 0x6EF
        or 0x6FA <= cp <= 0x6FF
        or 0x750 <= cp <= 0x77F
        or 0x900 <= cp <= 0xDFF
        or 0xE00 <= cp <= 0xEFF
        or 0x10A0 <= cp <= 0x11FF
        or 0x1E00 <= cp <= 0x1FFF
        or 0x3130 <= cp <= 0x318F
        or 0xAC00 <= cp <= 0xD7AF
        or 0xFF21 <= cp <= 0xFF3A
        or 0xFF41 <= cp <= 0xFF5A
    ):
        return _C_LETTER
    return _C_PUNCT


@jit
def closing_quote(cp: int) -> int:
    """The code point that closes a quote opened by ``cp`` (-1: ``cp`` opens nothing)."""
    if cp == 0x22 or cp == 0xFF02:
        return cp
    if cp == 0x201C or cp == 0x201E:
        return 0x201D
    if cp == 0xAB:
        return 0xBB
    if cp == 0x300C:
        return 0x300D
    if cp == 0x300E:
        return 0x300F
    return -1


@jit
def string_hash(data: np.ndarray, start: int, end: int) -> np.uint64:
    """Token hash of a byte span: FNV-1a over lower-cased code points, then fmix64.

    Curly apostrophes fold to ASCII ones, so "don’t" and "don't" are one token.
    """
    h = _FNV_OFFSET
    i = start
    n = 0
    while i < end:
        cp, i = decode(data, i, end)
        cp = lower(cp)
        if cp == 0x2019:
            cp = 0x27
        h ^= np.uint64(cp)
        h *= _FNV_PRIME
        n += 1
    return fmix64(h ^ np.uint64(n))


@jit
def _starts_with(data: np.ndarray, i: int, end: int, pattern: np.ndarray) -> bool:
    if i + len(pattern) > end:
        return False
    for k in range(len(pattern)):
        b = data[i + k]
        if 0x41 <= b <= 0x5A:
            b += 32
        if b != pattern[k]:
            return False
    return True


_HTTP = np.frombuffer(b"http://", dtype=np.uint8)
_HTTPS = np.frombuffer(b"https://", dtype=np.uint8)
_WWW = np.frombuffer(b"www.", dtype=np.uint8)
_FENCE = np.frombuffer(b"```", dtype=np.uint8)


@jit
def _chunk_delimiter(b: int) -> bool:
    """Bytes that end a whitespace-delimited chunk: space, quotes, brackets, backticks, and
    lead bytes of U+2000-U+3FFF / U+F000-U+FFFF (curly quotes, CJK punctuation)."""
    return (
        b <= 0x20
        or b == 0x22
        or b == 0x60
        or b == 0x3C
        or b == 0x3E
        or b == 0x28
        or b == 0x29
        or b == 0xE2
        or b == 0xE3
        or b == 0xEF
    )


@jit
def _chunk_end(data: np.ndarray, i: int, end: int) -> int:
    """End of the chunk starting at ``i``, without trailing punctuation."""
    j = i
    limit = min(end, i + MAX_CHUNK_BYTES)
    while j < limit and not _chunk_delimiter(data[j]):
        j += 1
    while j > i:
        b = data[j - 1]
        if (
            b == 0x2E
            or b == 0x2C
            or b == 0x3B
            or b == 0x3A
            or b == 0x21
            or b == 0x3F
            or b == 0x5D
            or b == 0x7D
            or b == 0x27
        ):
            j -= 1
        else:
            break
    return j


@jit
def _chunk_start(data: np.ndarray, i: int, lo: int) -> int:
    """Start of the chunk that contains ``i`` (not before ``lo``)."""
    j = i
    limit = max(lo, i - MAX_CHUNK_BYTES)
    while j > limit and not _chunk_delimiter(data[j - 1]):
        j -= 1
    return j


@jit
def _is_email(data: np.ndarray, i: int, j: int) -> bool:
    """``data[i:j]`` is local@domain.tld with ASCII word characters around the '@'."""
    at = -1
    for k in range(i, j):
        if data[k] == 0x40:
            if at >= 0:
                return False
            at = k
    if at <= i or at >= j - 3:
        return False
    dot = False
    for k in range(at + 1, j):
        b = data[k]
        if b == 0x2E:
            if k == at + 1 or k == j - 1:
                return False
            dot = True
        elif not (0x30 <= b <= 0x39 or 0x61 <= b <= 0x7A or 0x41 <= b <= 0x5A or b == 0x2D):
            return False
    return dot


@jit
def _find_fence_end(data: np.ndarray, i: int, end: int) -> int:
    """Index after the fence that closes the one ending before ``i`` (``end`` if none)."""
    j = i
    while j + 3 <= end:
        if data[j] == 0x60 and data[j + 1] == 0x60 and data[j + 2] == 0x60:
            return j + 3
        j += 1
    return end


@jit
def _find_inline_end(data: np.ndarray, i: int, end: int) -> int:
    """Index after the backtick closing inline code opened before ``i`` on this line, or -1."""
    j = i
    while j < end:
        b = data[j]
        if b == 0x0A:
            return -1
        if b == 0x60:
            return j + 1 if j > i else -1
        j += 1
    return -1


@jit
def _find_quote_end(data: np.ndarray, i: int, end: int, close: int) -> int:
    """Start of the code point ``close`` after ``i`` within the paragraph; if there is none,
    ``-1 - k`` where ``k`` is the index where the search stopped."""
    j = i
    newline = False
    while j < end:
        cp, nxt = decode(data, j, end)
        if cp == close:
            return j
        if cp == 0x0A:
            if newline:
                return -1 - j
            newline = True
        elif cp != 0x20 and cp != 0x09 and cp != 0x0D:
            newline = False
        j = nxt
    return -1 - end


N_CLOSERS = 6


@jit
def _closer_slot(close: int) -> int:
    """Index of a closing-quote code point among the ``N_CLOSERS`` (0 for -1)."""
    if close == 0xFF02:
        return 1
    if close == 0x201D:
        return 2
    if close == 0xBB:
        return 3
    if close == 0x300D:
        return 4
    if close == 0x300F:
        return 5
    return 0


@jit
def _item_marker(data: np.ndarray, i: int, end: int) -> bool:
    """A list-item marker ("-", "*", "•", "1.", "2)", "a)") followed by a space at ``i``."""
    if i >= end:
        return False
    b = data[i]
    if b == 0x2D or b == 0x2A or b == 0x2B:
        return i + 1 < end and data[i + 1] == 0x20
    if b == 0xE2 and i + 3 < end and data[i + 1] == 0x80 and data[i + 2] == 0xA2:
        return data[i + 3] == 0x20
    j = i
    while j < end and 0x30 <= data[j] <= 0x39 and j - i < 3:
        j += 1
    if j == i and i < end and 0x61 <= data[i] <= 0x7A:
        j = i + 1
        if j < end and data[j] != 0x29:
            return False
    if j == i or j + 1 >= end:
        return False
    return (data[j] == 0x2E or data[j] == 0x29) and data[j + 1] == 0x20


class Scratch:
    """Per-token work arrays sized for the longest prompt of a batch, reused across rows."""

    def __init__(self, capacity: int) -> None:
        cap = max(capacity, 1) + 2
        self.start = np.zeros(cap, dtype=np.int32)
        self.end = np.zeros(cap, dtype=np.int32)
        self.hash = np.zeros(cap, dtype=np.uint64)
        self.kind = np.zeros(cap, dtype=np.int8)
        self.flags = np.zeros(cap, dtype=np.int8)
        self.line = np.zeros(cap, dtype=np.int32)
        self.para = np.zeros(cap, dtype=np.int32)
        self.letters = np.zeros(cap, dtype=np.int32)
        self.block = np.zeros(cap, dtype=np.int32)
        self.stop = np.zeros(cap, dtype=np.int64)
        self.plo = np.zeros(cap, dtype=np.int64)
        self.phi = np.zeros(cap, dtype=np.int64)
        self.scripts = np.zeros(N_SCRIPTS + 1, dtype=np.int64)

    def tokenize(self, data: np.ndarray) -> int:
        """Tokenise all of ``data`` (one text) into these arrays; returns the token count."""
        n: int = tokenize(
            data, 0, len(data), self.start, self.end, self.hash, self.kind, self.flags,
            self.line, self.para, self.letters, self.scripts,
        )  # fmt: skip
        return n


@jit
def tokenize(
    data: np.ndarray,
    start: int,
    end: int,
    t_start: np.ndarray,
    t_end: np.ndarray,
    t_hash: np.ndarray,
    t_kind: np.ndarray,
    t_flags: np.ndarray,
    t_line: np.ndarray,
    t_para: np.ndarray,
    t_letters: np.ndarray,
    scripts: np.ndarray,
) -> int:
    """Tokenise ``data[start:end]`` into the ``t_*`` arrays; returns the token count.

    ``scripts`` receives per-script letter counts. Spans are byte offsets into ``data``.
    """
    for k in range(len(scripts)):
        scripts[k] = 0
    n = 0
    seg_starts = np.empty(2, dtype=np.int64)
    seg_ends = np.empty(2, dtype=np.int64)
    if end - start > HEAD_BYTES + TAIL_BYTES:
        head_end = start + HEAD_BYTES
        while head_end > start and data[head_end] & 0xC0 == 0x80:
            head_end -= 1
        tail_start = end - TAIL_BYTES
        while tail_start < end and data[tail_start] & 0xC0 == 0x80:
            tail_start += 1
        for j in range(tail_start, min(tail_start + 64, end)):
            if data[j] <= 0x20:  # start the tail after a space, not inside a word
                tail_start = j + 1
                break
        seg_starts[0], seg_ends[0] = start, head_end
        seg_starts[1], seg_ends[1] = tail_start, end
        n_seg = 2
    else:
        seg_starts[0], seg_ends[0] = start, end
        n_seg = 1
    line = 0
    para = 0
    for seg in range(n_seg):
        i = seg_starts[seg]
        stop = seg_ends[seg]
        if seg > 0:
            para += 1
            line += 1
        sentence_start = True
        line_tokens = 0
        line_plain = True  # no punctuation before the first colon on this line
        labelled = False
        item = _item_marker(data, i, stop)
        newlines = 0
        quote_close = -1  # byte index of the pending closing quote
        no_closer_before = np.zeros(N_CLOSERS, dtype=np.int64)
        cur = -1  # start of the current word token
        cur_hash = _FNV_OFFSET
        cur_len = 0
        cur_letters = 0
        cur_digit = False
        cur_upper = False
        cur_last_digit = False
        prev_space = True
        while i <= stop:
            if i < stop:
                if data[i] < 0x80:  # ASCII fast path
                    cp, nxt = int(data[i]), i + 1
                    cls = _ASCII_CLASS[cp]
                else:
                    cp, nxt = decode(data, i, stop)
                    cls = char_class(cp)
            else:
                cp, nxt, cls = 0x20, stop + 1, _C_SPACE
            joins = False
            if cur >= 0:
                if cls in (_C_LETTER, _C_DIGIT):
                    joins = True
                elif cls == _C_APOS and nxt < stop:
                    ncp, _ = decode(data, nxt, stop)
                    joins = char_class(ncp) == _C_LETTER and not cur_last_digit
                elif cur_last_digit and nxt < stop and cp in (0x2E, 0x2C, 0x3A, 0x2F, 0x2D):
                    ncp, _ = decode(data, nxt, stop)
                    joins = char_class(ncp) == _C_DIGIT
            if joins:
                lc = _ASCII_LOWER[cp] if cp < 0x80 else lower(cp)
                if cp == 0x2019:
                    lc = 0x27
                cur_hash ^= np.uint64(lc)
                cur_hash *= _FNV_PRIME
                cur_len += 1
                if cls == _C_LETTER:
                    cur_letters += 1
                    if cp < 0x80:
                        scripts[S_LATIN] += 1
                    else:
                        _count_script(scripts, cp)
                    cur_last_digit = False
                elif cls == _C_DIGIT:
                    cur_digit = True
                    cur_last_digit = True
                i = nxt
                continue
            if cur >= 0:
                t_start[n] = cur
                t_end[n] = i
                t_hash[n] = fmix64(cur_hash ^ np.uint64(cur_len))
                t_kind[n] = NUM if cur_digit else WORD
                flags = 0
                if cur_upper and not sentence_start and cur_len > 1:
                    flags |= F_CAP  # single capitals ("I", option letters) stay words
                if quote_close >= 0:
                    flags |= F_QUOTED
                if labelled:
                    flags |= F_LABELLED
                if item:
                    flags |= F_ITEM
                t_flags[n] = flags
                t_line[n] = line
                t_para[n] = para
                t_letters[n] = cur_letters
                n += 1
                line_tokens += 1
                sentence_start = False
                cur = -1
            if i >= stop:
                break
            if quote_close >= 0 and i == quote_close:
                quote_close = -1
                i = nxt
                prev_space = False
                continue
            if cls == _C_NEWLINE:
                newlines += 1
                line += 1
                if newlines >= 2:
                    para += 1
                    newlines = -(10**9)  # one paragraph break per blank-line run
                sentence_start = True
                line_tokens = 0
                line_plain = True
                labelled = False
                j = nxt
                while j < stop and (data[j] == 0x20 or data[j] == 0x09):
                    j += 1
                item = _item_marker(data, j, stop)
                prev_space = True
                i = nxt
                continue
            if cls == _C_SPACE:
                prev_space = True
                i = nxt
                continue
            if newlines < 0 or newlines > 0:
                newlines = 0
            if cls == _C_BACKTICK:
                if _starts_with(data, i, stop, _FENCE):
                    j = _find_fence_end(data, i + 3, stop)
                else:
                    j = _find_inline_end(data, i + 1, stop)
                if j > 0:
                    t_start[n] = i
                    t_end[n] = j
                    t_hash[n] = np.uint64(0)
                    t_kind[n] = CODE
                    t_flags[n] = (F_QUOTED if quote_close >= 0 else 0) | (
                        F_LABELLED if labelled else 0
                    )
                    t_line[n] = line
                    t_para[n] = para
                    t_letters[n] = 0
                    n += 1
                    line_tokens += 1
                    sentence_start = False
                    for k in range(i, j):
                        if data[k] == 0x0A:
                            line += 1
                    i = j
                    prev_space = False
                    continue
            kind = -1
            j = i
            if (
                prev_space
                and quote_close < 0
                and (cp | 0x20 == 0x68 or cp | 0x20 == 0x77)
                and (
                    _starts_with(data, i, stop, _HTTP)
                    or _starts_with(data, i, stop, _HTTPS)
                    or _starts_with(data, i, stop, _WWW)
                )
            ):
                j = _chunk_end(data, i, stop)
                kind = URL
            elif cp == 0x40 and n > 0 and t_end[n - 1] == i and t_kind[n - 1] <= NUM:
                # an "@" glued to the previous token: an e-mail address replaces its chunk
                lo = _chunk_start(data, i, seg_starts[seg])
                j = _chunk_end(data, lo, stop)
                if j > i + 1 and _is_email(data, lo, j):
                    kind = EMAIL
                    while n > 0 and t_start[n - 1] >= lo:
                        n -= 1
                        line_tokens -= 1
                    i = lo
            if kind >= 0:
                t_start[n] = i
                t_end[n] = j
                t_hash[n] = np.uint64(0)
                t_kind[n] = kind
                t_flags[n] = (F_LABELLED if labelled else 0) | (F_ITEM if item else 0)
                t_line[n] = line
                t_para[n] = para
                t_letters[n] = 0
                n += 1
                line_tokens += 1
                sentence_start = False
                i = j
                prev_space = False
                continue
            prev_space = cls != _C_LETTER and cls != _C_DIGIT
            if cls in (_C_LETTER, _C_DIGIT):
                cur = i
                lc = lower(cp)
                cur_hash = (_FNV_OFFSET ^ np.uint64(lc)) * _FNV_PRIME
                cur_len = 1
                cur_upper = lc != cp
                cur_digit = cls == _C_DIGIT
                cur_last_digit = cur_digit
                cur_letters = 1 if cls == _C_LETTER else 0
                if cls == _C_LETTER:
                    _count_script(scripts, cp)
                i = nxt
                continue
            if cls == _C_CJK:
                scripts[script(cp)] += 1
                h = (_FNV_OFFSET ^ np.uint64(cp)) * _FNV_PRIME
                t_start[n] = i
                t_end[n] = nxt
                t_hash[n] = fmix64(h ^ np.uint64(1))
                t_kind[n] = CJK
                t_flags[n] = (
                    (F_QUOTED if quote_close >= 0 else 0)
                    | (F_LABELLED if labelled else 0)
                    | (F_ITEM if item else 0)
                )
                t_line[n] = line
                t_para[n] = para
                t_letters[n] = 1
                n += 1
                line_tokens += 1
                sentence_start = False
                i = nxt
                continue
            if cls == _C_QUOTE and quote_close < 0:
                close = closing_quote(cp)
                slot = _closer_slot(close)
                if close >= 0 and nxt >= no_closer_before[slot]:
                    j = _find_quote_end(data, nxt, stop, close)
                    if j >= 0:
                        quote_close = j
                        sentence_start = True
                        i = nxt
                        continue
                    # nothing closes it up to -1 - j: later openers there fail the same way
                    no_closer_before[slot] = -1 - j
            if cls == _C_SENT_END:
                sentence_start = True
            elif cls == _C_COLON:
                if quote_close < 0 and line_plain and 1 <= line_tokens <= MAX_LABEL_WORDS:
                    labelled = True
                sentence_start = True
                line_plain = False
            elif cls != _C_APOS:
                line_plain = False
            i = nxt
    return n


@jit
def _wrapper_count(n: int, t_kind: np.ndarray, t_flags: np.ndarray, block: np.ndarray) -> int:
    """Literal (word/CJK, unquoted) tokens outside blocks."""
    c = 0
    for t in range(n):
        if block[t] == 0 and t_kind[t] in (WORD, CJK) and t_flags[t] & F_QUOTED == 0:
            c += 1
    return c


@jit
def mark_blocks(
    n: int,
    t_kind: np.ndarray,
    t_flags: np.ndarray,
    t_line: np.ndarray,
    t_para: np.ndarray,
    block: np.ndarray,
) -> int:
    """Label payload blocks in ``block`` (0 = none, k > 0 = k-th block); returns how many.

    Candidates are long paragraphs, long labelled line remainders and long list runs; the
    longest are masked first while at least ``MIN_WRAPPER`` literal tokens stay outside.
    """
    for t in range(n):
        block[t] = 0
    if n == 0:
        return 0
    # candidate spans: token index ranges [lo, hi)
    max_c = n + 2
    c_lo = np.empty(max_c, dtype=np.int64)
    c_hi = np.empty(max_c, dtype=np.int64)
    nc = 0
    n_para = t_para[n - 1] - t_para[0] + 1
    if n_para >= 2:
        lo = 0
        for t in range(1, n + 1):
            if t == n or t_para[t] != t_para[lo]:
                if t - lo >= BLOCK_PARAGRAPH:
                    c_lo[nc] = lo
                    c_hi[nc] = t
                    nc += 1
                lo = t
    n_para_c = nc
    lo = -1
    for t in range(n + 1):
        inside = t < n and t_flags[t] & F_LABELLED != 0
        if inside and (lo < 0 or t_line[t] != t_line[lo]):
            if lo >= 0 and t - lo >= BLOCK_LABELLED:
                c_lo[nc] = lo
                c_hi[nc] = t
                nc += 1
            lo = t
        elif not inside and lo >= 0:
            if t - lo >= BLOCK_LABELLED:
                c_lo[nc] = lo
                c_hi[nc] = t
                nc += 1
            lo = -1
    lo = -1
    items = 0
    for t in range(n + 1):
        inside = t < n and t_flags[t] & F_ITEM != 0
        if inside:
            if lo < 0:
                lo = t
                items = 1
            elif t_line[t] != t_line[t - 1]:
                items += 1
        elif lo >= 0:
            if items >= 3 and t - lo >= BLOCK_LIST:
                c_lo[nc] = lo
                c_hi[nc] = t
                nc += 1
            lo = -1
    if nc == 0:
        return 0
    # Label and list candidates come first (they are finer than their paragraph), each group
    # longest first: paragraph candidates were appended before them, hence the offset.
    rank = np.empty(nc, dtype=np.int64)
    for k in range(nc):
        rank[k] = c_hi[k] - c_lo[k] + (n + 1 if k >= n_para_c else 0)
    wrapper = _wrapper_count(n, t_kind, t_flags, block)
    n_blocks = 0
    for _ in range(nc):
        c = 0  # best remaining candidate (ties: the earliest); -1 marks a used one
        for k in range(1, nc):
            if rank[k] > rank[c]:
                c = k
        rank[c] = -1
        lo = c_lo[c]
        hi = c_hi[c]
        overlap = False
        inside_literal = 0
        for t in range(lo, hi):
            if block[t] != 0:
                overlap = True
                break
            if (t_kind[t] == WORD or t_kind[t] == CJK) and t_flags[t] & F_QUOTED == 0:
                inside_literal += 1
        if overlap or wrapper - inside_literal < MIN_WRAPPER:
            continue
        n_blocks += 1
        for t in range(lo, hi):
            block[t] = n_blocks
        wrapper -= inside_literal
    return n_blocks


@jit
def skeleton(
    n: int,
    t_kind: np.ndarray,
    t_flags: np.ndarray,
    t_hash: np.ndarray,
    block: np.ndarray,
    keep_capitals: bool,
    out_hash: np.ndarray,
    out_kind: np.ndarray,
    out_src: np.ndarray,
    mask_hashes: np.ndarray,
) -> int:
    """Write the skeleton (token hashes, skeleton kinds, source token) and return its length.

    Masked tokens become the hash of their mask name; a run of the same mask, a quoted span
    or a block collapses to one token.
    """
    m = 0
    last_block = 0
    quote_open = False
    for t in range(n):
        b = block[t]
        if b != 0:
            quote_open = False
            if b != last_block:
                out_kind[m] = BLOCK
                out_hash[m] = mask_hashes[BLOCK]
                out_src[m] = t
                m += 1
                last_block = b
            continue
        last_block = 0
        f = t_flags[t]
        if f & F_QUOTED != 0:
            if not quote_open:
                out_kind[m] = QUOTE
                out_hash[m] = mask_hashes[QUOTE]
                out_src[m] = t
                m += 1
                quote_open = True
            continue
        quote_open = False
        k = t_kind[t]
        if k == WORD and f & F_CAP != 0 and not keep_capitals:
            k = ENTITY
        if k in (WORD, CJK):
            out_kind[m] = k
            out_hash[m] = t_hash[t]
            out_src[m] = t
            m += 1
            continue
        if m > 0 and out_kind[m - 1] == k:
            continue
        out_kind[m] = k
        out_hash[m] = mask_hashes[k]
        out_src[m] = t
        m += 1
    return m


@functools.cache
def mask_hashes() -> np.ndarray:
    """Token hash of each mask name, indexed by skeleton kind (0 for unmasked kinds)."""
    out = np.zeros(len(MASK_NAMES), dtype=np.uint64)
    for k, name in enumerate(MASK_NAMES):
        if name:
            raw = np.frombuffer(name.encode(), dtype=np.uint8)
            out[k] = string_hash(raw, 0, len(raw))
    out.setflags(write=False)
    return out


def skeleton_text(text: str, keep_capitals: bool = False) -> str:
    """The skeleton of ``text`` as readable text: what the template fingerprints see."""
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    s = Scratch(len(data))
    n = s.tokenize(data)
    mark_blocks(n, s.kind, s.flags, s.line, s.para, s.block)
    out_hash = np.zeros(n + 1, dtype=np.uint64)
    out_kind = np.zeros(n + 1, dtype=np.int8)
    out_src = np.zeros(n + 1, dtype=np.int64)
    m = skeleton(
        n, s.kind, s.flags, s.hash, s.block, keep_capitals, out_hash, out_kind, out_src,
        mask_hashes(),
    )  # fmt: skip
    words = []
    raw = data.tobytes()
    for k in range(m):
        kind = int(out_kind[k])
        if kind in (WORD, CJK):
            t = int(out_src[k])
            words.append(raw[s.start[t] : s.end[t]].decode("utf-8").lower().replace("’", "'"))
        else:
            words.append(MASK_NAMES[kind])
    return " ".join(words)
