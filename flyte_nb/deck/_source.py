"""Python source as HTML: escaped, and coloured with the standard library's tokenizer.

Design decisions:

* No pygments: it is a sizeable dependency for one deck. ``tokenize`` already knows
  Python's lexical structure (strings, comments, numbers, keywords), which is all the
  colouring a source deck needs.
* The text between tokens (whitespace, continuation backslashes) is copied from the
  source by offset, so the output is the input character for character, only escaped and
  wrapped in ``<span>``s; ``html.unescape`` of the code minus the tags gives the source.
* Source that does not tokenize (a fragment, another language, a syntax error) is shown
  escaped but uncoloured rather than refused: the deck's job is to show the code.
"""

from __future__ import annotations

import builtins
import io
import keyword
import token
import tokenize

from ._html import esc

_STYLE = (
    "<style>.fnb-src{margin:0;padding:8px;background:#f8f8f8;overflow:auto;"
    "font:12px/1.45 ui-monospace,monospace}.fnb-src .k{color:#0033b3;font-weight:600}"
    ".fnb-src .b{color:#7a3e9d}.fnb-src .s{color:#067d17}.fnb-src .c{color:#8c8c8c;"
    "font-style:italic}.fnb-src .n{color:#1750eb}.fnb-src .d{color:#9e880d}</style>"
)
# Soft keywords (match, case, type, _) are ordinary names far more often than not.
_KEYWORDS = frozenset(keyword.kwlist)
_BUILTINS = frozenset(dir(builtins))
_STRING_TYPES = frozenset(
    getattr(token, name)
    for name in ("STRING", "FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
    if hasattr(token, name)
)


def highlight_python(source: str) -> str:
    """``source`` as a styled ``<pre><code>`` block; plain escaped text if it won't tokenize."""
    try:
        body = _colour(source)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        body = esc(source)
    return f'{_STYLE}<pre class="fnb-src"><code>{body}</code></pre>'


def _colour(source: str) -> str:
    line_starts = [0]
    for line in source.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def offset(pos: tuple[int, int]) -> int:
        row, col = pos
        return line_starts[row - 1] + col if row - 1 < len(line_starts) else len(source)

    out: list[str] = []
    pos = 0
    after_at = False
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        start, end = offset(tok.start), offset(tok.end)
        if start < pos:  # zero-width or overlapping tokens (DEDENT, ENDMARKER)
            continue
        cls = _class_of(tok, after_at)
        after_at = tok.type == token.OP and tok.string == "@"
        out.append(esc(source[pos:start]))
        text = esc(source[start:end])
        out.append(f'<span class="{cls}">{text}</span>' if cls and text else text)
        pos = end
    out.append(esc(source[pos:]))
    return "".join(out)


def _class_of(tok: tokenize.TokenInfo, after_at: bool) -> str:
    if tok.type == token.NAME:
        if after_at:
            return "d"
        if tok.string in _KEYWORDS:
            return "k"
        return "b" if tok.string in _BUILTINS else ""
    if tok.type in _STRING_TYPES:
        return "s"
    if tok.type == token.COMMENT:
        return "c"
    if tok.type == token.NUMBER:
        return "n"
    return ""
