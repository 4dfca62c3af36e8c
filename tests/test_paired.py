"""Paired comparisons of two rankings (`codeidx bench compare`): the statistics, and what they read."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from codeidx.benchmarks.paired import compare, paired, sign_test, table
from codeidx.core.errors import CodeidxError


def test_sign_test_is_the_exact_binomial_tail() -> None:
    assert sign_test(5, 0) == pytest.approx(2 / 32)  # all five changes one way: 2 * 0.5^5
    assert sign_test(0, 5) == sign_test(5, 0)
    assert sign_test(3, 3) == 1.0 and sign_test(0, 0) == 1.0
    assert sign_test(54, 8) < 1e-8


def test_paired_counts_wins_and_bounds_the_difference() -> None:
    same = paired("Acc@1", [1, 0, 1, 0], [1, 0, 1, 0])
    assert (same.wins, same.losses, same.low, same.high, same.p) == (0, 0, 0.0, 0.0, 1.0)
    better = paired("Acc@1", [1] * 30 + [0] * 10, [0] * 20 + [1] * 10 + [0] * 10)
    assert (better.wins, better.losses, better.n) == (20, 0, 40)
    assert better.difference == pytest.approx(0.5) and 0.3 < better.low < 0.5 < better.high < 0.7
    assert better.p < 1e-5
    # A single instance either way is not evidence: the interval holds zero.
    one = paired("Acc@1", [1] + [0] * 41, [0] * 42)
    assert one.low <= 0.0 < one.high and one.p == 1.0
    assert paired("MRR", [0.5, 1.0], [1.0, 0.5]) == paired("MRR", [0.5, 1.0], [1.0, 0.5])  # seeded: the same twice


def _run(folder: Path, kind: str, records: list[dict]) -> Path:
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps({"command": "codeidx bench", kind: records}))
    return folder


def test_localization_asks_for_every_gold_file_and_questions_for_one(tmp_path: Path) -> None:
    both = {"gold_files": ["a.py", "b.py"], "files": {"bm25": ["a.py", "c.py", "b.py"], "full": ["a.py", "b.py"]}}
    run = _run(tmp_path / "loc", "instances", [{"instance_id": "x-1", **both}])
    rows = {r.metric: r for r in compare([run], "bm25", [run], "full").rows}
    assert (rows["Acc@1"].baseline, rows["Acc@5"].baseline, rows["Acc@5"].system) == (0.0, 1.0, 1.0)
    assert set(rows) == {"Acc@1", "Acc@5", "Acc@10", "MRR"}
    qa = _run(tmp_path / "qa", "questions", [{"id": "q-1", **both, "hits": {"bm25": ["c.py"], "full": ["b.py"]}}])
    rows = {r.metric: r for r in compare([qa], "bm25", [qa], "full").rows}
    assert rows["Hit@1"].baseline == 1.0  # a.py first: one gold file is an answer
    assert (rows["first hit"].baseline, rows["first hit"].system) == (0.0, 1.0)


def test_two_runs_pair_on_the_instances_both_hold(tmp_path: Path) -> None:
    def inst(i: str, files: list[str]) -> dict:
        return {"instance_id": i, "gold_files": ["g.py"], "files": {"full": files}}
    before = _run(tmp_path / "before", "instances", [inst("a", ["g.py"]), inst("b", ["x.py", "g.py"]),
                                                      inst("c", ["x.py"])])
    after = _run(tmp_path / "after", "instances", [inst("a", ["x.py", "g.py"]), inst("b", ["g.py"]),
                                                    inst("d", ["g.py"])])
    result = compare([before], "full", [after / "results.json"], "full")
    assert result.rows[0].n == 2  # c and d are in one run only
    assert [(m.id, m.before, m.after) for m in result.moved] == [("a", 1, 2), ("b", 2, 1)]
    text = table(result)
    assert "| Acc@1 | 0.500 | 0.500 | +0.000 |" in text and "| 1 / 1 | 1 |" in text
    assert "- a: 1 → 2" in text and "- b: 2 → 1" in text


def test_bad_input_is_one_clear_error(tmp_path: Path) -> None:
    run = _run(tmp_path / "loc", "instances", [{"instance_id": "x", "gold_files": ["a.py"], "files": {"bm25": []}}])
    with pytest.raises(CodeidxError, match="has no system 'full' \\(it has bm25\\)"):
        compare([run], "bm25", [run], "full")
    qa = _run(tmp_path / "qa", "questions", [{"id": "x", "gold_files": ["a.py"], "files": {"bm25": []}}])
    with pytest.raises(CodeidxError, match="share no instance"):
        compare([run], "bm25", [qa], "bm25")  # a localization run and a question run are not the same benchmark
    (tmp_path / "other.json").write_text('{"results": []}')
    with pytest.raises(CodeidxError, match="not a benchmark's results.json"):
        compare([tmp_path / "other.json"], "full", [run], "bm25")
    (tmp_path / "flat.json").write_text('{"instances": [{"instance_id": "x", "files": ["a.py"]}]}')
    with pytest.raises(CodeidxError, match="a record without rankings"):
        compare([tmp_path / "flat.json"], "full", [run], "bm25")
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(CodeidxError, match="cannot read"):
        compare([tmp_path / "broken.json"], "full", [run], "bm25")


def test_several_runs_pool_their_instances(tmp_path: Path) -> None:
    def inst(i: str, bm25: list[str]) -> dict:
        return {"instance_id": i, "gold_files": ["g.py"], "files": {"bm25": bm25, "full": ["g.py"]}}
    one = _run(tmp_path / "hist-one", "instances", [inst("a", ["x.py", "g.py"]), inst("b", ["g.py"])])
    two = _run(tmp_path / "hist-two", "instances", [inst("a", ["x.py"])])  # the same id, another repository
    result = compare([one, two], "bm25", [one, two], "full")
    assert result.rows[0].n == 3 and (result.rows[0].wins, result.rows[0].losses) == (2, 0)
    assert [m.id for m in result.moved] == ["hist-one:a", "hist-two:a"]
    assert result.system == "full of 2 runs"
    qa = _run(tmp_path / "qa", "questions", [{"id": "q", "gold_files": ["g.py"], "files": {"bm25": [], "full": []}}])
    with pytest.raises(CodeidxError, match="cannot be pooled"):
        compare([one, qa], "bm25", [one, qa], "full")
