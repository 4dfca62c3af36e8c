"""A pasted issue is read without its template's boilerplate and its package inventory."""
from __future__ import annotations

from codeidx.retriever.query_text import MAX_QUERY_CHARS, readable

PIP_LIST = "Package    Version\n---------- -------\n" + "".join(
    f"{name}    1.{n}.0\n" for n, name in enumerate(["retrying", "backoff", "http-adapter", "session-pool",
                                                      "requests-retry", "urllib3", "attempts", "throttle"]))

# Its template and its package list are full of retry, session and adapter words; the issue is about slugs.
ISSUE = f"""Titles turned into slugs lose the dashes between their words
<!--
Thanks for submitting an issue! Say which retry policy, backoff, session and adapter settings you use,
and whether failed requests are retried.
-->
- [x] a detailed description of the retry, backoff and throttling problem
- [ ] output of `pip list` from the session where requests failed

"Hello World" becomes "helloworld".

```
{PIP_LIST}```
Installing collected packages: retrying, backoff, http-adapter
Successfully installed retrying-1.3.3 backoff-2.1 http-adapter-0.4
"""


def test_template_comments_checklists_and_package_lists_are_dropped() -> None:
    text = readable(ISSUE)
    assert text.startswith("Titles turned into slugs") and '"Hello World" becomes "helloworld".' in text
    for gone in ("Thanks for submitting", "- [x]", "- [ ]", "throttle", "Installing collected", "Successfully"):
        assert gone not in text


def test_what_only_looks_like_boilerplate_stays() -> None:
    # A `name number` line is code, a few are settings, not an inventory; a query that is all
    # boilerplate is kept whole.
    code = "def ratio():\n    return 1.0\n\nratio() is wrong"
    settings = "With these settings:\nretries 3\nbackoff 0.5\ntimeout 2.5\njitter 0.1\nno retry happens"
    assert readable(code) == code and readable(settings) == settings
    assert readable("- [x] retries\n- [ ] sessions\n") == "- [x] retries\n- [ ] sessions\n"
    assert readable(ISSUE.replace("\n", "\r\n")) == readable(ISSUE)


def test_a_long_package_list_leaves_room_for_what_follows_it() -> None:
    issue = "Slugs lose their dashes\n" + PIP_LIST * 150 + "The trace:\n" + "x" * 100
    assert len(issue) > MAX_QUERY_CHARS
    text = readable(issue)
    assert text.startswith("Slugs lose their dashes") and text.endswith("The trace:\n" + "x" * 100)
    assert "[...]" not in text and len(readable("y" * 10 * MAX_QUERY_CHARS)) == MAX_QUERY_CHARS
