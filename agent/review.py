"""The review stage: static analysis and a security scan of what the agent changed.

ruff and bandit read the changed Python files, semgrep reads every changed file with the rules in
`agent/rules/` (Python, JavaScript/TypeScript, Go, secrets in any file). Only findings the change
introduced are reported: the files are scanned as they are and as they were at the base commit,
and base findings are subtracted as a multiset keyed by (tool, rule, path, the flagged line's
text), so lines moving around an old finding do not make it new.

The repository and the model are not trusted. The files are copied into a fresh folder outside
the repository under names we choose, so no configuration of theirs (pyproject's `[tool.ruff]`,
`.bandit`, `.semgrepignore`, `setup.cfg`) comes along; every scanner gets explicit settings, an
environment without keys, a timeout, and is told to ignore `# noqa`, `# nosec` and `# nosemgrep`.
A scanner that is missing, fails or prints something unreadable is one line in `skipped`, never an
exception. The scanners run offline: local rules only, no metrics, no version check.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from codeidx.agent.sandbox import BASE_ENV
from codeidx.core.config import SEVERITIES
from codeidx.core.errors import CodeidxError, first_line
from codeidx.core.git import CLEAN_GIT_ENV, QUIET_GIT
from codeidx.core.secrets import redact

RECORD_VERSION = 1
SCANNERS = ("ruff", "bandit", "semgrep")
INSTALL_HINT = "pip install codeidx[review]"
RULES_DIR = Path(__file__).with_name("rules")
MAX_FILES = 200  # changed files scanned in one review; a change larger than this is not one to review by lines
MAX_FILE_BYTES = 1_000_000  # larger files are data or generated code
MAX_OUTPUT_BYTES = 32 * 2**20  # a scanner's JSON; past this its output is not read
MAX_RESULT_LINES = 60  # findings listed in the tool result the model reads
SCANNER_TIMEOUT = 300.0
PYTHON_SUFFIXES = (".py", ".pyi")
# Names a scanner might read settings from: a scanned file by such a name is copied under another.
CONFIG_NAMES = frozenset({"pyproject.toml", "setup.cfg", "tox.ini", "ruff.toml"})

# Bandit checks (and their ruff twins S<n>) that fire on ordinary code (assert, importing or calling
# subprocess with a list): findings the model would spend steps on without making anything safer.
NOISY_BANDIT = ("101", "404", "603", "607")
RUFF_SELECT = ("E9", "F63", "F7", "F82", "S", "B")  # syntax errors, undefined names, flake8-bandit, bugbear
RUFF_IGNORE = ("B008", "B905", *(f"S{n}" for n in NOISY_BANDIT))
RUFF_TARGET = "py313"  # the newest syntax parses; an older target would call it a syntax error
# Severity of a ruff code by its longest matching prefix; ruff's S<n> mirror bandit's B<n>.
RUFF_SEVERITY = {
    "invalid-syntax": "high", "E9": "high", "F7": "high", "F63": "medium", "F82": "medium", "B": "low", "S": "low",
    "S102": "high", "S307": "high", "S501": "high", "S602": "high", "S605": "high",
    "S105": "medium", "S106": "medium", "S107": "medium", "S3": "medium", "S5": "medium", "S6": "medium",
}
SEMGREP_SEVERITY = {"INFO": "low", "WARNING": "medium", "ERROR": "high"}


@dataclass(frozen=True)
class Finding:
    tool: str  # ruff | bandit | semgrep
    rule: str  # S602, B602, codeidx.python.shell-true
    severity: str  # low | medium | high
    path: str  # relative to the repository root, posix
    line: int
    message: str  # one line, secrets redacted

    def describe(self) -> str:
        """One line for a model and a person: `src/app.py:12 high bandit B602: ...`."""
        return f"{self.path}:{self.line} {self.severity} {self.tool} {self.rule}: {self.message}"


@dataclass(frozen=True)
class Review:
    version: int
    findings: tuple[Finding, ...]  # introduced by the change, sorted by path and line
    preexisting: int  # findings also present at the base, not reported
    scanned: tuple[str, ...]  # changed files scanned
    skipped: tuple[str, ...]  # one line per scanner not run or file not scanned, and why
    scanners: tuple[str, ...]  # the scanners that ran

    def blocking(self, threshold: str) -> tuple[Finding, ...]:
        """The findings at or above `threshold` (low, medium, high)."""
        floor = _rank(threshold)
        return tuple(f for f in self.findings if _rank(f.severity) >= floor)

    def as_tool_result(self) -> str:
        """What the implementation loop's model reads."""
        ran = f"Review of {len(self.scanned)} changed file(s) by {', '.join(self.scanners) or 'no scanner'}"
        old = f"; {self.preexisting} finding(s) already at the base are not shown" if self.preexisting else ""
        if not self.findings:
            lines = [f"{ran}: no findings introduced by the change{old}."]
        else:
            lines = [f"{ran}: {len(self.findings)} finding(s) introduced by the change{old}:"]
            lines += [f.describe() for f in self.findings[:MAX_RESULT_LINES]]
            if len(self.findings) > MAX_RESULT_LINES:
                lines.append(f"... and {len(self.findings) - MAX_RESULT_LINES} more")
            lines.append("Fix each one, or explain in finish (argued) why it is safe to keep.")
        lines += [f"Not scanned: {why}" for why in self.skipped]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Review:
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            raise CodeidxError(f"not a version {RECORD_VERSION} review record")
        try:
            findings = tuple(Finding(**f) for f in data["findings"])
            return cls(RECORD_VERSION, findings, int(data["preexisting"]), tuple(data["scanned"]),
                       tuple(data["skipped"]), tuple(data["scanners"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise CodeidxError(f"damaged review record: {first_line(exc)}") from None


def find_scanner(name: str) -> str | None:
    """A scanner's executable: beside this Python first (codeidx's own environment), then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def review_change(root: Path, base: str, paths: list[str] | None = None, *,
                  locate: Callable[[str], str | None] = find_scanner, timeout: float = SCANNER_TIMEOUT) -> Review:
    """Scan what changed in the work tree `root` since commit `base` (or only `paths`), and report the
    findings the change introduced. `locate` finds a scanner's executable, None when it is missing."""
    root, commit = _resolve(Path(root), base)
    skipped: list[str] = []
    files = _changed_files(root, commit, skipped) if paths is None else _given(root, paths)
    if len(files) > MAX_FILES:
        skipped.append(f"{len(files) - MAX_FILES} more changed files not scanned: at most {MAX_FILES} a review")
        files = files[:MAX_FILES]
    head = {path: text for path, _ in files if (text := _head_text(root, path, skipped)) is not None}
    base_text = _base_texts(root, commit, {old: path for path, old in files if old and path in head})
    with tempfile.TemporaryDirectory(prefix="codeidx-review-") as tmp:
        work = Path(tmp)
        layout = _lay_out(work, head, base_text)
        found, ran = _run_scanners(work, layout, locate, timeout, skipped)
    lines = {(side, path): data.decode("utf-8", "replace").split("\n")
             for side, texts in (("head", head), ("base", base_text)) for path, data in texts.items()}
    introduced, preexisting = _subtract(found, lines)
    return Review(RECORD_VERSION, introduced, preexisting, tuple(sorted(head)), tuple(skipped), ran)


# --- which files, and their text at head and base ---

def _git(root: Path, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
    # Bytes, not text: a file name need not be UTF-8, and one must not end the review.
    done = subprocess.run(["git", "-C", str(root), *QUIET_GIT, *args], input=stdin, capture_output=True,
                          env={**os.environ, **CLEAN_GIT_ENV, "GIT_LITERAL_PATHSPECS": "1"})
    if check and done.returncode != 0:
        raise CodeidxError(f"git {args[0]} failed in {root}: "
                           f"{first_line(done.stderr.decode('utf-8', 'replace'), last=True)}")
    return done.stdout


def _resolve(root: Path, base: str) -> tuple[Path, str]:
    top = _git(root, "rev-parse", "--show-toplevel", check=False).decode("utf-8", "replace").strip()
    if not top:
        raise CodeidxError(f"{root} is not a git work tree: review compares a change with its base commit")
    root = Path(top)
    commit = _git(root, "rev-parse", "--verify", "-q", "--end-of-options", f"{base}^{{commit}}", check=False)
    if not commit.strip():
        raise CodeidxError(f"{base!r} is not a commit in {root}: pass the commit the change started from")
    return root, commit.decode().strip()


def _name(raw: bytes, skipped: list[str]) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        skipped.append(f"{raw.decode('utf-8', 'replace')}: a file name that is not UTF-8, not scanned")
        return None


def _changed_files(root: Path, commit: str, skipped: list[str]) -> list[tuple[str, str | None]]:
    """(path now, path at base or None) for each file changed or added since `commit`; deleted files are gone."""
    fields = _git(root, "diff", "--name-status", "-z", "-M", "--no-ext-diff", commit, "--").split(b"\0")
    files: dict[str, str | None] = {}
    i = 0
    while i + 1 < len(fields):
        status = fields[i][:1]
        if status in (b"R", b"C"):  # renamed or copied: the name at base, then the name now
            old, new, i = fields[i + 1], fields[i + 2], i + 3
        else:
            old, new, i = fields[i + 1], fields[i + 1], i + 2
        if status != b"D" and (path := _name(new, skipped)) is not None:
            files[path] = None if status in (b"A", b"C") else _name(old, [])
    for raw in _git(root, "ls-files", "--others", "--exclude-standard", "-z").split(b"\0"):
        if raw and (path := _name(raw, skipped)) is not None:
            files.setdefault(path, None)
    return sorted(files.items())


def _given(root: Path, paths: list[str]) -> list[tuple[str, str | None]]:
    files = {}
    for path in paths:
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts or not (root / rel).resolve().is_relative_to(root.resolve()):
            raise CodeidxError(f"{path!r} is outside the repository: give paths relative to its root")
        files[rel.as_posix()] = rel.as_posix()
    return sorted(files.items())


def _head_text(root: Path, path: str, skipped: list[str]) -> bytes | None:
    target = root / path
    if not target.resolve().is_relative_to(root.resolve()) or target.is_symlink():
        skipped.append(f"{path}: a symbolic link, not scanned")
        return None
    if not target.is_file():  # deleted, or a folder (a submodule), or a pipe
        return None
    try:
        with target.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)  # read, not stat: the file may grow meanwhile
    except OSError as exc:
        skipped.append(f"{path}: cannot be read ({first_line(exc)}), not scanned")
        return None
    if len(data) > MAX_FILE_BYTES:
        size = target.stat().st_size
        skipped.append(f"{path}: {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES // 1_000_000} MB limit, not scanned")
        return None
    if b"\0" in data[:8192]:
        skipped.append(f"{path}: a binary file, not scanned")
        return None
    return data


def _base_texts(root: Path, commit: str, wanted: dict[str, str]) -> dict[str, bytes]:
    """The base commit's text of each file (keyed by its path now), for files that were regular files there."""
    if not wanted:
        return {}
    blobs: list[tuple[str, str]] = []  # (blob id, path now); two files may share a blob
    for entry in _git(root, "ls-tree", "-r", "-l", "-z", commit, "--", *wanted).split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        parts = meta.split()
        path = wanted.get(name.decode("utf-8", "replace"))
        if path and len(parts) == 4 and parts[0] in (b"100644", b"100755") and int(parts[3]) <= MAX_FILE_BYTES:
            blobs.append((parts[2].decode(), path))
    if not blobs:
        return {}
    out = _git(root, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid, _ in blobs).encode())
    texts, at = {}, 0
    for _, path in blobs:  # --batch answers in the order asked: "<oid> blob <size>\n<data>\n"
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        data = out[header_end + 1:header_end + 1 + size]
        at = header_end + 2 + size
        if b"\0" not in data[:8192]:
            texts[path] = data
    return texts


# --- scanning a copy ---

def _lay_out(work: Path, head: dict[str, bytes], base: dict[str, bytes]) -> dict[str, tuple[str, str]]:
    """Write each version as `<side>/<n>/<name>` under `work`; return scan path -> (side, repository path).

    Only the name's suffix matters to the scanners, so a name a scanner takes settings from, or a
    hidden one, is changed (`pyproject.toml` -> `file.toml`)."""
    layout = {}
    for side, texts in (("head", head), ("base", base)):
        for n, (path, data) in enumerate(sorted(texts.items())):
            name = PurePosixPath(path).name
            if name.startswith(".") or name in CONFIG_NAMES:
                name = "file" + PurePosixPath(name).suffix
            scan = f"{side}/{n}/{name}"
            (work / side / str(n)).mkdir(parents=True)
            (work / scan).write_bytes(data)
            layout[scan] = (side, path)
    # An empty one in place of semgrep's default list (tests/, *.min.js, ...), which applies where none exists.
    (work / ".semgrepignore").write_text("")
    return layout


@dataclass(frozen=True)
class _Hit:
    side: str  # head | base
    finding: Finding


def _command(name: str, exe: str, targets: list[str]) -> list[str]:
    if name == "ruff":
        return [exe, "check", "--isolated", "--no-cache", "--ignore-noqa", "--exit-zero", "--output-format", "json",
                "--target-version", RUFF_TARGET, "--select", ",".join(RUFF_SELECT), "--ignore", ",".join(RUFF_IGNORE),
                "--", *targets]
    if name == "bandit":
        return [exe, "-q", "-f", "json", "--ignore-nosec", "-s", ",".join(f"B{n}" for n in NOISY_BANDIT),
                *targets]
    return [exe, "scan", "--config", str(RULES_DIR), "--metrics=off", "--disable-version-check", "--disable-nosem",
            "--no-git-ignore", "--no-rewrite-rule-ids", "--json", "--quiet",
            "--max-target-bytes", str(MAX_FILE_BYTES), *targets]


def _environment(exe: str, work: Path) -> dict[str, str]:
    """The user's locale and PATH, no keys or tokens; a home of its own (semgrep writes settings there)."""
    env = {name: os.environ[name] for name in BASE_ENV if name in os.environ}
    # The scanner's own folder first: semgrep starts helpers of its own by name.
    env["PATH"] = os.pathsep.join([str(Path(exe).parent), env.get("PATH", os.defpath)])
    home = work / "home"
    for folder in (home / ".config", home / ".cache"):  # semgrep stops when they are missing
        folder.mkdir(parents=True, exist_ok=True)
    return {**env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
            "TMPDIR": str(home), "SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "PYTHONDONTWRITEBYTECODE": "1"}


def _run_scanners(work: Path, layout: dict[str, tuple[str, str]], locate: Callable[[str], str | None],
                  timeout: float, skipped: list[str]) -> tuple[list[_Hit], tuple[str, ...]]:
    python = [scan for scan in layout if scan.endswith(PYTHON_SUFFIXES)]
    targets = {"ruff": python, "bandit": python, "semgrep": list(layout)}
    started = {}
    for name in SCANNERS:
        if not targets[name]:
            continue
        exe = locate(name)
        if exe is None:
            skipped.append(f"{name}: not installed; {INSTALL_HINT}")
        elif name == "semgrep" and not RULES_DIR.is_dir():
            skipped.append(f"semgrep: its rules are missing from {RULES_DIR}; reinstall codeidx")
        else:
            started[name] = _start(_command(name, exe, targets[name]), work, _environment(exe, work), skipped)
    hits, ran = [], []
    for name, proc in started.items():  # all started first: they run side by side
        if proc is None:
            continue
        output = _wait(name, *proc, timeout, skipped)
        if output is None:
            continue
        try:
            found = PARSERS[name](output)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
            skipped.append(f"{name}: unreadable output ({first_line(exc)})")
            continue
        ran.append(name)
        hits += [_Hit(layout[scan][0], Finding(name, rule, severity, layout[scan][1], line, _one_line(message)))
                 for rule, severity, scan, line, message in found if scan in layout]
    return hits, tuple(ran)


def _start(argv: list[str], work: Path, env: dict[str, str], skipped: list[str]):
    out, err = tempfile.TemporaryFile(dir=work), tempfile.TemporaryFile(dir=work)
    try:
        proc = subprocess.Popen(argv, cwd=work, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                                start_new_session=True)
    except OSError as exc:
        skipped.append(f"{Path(argv[0]).name}: could not start ({first_line(exc)})")
        return None
    return proc, out, err


def _wait(name: str, proc: subprocess.Popen, out, err, timeout: float, skipped: list[str]) -> bytes | None:
    with out, err:
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # semgrep's engine runs in child processes
            proc.wait()
            skipped.append(f"{name}: ran past {timeout:.0f} s and was stopped")
            return None
        size = out.seek(0, os.SEEK_END)
        if size > MAX_OUTPUT_BYTES:
            skipped.append(f"{name}: {size // 2**20} MB of output, over the {MAX_OUTPUT_BYTES // 2**20} MB limit")
            return None
        out.seek(0)
        data = out.read()
        # ruff exits 0 (--exit-zero), bandit 1 when it found something, semgrep 0 unless it failed.
        if code not in ((0, 1) if name == "bandit" else (0,)):
            err.seek(0)
            said = err.read(4096).decode("utf-8", "replace") or data[:4096].decode("utf-8", "replace")
            skipped.append(f"{name}: failed (exit {code}: {first_line(said)})")
            return None
        return data


Raw = tuple[str, str, str, int, str]  # rule, severity, scan path, line, message


def _parse_ruff(output: bytes) -> list[Raw]:
    found = []
    for item in json.loads(output):
        rule = item["code"] or "invalid-syntax"  # ruff before 0.9 gives a syntax error no code
        prefix = max((p for p in RUFF_SEVERITY if rule.startswith(p)), key=len, default="")
        found.append((rule, RUFF_SEVERITY.get(prefix, "low"), _scan_path(item["filename"]),
                      int(item["location"]["row"]), item["message"]))
    return found


def _parse_bandit(output: bytes) -> list[Raw]:
    return [(item["test_id"], _severity(str(item["issue_severity"]).lower()), _scan_path(item["filename"]),
             int(item["line_number"]), item["issue_text"]) for item in json.loads(output)["results"]]


def _parse_semgrep(output: bytes) -> list[Raw]:
    return [(item["check_id"], SEMGREP_SEVERITY.get(item["extra"]["severity"], "low"), _scan_path(item["path"]),
             int(item["start"]["line"]), item["extra"]["message"]) for item in json.loads(output)["results"]]


PARSERS: dict[str, Callable[[bytes], list[Raw]]] = {"ruff": _parse_ruff, "bandit": _parse_bandit,
                                                    "semgrep": _parse_semgrep}


def _scan_path(reported: str) -> str:
    """The scan path (`head/3/app.py`) of a file name a scanner reports, absolute or relative to the scan folder."""
    parts = PurePosixPath(reported).parts
    for i, part in enumerate(parts):
        if part in ("head", "base") and len(parts) == i + 3:
            return "/".join(parts[i:])
    return reported


# --- findings the change introduced ---

def _subtract(hits: list[_Hit], lines: dict[tuple[str, str], list[str]]) -> tuple[tuple[Finding, ...], int]:
    """Head findings less base findings, matched as a multiset by (tool, rule, path, flagged line's text)."""
    hits = _merge_twins(hits)

    def key(hit: _Hit) -> tuple[str, str, str, str]:
        text = lines.get((hit.side, hit.finding.path), [])
        at = hit.finding.line - 1
        return (hit.finding.tool, hit.finding.rule, hit.finding.path, text[at].strip() if 0 <= at < len(text) else "")

    old = Counter(key(h) for h in hits if h.side == "base")
    new, preexisting = [], 0
    for hit in sorted((h for h in hits if h.side == "head"), key=lambda h: _order(h.finding)):
        if old[key(hit)] > 0:
            old[key(hit)] -= 1
            preexisting += 1
        else:
            new.append(hit.finding)
    return tuple(new), preexisting


def _merge_twins(hits: list[_Hit]) -> list[_Hit]:
    """One finding per (side, tool, rule, path, line), and one of each ruff S<n> / bandit B<n> pair on a line:
    the same check, the more severe of the two kept."""
    best: dict[tuple, _Hit] = {}
    for hit in hits:
        f = hit.finding
        check = f.rule[1:] if (f.tool, f.rule[:1]) in (("ruff", "S"), ("bandit", "B")) else f"{f.tool}:{f.rule}"
        slot = (hit.side, f.path, f.line, check)
        if slot not in best or _rank(f.severity) > _rank(best[slot].finding.severity):
            best[slot] = hit
    return list(best.values())


def _order(f: Finding) -> tuple:
    return f.path, f.line, -_rank(f.severity), f.tool, f.rule, f.message


def _rank(severity: str) -> int:
    if severity not in SEVERITIES:
        raise CodeidxError(f"{severity!r} is not a severity: choose from {', '.join(SEVERITIES)}")
    return SEVERITIES.index(severity)


def _severity(value: str) -> str:
    return value if value in SEVERITIES else "low"


def _one_line(message: str, limit: int = 300) -> str:
    return redact(" ".join(str(message).split()))[:limit]
