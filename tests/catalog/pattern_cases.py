"""Verdict tables for ECMAScript patterns, shared by the Python tests and the node cross-check.

Every expected verdict here is ECMAScript's: `new RegExp('^(?:' + source + ')$', 'u'|'v')`.
The node test replays all of them, so a wrong entry fails there, not just a wrong translator.
"""

NAME = r"^(?!\s*$).+"
DATABASE = r"^[a-zA-Z][a-zA-Z0-9_]+$"
HOST = r"^[a-zA-Z0-9\-.]+$"
PASSWORD = r"^.+$"
SSH_BASTION = r"^[-\w\d\.@]+$"
USER = r"^[a-zA-Z][a-zA-Z0-9_\-.]+$"

# Each documented pattern: (accepted values, rejected values).
DOCUMENTED = {
    NAME: (
        [
            "Snowflake AWS - Marketing",
            "a",
            " leading space",
            "trailing space ",
            "fàraday",
            "日本語の接続",
            "😀",
            "\x85",  # NEL: Python's isspace() says yes, ECMAScript's \s says no
            "\x1c",  # FILE SEPARATOR: the same
            "\x1f",
            "\u180e",  # MONGOLIAN VOWEL SEPARATOR: not whitespace since Unicode 6.3
            "\u200b",  # ZERO WIDTH SPACE: a format character, not whitespace
            " \x85",
            "\x00",
        ],
        [
            "",
            " ",
            "    ",
            "\t",
            "\t \t",
            "\x0b",
            "\x0c",
            "\u00a0",  # NO-BREAK SPACE
            "\u1680",
            "\u2003",
            "\u202f",
            "\u205f",
            "\u3000",  # IDEOGRAPHIC SPACE
            "\ufeff",  # BYTE ORDER MARK is ECMAScript whitespace
            " \u00a0\u3000\ufeff\t",
            "\n",
            "\r",
            "\r\n",
            "\u2028",
            "\u2029",
            "name\n",  # `.` never matches a line terminator, and `$` is the end of input
            "name\r\n",
            "line one\nline two",
            "a\u2028b",
        ],
    ),
    SSH_BASTION: (
        [
            "faraday@mybastion.example.com",
            "faraday@bastion-1.example.com",
            "ops_user@10.0.0.1",
            "FARADAY@BASTION.EXAMPLE.COM",
            "bastion",
            "-",
            "@",
            ".",
        ],
        [
            "",
            "fàraday@bastion.example.com",  # \w is ASCII-only in ECMAScript
            "faraday@bastión.example.com",
            "straße@bastion.example.com",
            "ｆａｒａｄａｙ@bastion.example.com",
            "faraday@bastion.example.com\n",
            "faraday@bastion.example.com ",
            "faraday @bastion.example.com",
            "faraday@bastion.example.com:22",
            "user:secret@bastion.example.com",
            "١٢٣",  # \d is ASCII-only too
            "bastion/path",
            "\u00a0bastion",
        ],
    ),
    HOST: (
        [
            "db.example.com",
            "10.0.0.1",
            "my-db-1.cluster-abc.us-east-1.rds.amazonaws.com",
            "localhost",
            "XN--BCHER-KVA.example",
            "-",
            ".",
        ],
        [
            "",
            "db_example.com",
            "bücher.example",
            "db.example.com:5432",
            "db.example.com\n",
            "db.example.com ",
            " db.example.com",
            "db example.com",
            "[::1]",
            "2001:db8::1",
            "ｄｂ.example.com",
            "postgres://db.example.com",
        ],
    ),
    PASSWORD: (
        ["hunter2", " ", "\t", "pässwörd", "p@ss w0rd!", "😀🔑", "\u00a0", "\x85", "\\n"],
        ["", "\n", "secret\n", "sec\nret", "\r", "secret\r\n", "pass\u2028word", "\u2029"],
    ),
    DATABASE: (
        ["analytics", "db_1", "A1", "Warehouse_2024", "ab"],
        [
            "",
            "a",  # the pattern needs at least two characters
            "1db",
            "_db",
            "my-db",
            "my db",
            "données",
            "db\n",
            "db\u0130",
            "ａｂ",
        ],
    ),
    USER: (
        ["faraday", "faraday.reader", "faraday-reader_1", "ab", "a-", "a."],
        [
            "",
            "f",
            "1user",
            "-user",
            ".user",
            "user@host",
            "user name",
            "usér",
            "ÿuser",
            "user\n",
            "user\u00a0",
        ],
    ),
}

# Translator unit cases: (source, value, ECMAScript's verdict for the whole value).
TRANSLATED = [
    # escapes
    (r"\d+", "0123456789", True),
    (r"\d+", "٣", False),
    (r"\d", "a", False),
    (r"\D", "a", True),
    (r"\D", "٣", True),
    (r"\w+", "abc_XYZ_019", True),
    (r"\w", "é", False),
    (r"\w", "ſ", False),  # would match with the i flag; there is none
    (r"\W", "é", True),
    (r"\W", "_", False),
    (r"\s", " ", True),
    (r"\s", "\u3000", True),
    (r"\s", "\ufeff", True),
    (r"\s", "\u2028", True),
    (r"\s", "\x1c", False),
    (r"\s", "\x85", False),
    (r"\s", "\u180e", False),
    (r"\S", "\x85", True),
    (r"\S+", "a\u00a0", False),
    (r"\bfoo\b", "foo", True),
    (r"foo\b.", "foo!", True),
    (r"foo\b.", "foox", False),
    (r"foo\b.", "fooé", True),  # é is not an ECMAScript word character, so this is a boundary
    (r"o\Bo", "oo", True),
    (r"o\B.", "o!", False),
    (r"\x41", "A", True),
    (r"\x41", "a", False),
    (r"\u0041", "A", True),
    (r"\u{1F600}", "😀", True),
    (r"\u{1F600}", "😁", False),
    (r"\uD83D\uDE00", "😀", True),  # a surrogate pair is one code point with u and v
    (r"[\uD83D\uDE00]", "😀", True),
    (r"\cJ", "\n", True),
    (r"\cj", "\n", True),
    (r"\cJ", "J", False),
    (r"\0", "\x00", True),
    (r"\t\n\r\v\f", "\t\n\r\x0b\x0c", True),
    (r"\^\$\.\*\+\?\(\)\[\]\{\}\|\/\\", "^$.*+?()[]{}|/\\", True),
    (r"\.", ".", True),
    (r"\.", "a", False),
    # `.`
    (r".", "😀", True),  # one code point, not two UTF-16 units
    (r".", "\x85", True),
    (r".", "\n", False),
    (r".", "\r", False),
    (r".", "\u2028", False),
    (r".", "\u2029", False),
    # classes
    (r"[a-c]+", "abcabc", True),
    (r"[a-c]+", "abcd", False),
    (r"[^a-c]", "d", True),
    (r"[^a-c]", "a", False),
    (r"[^a-c]", "\n", True),
    (r"[\d.-]+", "1.2-3", True),
    (r"[-\w]+", "a-b_c", True),
    (r"[\w-]+", "a-b", True),
    (r"[a-]", "-", True),
    (r"[\-]", "-", True),
    (r"[.]", "a", False),
    (r"[^]", "\n", True),
    (r"[^]", "", False),
    (r"[]", "a", False),
    (r"[]", "", False),
    (r"[\s\S]", "\u2028", True),
    (r"[\S]", " ", False),
    (r"[\S\d]", "x", True),
    (r"[^\s\d]", "x", True),
    (r"[^\s\d]", "5", False),
    (r"[^\s\d]", "\u3000", False),
    (r"[\b]", "\x08", True),
    (r"[\b]", "b", False),
    (r"[\u0041-\u005A]+", "HELLO", True),
    (r"[\u0041-\u005A]+", "hello", False),
    (r"[\u{1F600}-\u{1F64F}]", "🙂", True),
    (r"[\u{1F600}-\u{1F64F}]", "a", False),
    (r"[(|)&-]+", "(|)&-", True),
    (r"[\^]", "^", True),
    (r"[^^]", "^", False),
    # lookaround
    (r"(?=.*\d)[a-z\d]+", "abc1", True),
    (r"(?=.*\d)[a-z\d]+", "abc", False),
    (r"(?!foo).+", "bar", True),
    (r"(?!foo).+", "foobar", False),
    (r".(?<=a)b", "ab", True),
    (r".(?<=a)b", "cb", False),
    (r".*(?<!x)", "abc", True),
    (r".*(?<!x)", "abx", False),
    # quantifiers
    (r"a{2,3}", "aa", True),
    (r"a{2,3}", "aaa", True),
    (r"a{2,3}", "a", False),
    (r"a{2,3}", "aaaa", False),
    (r"a{2}", "aa", True),
    (r"a{2,}", "aaaaa", True),
    (r"a{0}", "", True),
    (r"a{2,3}?", "aaa", True),  # lazy, but the anchors still demand the whole value
    (r"a+?", "aaa", True),
    (r"a*?b", "aaab", True),
    (r"a??", "", True),
    (r"x*", "", True),
    (r"(?:ab)+", "abab", True),
    (r"(?:ab)+", "aba", False),
    (r"(?:)*", "", True),
    # alternation, groups
    (r"a|b", "a", True),
    (r"a|b", "ab", False),  # the alternation sits inside ^(?:...)$
    (r"a|", "", True),
    (r"(a|ab)(c|bcd)", "abcd", True),
    (r"(?<year>\d{4})-(?<month>\d{2})", "2024-01", True),
    (r"(?<year>\d{4})-(?<month>\d{2})", "2024-1", False),
    (r"(?<$x>a)", "a", True),
    # anchors inside the pattern
    (r"^abc$", "abc", True),
    (r"^abc$", "abc\n", False),
    (r"$^", "", True),
    (r"\/", "/", True),
]

# Not ECMAScript with the u or v flag: we must reject them, and so does node.
INVALID_ECMASCRIPT = [
    "{",
    "a{",
    "a{,2}",
    "a{1",
    "}",
    "]",
    "\\",
    r"\a",
    r"\e",
    r"\_",
    r"\-",
    r"\x4",
    r"\u004",
    r"\u{110000}",
    "(",
    "(a",
    "(a))",
    ")",
    "[",
    "[a",
    "[z-a]",
    r"[\d-z]",
    r"[a-\d]",
    r"[\B]",
    r"[\q]",
    "*a",
    "a**",
    "a*+",  # possessive in Python 3.11
    "a++",
    "a{2}+",
    "(?=a)*",
    "(?!a)?",
    "(?<=a)+",
    "^*",
    r"\b+",
    "(?i:a)",
    "(?<n>a)(?<n>b)",
]

# Valid ECMAScript that the translator deliberately does not support: rejected, never guessed.
UNSUPPORTED = [r"\p{L}", r"\P{Lu}", r"(a)\1", r"\k<n>(?<n>a)", r"(?<=a+)b", "(?<é>a)"]
