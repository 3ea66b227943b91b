"""ECMAScript regular expressions, checked in Python with ECMAScript's verdict.

Faraday documents its option patterns as ECMAScript (JSON Schema) regexes and the browser applies
them through `<input pattern>`, which compiles `^(?:pattern)$` with the `v` flag. Python's `re`
differs in ways that change verdicts, so patterns are parsed and re-emitted rather than passed
through:

- `\\w`, `\\d`, `\\b` are ASCII-only in ECMAScript (`re.ASCII` here);
- `\\s` is ECMAScript's own whitespace set (Python's adds U+001C-U+001F and U+0085);
- `.` excludes all four line terminators, not just `\\n`;
- `$` is the end of input only (Python's also matches before a final newline);
- with the u and v flags an assertion (`^`, `$`, `\\b`, a lookaround) cannot be quantified and
  `a*+` is a syntax error, while Python 3.11 reads `*+` as a possessive quantifier;
- `\\uD83D\\uDE00` is one code point (a surrogate pair), and `[^]` matches any character.

The same parse gives `EcmaPattern.browser`, a spelling that Chromium's `v` flag accepts: in `v`
mode a class may not hold an unescaped `-` at its start, `(`, `|` and similar, so `[-\\w]` must
become `[\\-\\w]`. Sources are read with the `u` flag's grammar. Anything outside the supported
subset (backreferences, `\\p{...}`, variable-width lookbehind, non-ASCII group names) raises
ValueError at load time rather than being guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# ECMAScript WhiteSpace + LineTerminator (the `\s` class).
_ECMA_SPACE = (
    "\t\n\x0b\x0c\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_LINE_TERMINATORS = "\n\r\u2028\u2029"
_SYNTAX_CHARS = set("^$\\.*+?()[]{}|/")
# Characters that `v`-mode classes need escaped (ClassSetSyntaxCharacter + reserved punctuators).
_V_CLASS_ESCAPE = set("()[]{}/-|\\") | set("&!#%,:;<=>@`~^$.*+?")
_CLASS_ESCAPES = set("dDwWsS")
_SIMPLE_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "v": "\x0b", "f": "\x0c", "0": "\x00"}
_ANY_CHAR = "[\\x00-\\U0010ffff]"
_GROUP_NAME = re.compile(r"\?<([A-Za-z_$][A-Za-z0-9_$]*)>")
_BRACE_QUANTIFIER = re.compile(r"\{\d+(,\d*)?\}")
_TRAIL_SURROGATE = re.compile(r"\\u(D[C-F][0-9A-F]{2})", re.IGNORECASE)


def _py_char(ch: str) -> str:
    return ch if ch.isascii() and ch.isalnum() else f"\\U{ord(ch):08x}"


def _py_class_body(chars: str) -> str:
    return "".join(_py_char(ch) for ch in chars)


@dataclass
class _Class:
    negated: bool
    items: list[tuple] = field(default_factory=list)  # ("char", c) | ("range", a, b) | ("esc", e)


class _Parser:
    """Translate one pattern; `python` and `browser` accumulate the two spellings."""

    def __init__(self, source: str):
        self.src = source
        self.pos = 0
        self.python: list[str] = []
        self.browser: list[str] = []
        # One entry per open group: True for a lookaround, which may not be quantified.
        self.groups: list[bool] = []
        self.group_names: set[str] = set()
        # Whether a quantifier may follow what was just emitted.
        self.quantifiable = False

    def error(self, message: str) -> ValueError:
        return ValueError(f"{message} at position {self.pos} in {self.src!r}")

    def peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.src[i] if i < len(self.src) else ""

    def emit(self, python: str, browser: str) -> None:
        self.python.append(python)
        self.browser.append(browser)

    def parse(self) -> None:
        while self.pos < len(self.src):
            start = self.pos
            ch = self.src[self.pos]
            self.pos += 1
            if ch == "\\":
                python, self.quantifiable = self.atom_escape()
                self.python.append(python)
                self.browser.append(self.src[start : self.pos])
            elif ch == "[":
                self.character_class(start)
                self.quantifiable = True
            elif ch == "(":
                self.group_open(start)
                self.quantifiable = False
            elif ch == ")":
                if not self.groups:
                    raise self.error("unbalanced ')'")
                self.quantifiable = not self.groups.pop()
                self.emit(")", ")")
            elif ch == ".":
                self.emit(f"[^{_py_class_body(_LINE_TERMINATORS)}]", ".")
                self.quantifiable = True
            elif ch in "^$":
                self.emit(r"\A" if ch == "^" else r"\Z", ch)
                self.quantifiable = False
            elif ch in "*+?{":
                quantifier = self.quantifier(start)
                self.emit(quantifier, quantifier)
            elif ch in "]}":
                raise self.error(f"a lone {ch!r} is a syntax error with the u and v flags")
            elif ch == "|":
                self.emit("|", "|")
                self.quantifiable = False
            else:
                self.emit(_py_char(ch), ch)
                self.quantifiable = True
        if self.groups:
            raise self.error("unclosed group")

    def quantifier(self, start: int) -> str:
        """The quantifier starting at `start` (`*`, `+`, `?` or `{m,n}`, maybe lazy)."""
        if self.src[start] == "{":
            match = _BRACE_QUANTIFIER.match(self.src, start)
            if not match:
                raise self.error("a lone '{' is a syntax error with the u and v flags")
            self.pos = match.end()
        if not self.quantifiable:
            # Covers `a**`, `a*+` (possessive in Python 3.11, an error in ECMAScript) and
            # quantified assertions, which only Annex B allows and only without the u flag.
            raise self.error("nothing to repeat")
        if self.peek() == "?":
            self.pos += 1
        self.quantifiable = False
        return self.src[start : self.pos]

    def group_open(self, start: int) -> None:
        for prefix in ("?:", "?=", "?!", "?<=", "?<!"):
            if self.src.startswith(prefix, self.pos):
                self.pos += len(prefix)
                self.groups.append(prefix != "?:")
                self.emit("(" + prefix, self.src[start : self.pos])
                return
        named = _GROUP_NAME.match(self.src, self.pos)
        if named:
            name = named.group(1)
            if name in self.group_names:
                raise self.error(f"duplicate group name {name!r}")
            self.group_names.add(name)
            self.pos = named.end()
            # Names only matter to backreferences, which are unsupported; a plain group keeps
            # names such as `$x` that Python's `(?P<...>)` would reject.
            self.emit("(", self.src[start : self.pos])
        elif self.peek() == "?":
            raise self.error("unsupported group syntax")
        else:
            self.emit("(", "(")
        self.groups.append(False)

    def read_escape(self) -> tuple[str, str]:
        """After a backslash: ("esc", letter) for a class escape, else ("char", code point)."""
        ch = self.peek()
        if not ch:
            raise self.error("trailing backslash")
        self.pos += 1
        if ch in _CLASS_ESCAPES or ch in "bB":
            return ("esc", ch)
        if ch in _SIMPLE_ESCAPES and not (ch == "0" and self.peek().isdigit()):
            return ("char", _SIMPLE_ESCAPES[ch])
        if ch == "c" and self.peek().isascii() and self.peek().isalpha():
            self.pos += 1
            return ("char", chr(ord(self.src[self.pos - 1]) % 32))
        if ch == "x":
            digits = re.compile(r"[0-9A-Fa-f]{2}").match(self.src, self.pos)
            if not digits:
                raise self.error("malformed \\x escape")
            self.pos = digits.end()
            return ("char", chr(int(digits.group(0), 16)))
        if ch == "u":
            digits = re.compile(r"\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{4})").match(
                self.src, self.pos
            )
            if not digits:
                raise self.error("malformed \\u escape")
            self.pos = digits.end()
            code = int(digits.group(1) or digits.group(2), 16)
            if code > 0x10FFFF:
                raise self.error("code point out of range")
            trail = _TRAIL_SURROGATE.match(self.src, self.pos)
            if digits.group(2) and 0xD800 <= code <= 0xDBFF and trail:
                # With the u and v flags an escaped surrogate pair is one astral code point.
                self.pos = trail.end()
                code = 0x10000 + ((code - 0xD800) << 10) + (int(trail.group(1), 16) - 0xDC00)
            return ("char", chr(code))
        if ch in _SYNTAX_CHARS or ch == "-":
            return ("char", ch)
        raise self.error(f"unsupported escape \\{ch}")

    def atom_escape(self) -> tuple[str, bool]:
        """The Python spelling of an escape outside a class, and whether it may be quantified."""
        kind, value = self.read_escape()
        if kind == "char":
            if value == "-":
                raise self.error("'\\-' is only allowed inside a class with the u and v flags")
            return _py_char(value), True
        if value == "s":
            return f"[{_py_class_body(_ECMA_SPACE)}]", True
        if value == "S":
            return f"[^{_py_class_body(_ECMA_SPACE)}]", True
        # \d \D \w \W \b \B: ASCII under re.ASCII, as in ECMAScript; \b and \B are assertions.
        return "\\" + value, value not in "bB"

    def class_atom(self) -> tuple[str, str]:
        ch = self.peek()
        if not ch:
            raise self.error("unclosed class")
        self.pos += 1
        if ch != "\\":
            return ("char", ch)
        kind, value = self.read_escape()
        if kind == "esc" and value == "B":
            raise self.error("\\B is not allowed in a class")
        if kind == "esc" and value == "b":
            return ("char", "\x08")  # in a class, \b is backspace
        return (kind, value)

    def character_class(self, start: int) -> None:
        negated = self.peek() == "^"
        self.pos += negated
        cls = _Class(negated)
        while self.peek() != "]":
            atom = self.class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                end = self.class_atom()
                if atom[0] != "char" or end[0] != "char":
                    raise self.error("a class escape cannot bound a range")
                if ord(atom[1]) > ord(end[1]):
                    raise self.error("range out of order")
                cls.items.append(("range", atom[1], end[1]))
            else:
                cls.items.append(atom)
        self.pos += 1
        self.python.append(self.class_python(cls))
        self.browser.append(self.class_browser(cls))

    def class_python(self, cls: _Class) -> str:
        parts, not_space = [], False
        for item in cls.items:
            if item[0] == "char":
                parts.append(_py_char(item[1]))
            elif item[0] == "range":
                parts.append(f"{_py_char(item[1])}-{_py_char(item[2])}")
            elif item[1] == "s":
                parts.append(_py_class_body(_ECMA_SPACE))
            elif item[1] == "S":
                not_space = True
            else:
                parts.append("\\" + item[1])
        body = "".join(parts)
        if not not_space:
            if not body:
                return _ANY_CHAR if cls.negated else "(?!)"  # `[^]` matches anything, `[]` nothing
            return f"[{'^' if cls.negated else ''}{body}]"
        if cls.negated:
            raise self.error("\\S inside a negated class is not supported")
        non_space = f"[^{_py_class_body(_ECMA_SPACE)}]"
        return f"(?:[{body}]|{non_space})" if body else non_space

    @staticmethod
    def class_browser(cls: _Class) -> str:
        def spell(ch: str) -> str:
            if ch in _V_CLASS_ESCAPE:
                return "\\" + ch
            return ch if ch.isprintable() and ch != " " else f"\\u{{{ord(ch):x}}}"

        out = []
        for item in cls.items:
            if item[0] == "char":
                out.append(spell(item[1]))
            elif item[0] == "range":
                out.append(f"{spell(item[1])}-{spell(item[2])}")
            else:
                out.append("\\" + item[1])
        return f"[{'^' if cls.negated else ''}{''.join(out)}]"


@dataclass(frozen=True)
class EcmaPattern:
    """A documented pattern: its source, a Python equivalent, and an `<input pattern>` spelling."""

    source: str
    python: re.Pattern[str]
    browser: str

    def fullmatch(self, value: str) -> bool:
        """The browser's verdict: the whole value matches, as `^(?:source)$` with the v flag."""
        return self.python.search(value) is not None


def compile_ecmascript(source: str) -> EcmaPattern:
    """Translate an ECMAScript pattern; ValueError when it is outside the supported subset."""
    parser = _Parser(source)
    parser.parse()
    translated = "".join(parser.python)
    try:
        compiled = re.compile(rf"\A(?:{translated})\Z", re.ASCII)
    except re.error as exc:
        raise ValueError(f"{source!r} does not compile: {exc}") from exc
    return EcmaPattern(source=source, python=compiled, browser="".join(parser.browser))
