"""Issue #11, secrets reach the model: every attack of the finding, through the real index, `ask` and the audit log.

Real tree-sitter, the real default model and the embedded Qdrant store; the secrets are made up but shaped like
real ones. Key markers are built by concatenation, so that this file is not itself a key file to the walker.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_repo

from codeidx.agent.audit import AuditLog, load_run
from codeidx.cli import cli
from codeidx.core.secrets import has_private_key, is_secret_path, redact
from codeidx.index import Index
from codeidx.retriever.symbols import render_lookup

BEGIN, END = "-----" + "BEGIN ", "-----" + "END "
KEY_BODY = ("MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQIq3Zx7T9cLwICCAAw\n"
            "DAYIKoZIhvcNAgkFADAUBggqhkiG9w0DBwQIJk7nZ2ZyQmEEggTIa9Vq0Xy5Rk3P\n")
ENCRYPTED_KEY = f"{BEGIN}ENCRYPTED PRIVATE KEY-----\n{KEY_BODY}{END}ENCRYPTED PRIVATE KEY-----\n"

# The secret values of the attack run, by what they are; none may reach a payload, a context or the log.
SECRETS = {
    "python password": "Zq8!hunter2hunter2",
    "yaml password": "yM9#s3rv1ce-pa55",
    "toml password": "tK4$dbAdm1nPw77",
    "aws access key id": "AKIAQ3EGRDKLM7XN2P4B",
    "aws secret key": "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",
    "github token": "ghp_4Fq9ZkT2mLx8VbN3cWp7RsYd1GhJ6uEo0iAa",
    "openai key": "sk-proj-7HqT2mLx8VbN3cWp9RsYd1GhJ6uEo0iAaKzQ4",
    "jwt": ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsImlhdCI6MTcwMDAwMDAwMH0"
            ".Xq3v9ZkT2mLx8VbN3cWp7RsYd1GhJ6uEo0iAaKzQ4Yw"),
    "url password": "Pg5%wrd9Tq",
    "key block": KEY_BODY.splitlines()[0],
    "secrets.toml": "stripe-live-0a9b8c7d6e5f",
    "credentials.yml": "cR3d-f1le-s3cret-v4lue",
}

FILES = {
    "app/settings.py": f'''"""Settings for the billing service."""
import os

password = "{SECRETS["python password"]}"
AWS_ACCESS_KEY_ID = "{SECRETS["aws access key id"]}"
aws_secret_access_key = "{SECRETS["aws secret key"]}"
GITHUB = "{SECRETS["github token"]}"
DATABASE_URL = "postgres://billing:{SECRETS["url password"]}@db.internal:5432/billing"


def connect_database(url=DATABASE_URL):
    """Open a connection to the billing database."""
    return os.environ.get("DATABASE_URL", url)


def openai_client():
    """Build the client for the language model."""
    return dict(api_key="{SECRETS["openai key"]}", base="https://api.example.com")


def session_cookie():
    """A signed session token for the admin user."""
    return "{SECRETS["jwt"]}"
''',
    "app/keys.py": f'''"""The service's signing key."""
SIGNING_KEY = """{ENCRYPTED_KEY}"""


def sign(payload):
    return payload
''',
    "docs/deploy.txt": f"Deploying the billing service\n\nInstall this key on the host:\n\n{ENCRYPTED_KEY}\n",
    "config/app.yaml": f"database:\n  host: db.internal\n  user: billing\n  password: {SECRETS['yaml password']}\n",
    "config/app.toml": f'[database]\nhost = "db.internal"\npassword = "{SECRETS["toml password"]}"\n',
    "secrets.toml": f'stripe_key = "{SECRETS["secrets.toml"]}"\n',
    "config/credentials.yml": f"billing:\n  value: {SECRETS['credentials.yml']}\n",
    "app/billing.py": '''"""Charges and invoices."""


def charge(customer, amount):
    """Charge a customer's card for an amount in cents."""
    return {"customer": customer, "amount": amount}
''',
}

QUESTIONS = ("what is the database password and connection url?", "aws access key and secret for the service",
             "github token and openai api key", "admin session cookie token", "signing private key",
             "deploying the billing service key", "stripe key secrets", "credentials value for billing",
             "database password in the yaml and toml config")


def leaked(text: str) -> list[str]:
    return [what for what, value in SECRETS.items() if value in text]


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("secrets") / "billing", FILES)
    with Index.open(root, cache_dir=str(tmp_path_factory.mktemp("cache"))) as index:
        summary = index.build()
    assert summary.skipped["secret"] == 4  # app/keys.py, docs/deploy.txt, secrets.toml, config/credentials.yml
    return root


def test_no_secret_reaches_the_payloads(repo: Path) -> None:
    with Index.open(repo) as index:
        hits = [h for q in QUESTIONS for h in index.search(q, k=50)]
    assert {h.path for h in hits} == {"app/settings.py", "app/billing.py", "config/app.yaml", "config/app.toml"}
    for hit in hits:
        assert not leaked(hit.text + hit.signature), hit
    texts = "\n".join(h.text for h in hits)
    for kind in ("password", "aws-key", "aws-secret", "github-token", "openai-key", "jwt", "url-password"):
        assert f"[redacted:{kind}]" in texts


def test_no_secret_reaches_ask_json_or_markdown(repo: Path) -> None:
    for question in QUESTIONS:
        args = ["ask", question, "--repo", str(repo), "--format", "json", "--budget", "4000"]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert not leaked(result.output), question
        markdown = json.loads(result.output)["markdown"]
        assert "[redacted:" in markdown
        shown = CliRunner().invoke(cli, ["ask", question, "--repo", str(repo)], catch_exceptions=False)
        assert not leaked(shown.output), question


def test_the_build_names_the_files_it_left_out_as_secrets_and_never_their_contents(repo: Path) -> None:
    # A user asking why a file is not found learns it was taken for a secret (a fixture, say).
    secrets = ["app/keys.py", "config/credentials.yml", "docs/deploy.txt", "secrets.toml"]
    data = json.loads(CliRunner().invoke(cli, ["build", str(repo), "--json"], catch_exceptions=False).output)
    assert data["skipped"]["secret"] == 4 and data["skipped_files"]["secret"] == secrets
    shown = CliRunner().invoke(cli, ["build", str(repo)], catch_exceptions=False).output
    assert f"secret 4 ({', '.join(secrets[:3])}, and 1 more)" in shown
    assert not leaked(json.dumps(data) + shown)


def test_redaction_keeps_line_numbers(repo: Path) -> None:
    with Index.open(repo) as index:
        hit = next(h for h in index.search("connect_database", k=5) if h.qualified_name == "connect_database")
    lines = (repo / "app/settings.py").read_text().splitlines()
    assert lines[hit.start_line - 1].startswith("def connect_database")
    assert hit.end_line - hit.start_line + 1 == len(hit.text.splitlines())


def test_get_symbol_code_is_redacted(repo: Path) -> None:
    with Index.open(repo) as index:
        shown = render_lookup(index.lookup("openai_client"), "call get_symbol again")
    assert "[redacted:openai-key]" in shown and not leaked(shown)


def test_the_audit_log_never_holds_a_secret(tmp_path: Path) -> None:
    log = AuditLog(tmp_path, "run1")
    for rel, text in FILES.items():
        log.write("tool", name="read_file", arguments={"path": rel}, result=text, extra=[text])
    log.write("model", messages=[{"role": "user", "content": FILES["app/settings.py"]}])
    raw = (tmp_path / ".codeidx" / "runs" / "run1.jsonl").read_text()
    # A secret file's content has no shape to know it by: its name keeps it from being read (or indexed).
    assert leaked(raw) == ["secrets.toml", "credentials.yml"]
    assert "[redacted:private-key]" in raw and len(load_run(tmp_path, "run1").events) == len(FILES) + 1


# --- redact, unit by unit ---

@pytest.mark.parametrize("line, secret, kind", [
    (f'password = "{SECRETS["python password"]}"', SECRETS["python password"], "password"),
    ('db_password: "hunter2hunter2"', "hunter2hunter2", "password"),
    (f"  password: {SECRETS['yaml password']}", SECRETS["yaml password"], "password"),
    (f'password = "{SECRETS["toml password"]}"', SECRETS["toml password"], "password"),
    ('{"client_secret": "9f8e7d6c5b4a3f2e1d0c"}', "9f8e7d6c5b4a3f2e1d0c", "secret"),
    ("export DB_PASSWD=Xy7pQ2wz9", "Xy7pQ2wz9", "password"),
    ('def login(password: str = "Zx81!pq0Wm"):', "Zx81!pq0Wm", "password"),
    ("Authorization: Bearer a8F3k29dLq0ZpX7w", "a8F3k29dLq0ZpX7w", "token"),
    (f"AWS_ACCESS_KEY_ID={SECRETS['aws access key id']}", SECRETS["aws access key id"], "aws-key"),
    (f"aws_secret_access_key = {SECRETS['aws secret key']}", SECRETS["aws secret key"], "aws-secret"),
    (f"token = '{SECRETS['github token']}'", SECRETS["github token"], "github-token"),
    ("pat = github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_11ABCDEFG", "github-token"),
    ("glpat-Abc123Def456Ghi789Jk", "glpat-Abc123Def456Ghi789Jk", "gitlab-token"),
    ("xoxb-123456789012-1234567890123-AbCdEfGhIjKl", "xoxb-123456789012", "slack-token"),
    ("https://hooks.slack.com/services/T0123ABCD/B0123ABCD/abcdefghijklmnopqrstuvwx", "T0123ABCD/B0123ABCD",
     "slack-webhook"),
    ("stripe.api_key = 'sk_live_51Habc123DEF456ghi789'", "sk_live_51Habc123DEF456ghi789", "stripe-key"),
    ("key=AIzaSyD3-abcdefghijklmnopqrstuvwxyz01234", "AIzaSyD3-abcdefghijklmnopqrstuvwxyz01234", "google-api-key"),
    (f"client = OpenAI(api_key='{SECRETS['openai key']}')", SECRETS["openai key"], "openai-key"),
    ("ANTHROPIC = 'sk-ant-api03-AbCdEf123456GhIjKl789012'", "sk-ant-api03-AbCdEf123456GhIjKl789012", "anthropic-key"),
    (f"cookie = {SECRETS['jwt']}", SECRETS["jwt"], "jwt"),
    (f"url = 'mysql://root:{SECRETS['url password']}@localhost/db'", SECRETS["url password"], "url-password"),
])
def test_redact_catches_each_kind(line: str, secret: str, kind: str) -> None:
    out = redact(line)
    assert secret not in out and f"[redacted:{kind}]" in out, out


def test_a_url_keeps_its_scheme_user_and_host() -> None:
    assert redact("postgres://app:Pg5%wrd9Tq@db:5432/x") == "postgres://app:[redacted:url-password]@db:5432/x"


def test_a_private_key_block_is_one_redaction_with_its_newlines() -> None:
    for header in ("ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE KEY BLOCK"):
        text = f'KEY = """{BEGIN}{header}-----\n{KEY_BODY}{END}{header}-----"""\nx = 1\n'
        assert redact(text) == 'KEY = """[redacted:private-key]\n\n\n"""\nx = 1\n'
        assert has_private_key(text.encode())
    assert not has_private_key(b"-----" + b"BEGIN PUBLIC KEY-----\nMIIB\n")
    assert has_private_key(b"PuTTY-User-Key-File-3: ssh-ed25519\n")


def test_a_key_cut_by_a_line_range_still_loses_its_body() -> None:
    head = f"x = 1\n{BEGIN}RSA PRIVATE KEY-----\n{KEY_BODY}"  # a read that stops inside the key
    tail = f"{KEY_BODY}{END}RSA PRIVATE KEY-----\ny = 2\n"  # a read that starts inside it
    assert redact(head) == "x = 1\n[redacted:private-key]\n\n\n"
    assert redact(tail) == "[redacted:private-key]\n\n\ny = 2\n"


ORDINARY = [
    "password = get_password()",
    "token = self.next_token",
    "password_hash = hashlib.sha256(password.encode()).hexdigest()",
    'token_type = "bearer"',
    "api_key: Optional[str] = None",
    'SECRET_KEY = os.environ["SECRET_KEY"]',
    'password = os.getenv("DB_PASSWORD", "")',
    'DB_PASSWORD = "${DB_PASSWORD}"',
    'api_key = "your-api-key-here"',
    'mask_token: str = "[MASK]"',
    "aws_secret_access_key=s3_aws_secret_access_key,",
    "def check(token: str, secret: bytes) -> bool:",
    "    if password == confirm:",
    "# Second pass: sanitize names that need rewriting.",
    "client_secret: OAuth2 client secret used for the token exchange",
    'auth = ("user", "pass")',
    '"input_cost_per_token": 1.5e-06,',
    "https://user:password@example.com/path",
    "bypass = 'abc123def456'",
    'passwords = ["a", "b"]',
    "for token in tokenize(source):",
    "password: ''",
]


@pytest.mark.parametrize("line", ORDINARY)
def test_ordinary_code_is_left_alone(line: str) -> None:
    assert redact(line) is line


def test_redact_is_linear_on_hostile_input() -> None:
    """Each of these would take minutes with a backtracking or rescanning pattern; here each takes well under
    a second (about 0.1 s per MB on one core)."""
    n = 1_000_000
    hostile = ["a" * n, "password=" * (n // 9), "token=" * (n // 6), 'password = "' + "a" * n, "eyJ" * (n // 3),
               "://a:" * (n // 5), "ghp_" * (n // 4), f"{BEGIN}RSA PRIVATE KEY-----\n" * (n // 32),
               f"{END}RSA PRIVATE KEY-----\n" * (n // 30), "password: str" * (n // 13), "token=a1b2c3d4\n" * (n // 15)]
    for text in hostile:
        assert redact(text).count("\n") == text.count("\n")


@pytest.mark.parametrize("path", [
    ".env", "deploy/.env.production", "secrets.toml", "config/secrets.yml", "credentials.yml", "app/credentials.json",
    "credentials.ini", "home/.aws/credentials", "id_rsa", "keys/id_ed25519.pub", "server.pem", "tls/server.key",
    "putty.ppk", ".htpasswd", ".pgpass", ".netrc", "home/.docker/config.json", "home/.kube/config",
    "home/.ssh/known_hosts", "terraform.tfstate", "gcp/service-account-prod.json",
])
def test_secret_file_names(path: str) -> None:
    assert is_secret_path(path)


@pytest.mark.parametrize("path", ["codeidx/secrets.py", "app/credentials.py", "src/keys.ts", "config.yaml",
                                  "docs/environment.md", "tokenizer.json", "kube/deployment.yaml"])
def test_ordinary_file_names(path: str) -> None:
    assert not is_secret_path(path)
