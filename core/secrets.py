"""Find secrets in file names and text, and redact them before anything reaches an index or a model.

Three layers: file names that hold secrets (`is_secret_path`), content markers of private keys
(`has_private_key`), and inline secrets in any text (`redact`): tokens with a known shape (AWS,
GitHub, Slack, Stripe, OpenAI...), private-key blocks, passwords in URLs, and values assigned to
secret-sounding names (`password = "..."`, `API_KEY=...`, `token: ...`) when the value looks random.

`redact` runs over every chunk at index time and every tool result, so it is one pass of a regex
over the lowercased text for places worth a closer look (a shape's first characters, a keyword),
and an anchored match at each: linear in its input, with every repetition bounded.
A redaction keeps the text's line count, so `path:start-end` labels stay right.
"""
from __future__ import annotations

import fnmatch
import math
import re
from collections import Counter
from pathlib import PurePosixPath

__all__ = ["SECRET_PATTERNS", "has_private_key", "is_secret_path", "redact"]

# File names (matched lowercased, on the last part of the path) whose content is a secret.
SECRET_PATTERNS = (
    ".env", ".env.*", "*.env", ".envrc",
    "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.kdbx", "*.ppk", "*.keytab", "*.tfstate",
    "*.tfstate.backup", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
    ".netrc", "_netrc", ".pypirc", ".npmrc", ".yarnrc.yml", ".git-credentials", ".pgpass", ".htpasswd", "htpasswd",
    ".my.cnf", ".s3cfg", ".boto", ".dockercfg", "credentials", "*credentials*.json", "secrets",
    "service-account*.json",
)
# `secrets.*` and `credentials.*` in data formats; `secrets.py` is a module name, not a secret.
_DATA_SUFFIXES = ("json", "yml", "yaml", "toml", "ini", "cfg", "conf", "env", "properties", "txt", "xml")
SECRET_PATTERNS += tuple(f"{stem}.{ext}" for stem in ("secrets", "credentials") for ext in _DATA_SUFFIXES)
_SECRET_DIRS = frozenset({".ssh", ".gnupg"})
_SECRET_TAILS = (".kube/config", ".docker/config.json", ".aws/credentials", ".config/gh/hosts.yml")

# A private key's first line: PEM of any kind (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ... BLOCK), SSH2, PuTTY.
_KEY_BEGIN = r"-{4,5} ?BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)? ?-{4,5}|PuTTY-User-Key-File-\d+:"
_KEY_END = r"-{4,5} ?END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)? ?-{4,5}"
_KEY_MARKER = re.compile(_KEY_BEGIN.encode())
_BLOCK_END = re.compile(_KEY_END + r"|Private-MAC: *[0-9a-fA-F]*")
# A line of a key's body (base64, possibly quoted, or a PEM header such as `Proc-Type: 4,ENCRYPTED`), for the
# pieces of a key whose other end is not in the text (a line range cut through it).
_KEY_LINE = re.compile(r"[\s\"'`,+\\]*(?:[A-Za-z0-9+/]{16,}=*|[A-Za-z0-9+/]*==?|[A-Z][\w-]+: [^\n]*)?"
                       r"(?:\\n)?[\s\"'`,+\\]*")

# Secrets with a shape of their own, caught wherever they stand; the key names their kind.
_SHAPES = {
    "private_key": _KEY_BEGIN,
    "key_end": _KEY_END,
    "aws_key": r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b",
    "github_token": r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b",
    "gitlab_token": r"\bglpat-[A-Za-z0-9_-]{20,100}",
    "slack_webhook": r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]{20,200}",
    "slack_token": r"\bxox[abprs]-[A-Za-z0-9-]{10,200}",
    "stripe_key": r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,200}",
    "google_api_key": r"\bAIza[0-9A-Za-z_-]{35}",
    "anthropic_key": r"\bsk-ant-[A-Za-z0-9_-]{20,200}",
    "openai_key": r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,200}",
    "jwt": r"\beyJ[A-Za-z0-9_-]{8,500}+\.eyJ[A-Za-z0-9_-]{8,4000}+\.[A-Za-z0-9_-]{0,2000}",
    # scheme://user:password@host: only the password goes.
    "url": r"://[^\s:/@'\"]{1,200}+:(?P<url_password>[^\s/@'\"]{1,200}+)@",
}
_SHAPE = re.compile("|".join(f"(?P<{kind}>{rx})" for kind, rx in _SHAPES.items()))
# Names whose value is a secret; the name must end at the keyword (`password_hash`, `token_type` are not).
_KEYWORDS = (r"pass(?:word|wd|phrase)?|pwd|secret|token|auth(?:orization)?|credentials?"
             r"|(?:api|access|secret|private|client|signing|encryption|master|account)[_-]?key")
# Where to look closer, found in one pass over the lowercased text: each shape's first characters, and the keywords.
_TRIGGER = re.compile(r"-{4,5} ?(?:begin|end) |putty-user-key-file-|akia|asia|abia|acca|gh[pousr]_|github_pat_"
                      r"|glpat-|https://hooks|xox[abprs]-|[sr]k_(?:live|test)_|aiza|sk-|eyj|://|" + _KEYWORDS)
_AUTH_SCHEME = r"(?:(?i:bearer|basic|token)[ \t]+)?"
# keyword, then `=`, `:`, `:=`, `=>` or a type annotation and `=` (quotes and `]` of `d["password"]` allowed), a value.
_ASSIGNMENT = re.compile(
    r"(?i:" + _KEYWORDS + r")[\"'\]]{0,2}"
    r"(?:[ \t]*:[ \t]*[A-Za-z_][\w\[\]., |]{0,40}?[ \t]*=(?!=)|[ \t]*(?::=|=>|=(?!=)|:))[ \t]*" + _AUTH_SCHEME
    + r"(?:[rbuRBU]?\"" + _AUTH_SCHEME + r"(?P<dq>[^\"\n]{1,500}+)\"|[rbuRBU]?'" + _AUTH_SCHEME
    + r"(?P<sq>[^'\n]{1,500}+)'|(?P<bare>[^\s\"'`,;(){}\[\]<>]{1,500}+)(?=[ \t]*(?:[,;)}\]\r\n]|#|//|\Z)))")

# A value holding one of these is an example, a template or the name of a secret, not a secret.
_PLACEHOLDERS = ("changeme", "change_me", "change-me", "example", "placeholder", "your", "dummy", "redacted",
                 "xxx", "***", "...", "${", "{{", "}}", "%(", "%s", "environ", "token", "secret", "credential", "key")
_TEMPLATE_START = ("$", "<", "{", "%")  # `$DB_PASSWORD`, `<password>`, `{password}`, `%PASSWORD%`
_WORDS = frozenset({"none", "null", "nil", "true", "false", "password", "secret", "token", "undefined",
                    "pass", "passwd", "pwd", "pw", "user"})
# Words joined by `_` or `.` (`s3_aws_secret`, `OneLogin_Saml2_Auth`, `self.token`): a name in code.
_NAME_LIKE = re.compile(r"(?:[A-Za-z]+[0-9]*|[0-9]+)(?:[_.](?:[A-Za-z]+[0-9]*|[0-9]+))+")
# A word in brackets or bars (`[MASK2]`, `<|endoftext|>`, `|SPEAKER|`): a tokenizer's special token.
_SPECIAL_TOKEN = re.compile(r"[\W_]+[A-Za-z]+[0-9]*(?:[_.-][A-Za-z]+[0-9]*)*[\W_]+")
_LETTERS = re.compile(r"[A-Za-z_.-]+|[0-9_.-]+")
MIN_VALUE_CHARS = 6
MIN_ENTROPY = 2.5  # bits per character; "hunter2hunter2" has 2.8, "aaaa1111" 1.0


def redact(text: str) -> str:
    """`text` with every secret found replaced by `[redacted:<kind>]`; `text` itself when there is none."""
    return _redact(text, names=True)


def _redact(text: str, names: bool) -> str:
    low = text.lower()
    if len(low) != len(text):  # a few non-ASCII letters lowercase to two characters
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    out: list[str] = []
    pos = 0
    ends = _BlockEnds(text)
    for trigger in _TRIGGER.finditer(low):
        at = trigger.start()
        if at < pos:  # inside a secret already redacted
            continue
        found = _find(text, at, pos, names, ends)
        if found is None:
            continue
        start, end, kind = found
        out += [text[pos:start], kind, "\n" * text.count("\n", start, end)]
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _find(text: str, at: int, floor: int, names: bool, ends: "_BlockEnds") -> tuple[int, int, str] | None:
    """The secret that starts at `at` (or, for a key's last line, ends there): its span and replacement."""
    shape = _SHAPE.match(text, at)
    if shape is not None:
        kind = shape.lastgroup
        if kind == "url":
            start, end = shape.span("url_password")
            return None if _placeholder(shape.group("url_password")) else (start, end, "[redacted:url-password]")
        if kind == "private_key":
            block_end = ends.after(shape.end())
            return at, block_end if block_end is not None else _body_end(text, shape.end()), "[redacted:private-key]"
        if kind == "key_end":  # the end of a key whose start is not in this text: its body lines go too
            return _body_start(text, at, floor), shape.end(), "[redacted:private-key]"
        return at, shape.end(), f"[redacted:{kind.replace('_', '-')}]"
    assignment = _ASSIGNMENT.match(text, at) if names else None
    if assignment is None or not _starts_name(text, at):
        return None
    group = "dq" if assignment.group("dq") is not None else "sq" if assignment.group("sq") is not None else "bare"
    value = assignment.group(group)
    start, end = assignment.span(group)
    inner = _redact(value, names=False)  # a known shape inside the value names itself better
    if inner is not value:
        return start, end, inner
    if not _looks_secret(value):
        return None
    return start, end, f"[redacted:{_name_kind(text, at, assignment.start(group))}]"


def is_secret_path(path: str) -> bool:
    """Whether the file at `path` (relative or absolute, any folders) holds secrets by its name alone."""
    posix = PurePosixPath(path.replace("\\", "/").lower())
    if not posix.parts:
        return False
    if any(part in _SECRET_DIRS for part in posix.parts[:-1]):
        return True
    text = posix.as_posix()
    if any(text == tail or text.endswith("/" + tail) for tail in _SECRET_TAILS):
        return True
    return any(fnmatch.fnmatchcase(posix.name, pattern) for pattern in SECRET_PATTERNS)


def has_private_key(data: bytes | str) -> bool:
    """Whether `data` holds the start of a private key (PEM of any kind, SSH2, PGP, PuTTY)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    return _KEY_MARKER.search(data) is not None


class _BlockEnds:
    """The first end of a key block after a position; one search serves every start before it, so
    many starts and no end (hostile input) cost one pass, not one pass each."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.searched_from = len(text) + 1
        self.found: re.Match[str] | None = None

    def after(self, pos: int) -> int | None:
        if not (self.searched_from <= pos and (self.found is None or self.found.start() >= pos)):
            self.searched_from = pos
            self.found = _BLOCK_END.search(self.text, pos)
        return self.found.end() if self.found else None


def _starts_name(text: str, at: int) -> bool:
    """The keyword begins a word or a camelCase part: `db_password`, `dbPassword`, not `bypass`."""
    before = text[at - 1] if at else " "
    return not before.isalnum() or (before.islower() or before.isdigit()) and text[at].isupper()


def _body_start(text: str, line_at: int, floor: int) -> int:
    """The start of the key lines just before `line_at`, never before `floor`."""
    start = max(text.rfind("\n", floor, line_at) + 1, floor)
    while start > floor:
        prev = max(text.rfind("\n", floor, start - 1) + 1, floor)
        if not _KEY_LINE.fullmatch(text, prev, start - 1):
            break
        start = prev
    return start


def _body_end(text: str, at: int) -> int:
    """The end of the key lines from `at`: the rest of its first line, and the lines that look like key."""
    end = text.find("\n", at)
    while end != -1:
        following = text.find("\n", end + 1)
        if not _KEY_LINE.fullmatch(text, end + 1, len(text) if following == -1 else following):
            return end
        end = following
    return len(text)


def _looks_secret(value: str) -> bool:
    """A value assigned to a secret-sounding name, kept unless it looks random enough to be a real one."""
    if len(value) < MIN_VALUE_CHARS or _placeholder(value):
        return False
    if any(c.isspace() for c in value) or value.startswith(("/", "./", "~/")) or "://" in value:
        return False  # prose, a path or a URL
    # Only letters (a word, a name, CONSTANT_CASE) or only digits (a port, an id): not a secret's shape.
    if _LETTERS.fullmatch(value) or _NAME_LIKE.fullmatch(value) or _SPECIAL_TOKEN.fullmatch(value) or _number(value):
        return False
    return _entropy(value) >= MIN_ENTROPY


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _placeholder(value: str) -> bool:
    low = value.lower()
    return (low in _WORDS or low.startswith(_TEMPLATE_START) or any(p in low for p in _PLACEHOLDERS)
            or ("{" in low and "}" in low))  # a format string or a regular expression


def _entropy(value: str) -> float:
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _name_kind(text: str, at: int, value_at: int) -> str:
    name = text[max(at - 40, 0):value_at].lower()
    name = name[name.rfind("\n") + 1:]
    if "pass" in name or "pwd" in name:
        return "password"
    if "aws" in name:
        return "aws-secret"
    return "token" if "token" in name or "auth" in name else "secret"
