"""Rules that have one home each (#12): each test drives the rule through the code that uses it."""
from __future__ import annotations

from codeidx.agent.audit import TEXT_LIMIT, summarize
from codeidx.core.text import head_and_tail


def test_long_text_keeps_head_and_tail_around_a_count_of_what_was_cut():
    text = "HEAD" + "x" * 20_000 + "TAIL"
    kept = summarize(text)
    assert kept.startswith("HEAD") and kept.endswith("TAIL")
    assert f"\n... [{len(text) - TEXT_LIMIT} characters cut] ...\n" in kept
    assert summarize("short") == "short" and head_and_tail("abc", 3) == "abc"


def test_text_already_cut_by_the_sandbox_gets_the_marker_between_its_halves():
    # The sandbox hands back the first and last bytes of a long output and how many it left out.
    kept = head_and_tail("first half|second half", 6000, cut=12345, unit="bytes")
    assert kept == "first half|\n... [12345 bytes cut] ...\nsecond half"
